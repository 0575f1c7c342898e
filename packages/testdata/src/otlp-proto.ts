// The official OpenTelemetry protocol definitions (opentelemetry-proto), loaded with protobufjs, for tests that
// need an independent OTLP decoder. The .proto files are not committed: they are fetched once from a tagged
// release (served by the Go module proxy as a module zip), checked against a pinned SHA-256, and extracted into
// the git-ignored cache `<repo>/.cache/opentelemetry-proto/<version>/`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import protobuf from 'protobufjs';

/** The opentelemetry-proto release the definitions come from. */
export const OTLP_PROTO_VERSION = 'v1.10.0';
/** SHA-256 of the module zip of {@link OTLP_PROTO_VERSION} as served by proxy.golang.org. */
const ZIP_SHA256 = 'd5cf9d0708760c4a84a8704c936a212a610b2d6a4d34014477072909305fe6c8';
/** Where the module zip is downloaded from. */
export const OTLP_PROTO_URL = `https://proxy.golang.org/github.com/open-telemetry/opentelemetry-proto/@v/${OTLP_PROTO_VERSION}.zip`;

const ENTRY_FILES = [
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'opentelemetry/proto/logs/v1/logs.proto',
  'opentelemetry/proto/common/v1/common.proto',
  'opentelemetry/proto/resource/v1/resource.proto',
] as const;

/**
 * Directory holding the extracted .proto files: `$LOGPUSH_OTEL_PROTO_CACHE/<version>` when that variable is set,
 * else `<repo>/.cache/opentelemetry-proto/<version>`.
 */
export function otlpProtoCacheDir(): string {
  const base =
    process.env.LOGPUSH_OTEL_PROTO_CACHE ??
    join(fileURLToPath(new URL('../../../', import.meta.url)), '.cache', 'opentelemetry-proto');
  return join(base, OTLP_PROTO_VERSION);
}

let cachedRoot: protobuf.Root | undefined;
let pending: Promise<protobuf.Root> | undefined;

function isComplete(dir: string): boolean {
  return ENTRY_FILES.every((f) => existsSync(join(dir, f)));
}

/** The files of a zip archive (stored or deflated entries), by name. */
export function readZip(zip: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('zip: end of central directory record not found (not a zip file?)');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const files = new Map<string, Uint8Array>();
  const decoder = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (view.getUint32(p, true) !== 0x02014b50)
      throw new Error(`zip: bad central directory entry at byte ${p}`);
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const name = decoder.decode(zip.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (view.getUint32(localOffset, true) !== 0x04034b50)
      throw new Error(`zip: bad local header for ${name}`);
    const dataStart =
      localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (method === 0) files.set(name, data);
    else if (method === 8) files.set(name, new Uint8Array(inflateRawSync(data)));
    else
      throw new Error(`zip: ${name} uses compression method ${method}; expected 0 (stored) or 8 (deflate)`);
  }
  return files;
}

async function download(dir: string): Promise<void> {
  let zip: Uint8Array;
  try {
    const response = await fetch(OTLP_PROTO_URL, { signal: AbortSignal.timeout(60_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    zip = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new Error(
      `loadOtlpProtos: the official OTLP .proto files are not cached in ${dir} and downloading ` +
        `${OTLP_PROTO_URL} failed (${error instanceof Error ? error.message : String(error)}). ` +
        `Connect to the network once, or extract opentelemetry-proto ${OTLP_PROTO_VERSION} there by hand ` +
        `(so that ${join(dir, ENTRY_FILES[0])} exists).`,
      { cause: error },
    );
  }
  const digest = createHash('sha256').update(zip).digest('hex');
  if (digest !== ZIP_SHA256) {
    throw new Error(`loadOtlpProtos: ${OTLP_PROTO_URL} has SHA-256 ${digest}, expected ${ZIP_SHA256}`);
  }
  const prefix = `github.com/open-telemetry/opentelemetry-proto@${OTLP_PROTO_VERSION}/`;
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  for (const [name, data] of readZip(zip)) {
    if (!name.startsWith(prefix) || !name.endsWith('.proto')) continue;
    const target = join(staging, name.slice(prefix.length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  if (!isComplete(staging)) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`loadOtlpProtos: ${OTLP_PROTO_URL} does not contain ${ENTRY_FILES.join(', ')}`);
  }
  mkdirSync(dirname(dir), { recursive: true });
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another process extracted it first: theirs is as good as ours.
    rmSync(staging, { recursive: true, force: true });
    if (!isComplete(dir)) throw error;
  }
}

function loadFrom(dir: string): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith(dir) ? target : join(dir, target));
  root.loadSync(
    ENTRY_FILES.map((f) => join(dir, f)),
    { keepCase: false },
  );
  root.resolveAll();
  return root;
}

/**
 * Loads the official opentelemetry-proto definitions (logs, collector logs service, common, resource) into a
 * protobufjs Root, downloading them into the cache on first use. Rejects with a message naming the URL and the
 * cache directory when they are neither cached nor downloadable.
 */
export async function loadOtlpProtos(): Promise<protobuf.Root> {
  if (cachedRoot !== undefined) return cachedRoot;
  pending ??= (async () => {
    const dir = otlpProtoCacheDir();
    if (!isComplete(dir)) await download(dir);
    cachedRoot = loadFrom(dir);
    return cachedRoot;
  })();
  try {
    return await pending;
  } finally {
    pending = undefined;
  }
}

function rootSync(): protobuf.Root {
  if (cachedRoot !== undefined) return cachedRoot;
  const dir = otlpProtoCacheDir();
  if (!isComplete(dir)) {
    throw new Error(`the OTLP .proto files are not loaded yet: await loadOtlpProtos() once before decoding`);
  }
  cachedRoot = loadFrom(dir);
  return cachedRoot;
}

/**
 * How decoded messages are turned into plain objects: field names in lowerCamelCase (`timeUnixNano`), 64-bit
 * integers as decimal strings, bytes as base64 strings, enums as numbers, absent scalars omitted (proto3
 * defaults are not filled in), repeated fields always present as arrays.
 */
export const DECODE_OPTIONS = {
  longs: String,
  bytes: String,
  enums: Number,
  defaults: false,
  arrays: true,
} as const;

function decodeWith(typeName: string, bytes: Uint8Array): unknown {
  const type = rootSync().lookupType(typeName);
  return type.toObject(type.decode(bytes), DECODE_OPTIONS);
}

/**
 * Decodes an OTLP `ExportLogsServiceRequest` (protobuf bytes) with the official definitions into a plain object
 * shaped as {@link DECODE_OPTIONS} describes. Call `await loadOtlpProtos()` once first (it is synchronous and
 * uses the loaded definitions, or the cached files). Throws on bytes that are not a valid message.
 */
export function decodeExportLogsRequest(bytes: Uint8Array): unknown {
  return decodeWith('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest', bytes);
}

/** Decodes an OTLP `ExportLogsServiceResponse` (protobuf bytes) like {@link decodeExportLogsRequest}. */
export function decodeExportLogsResponse(bytes: Uint8Array): unknown {
  return decodeWith('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse', bytes);
}

/** Encodes a plain object (as produced by the decoders, or protobufjs `fromObject` input) as protobuf bytes. */
export function encodeOtlpMessage(typeName: string, value: Record<string, unknown>): Uint8Array {
  const type = rootSync().lookupType(typeName);
  return type.encode(type.fromObject(value)).finish();
}

/** Reads the cached .proto file `relativePath` (e.g. `opentelemetry/proto/logs/v1/logs.proto`) as text. */
export function readOtlpProtoFile(relativePath: string): string {
  return readFileSync(join(otlpProtoCacheDir(), relativePath), 'utf8');
}
