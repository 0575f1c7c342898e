// The S3-compatible store of the `logpush_s3` suite: VersityGW with its POSIX backend on loopback, a client to
// fill its buckets, a small proxy that can answer 503 SlowDown in front of it, and the sidecar configuration
// that reads a bucket.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, relative, sep } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { canConnect, freePort, startProcess, waitUntil } from './processes.ts';
import type { ManagedProcess } from './processes.ts';
import { tempDir } from './services.ts';

/** Root credentials of the test store. */
export const S3_ACCESS_KEY = 'logpush-otel-test';
export const S3_SECRET_KEY = 'logpush-otel-test-secret';

/** A running VersityGW. */
export interface RunningStore {
  readonly process: ManagedProcess;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** The directory served: one folder per bucket. */
  readonly root: string;
  readonly client: S3Client;
}

/** A client of `endpoint` with the test credentials (path-style, as self-hosted stores need). */
export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Starts VersityGW (`versitygw posix`) on 127.0.0.1 serving `root` (a new temporary directory unless given, so
 * a restart can keep the data and the port). Resolves once it accepts connections.
 */
export async function startStore(
  versitygw: string,
  options: { readonly root?: string; readonly port?: number } = {},
): Promise<RunningStore> {
  const root = options.root ?? (await tempDir('versitygw'));
  const port = options.port ?? (await freePort());
  // Object metadata (ETags) in a side folder: no extended attributes needed on the temporary file system.
  await mkdir(join(root, '.meta'), { recursive: true });
  await mkdir(join(root, 'data'), { recursive: true });
  const proc = startProcess({
    name: 'versitygw',
    command: versitygw,
    args: [
      '--port',
      `127.0.0.1:${port}`,
      '--quiet',
      'posix',
      '--sidecar',
      join(root, '.meta'),
      join(root, 'data'),
    ],
    logFile: join(root, 'versitygw.log'),
    cwd: root,
    env: { ...process.env, ROOT_ACCESS_KEY: S3_ACCESS_KEY, ROOT_SECRET_KEY: S3_SECRET_KEY },
  });
  await waitUntil(proc, 'listening', () => canConnect(port), 30_000);
  const endpoint = `http://127.0.0.1:${port}`;
  return { process: proc, endpoint, port, root, client: s3Client(endpoint) };
}

/** Creates `bucket`. */
export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Uploads `body` as `key`. */
export async function putObject(
  client: S3Client,
  bucket: string,
  key: string,
  body: Uint8Array | string,
): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Every file under `dir` (recursively), as paths relative to it with `/` separators, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** Uploads every file under `dir` to `bucket` as `<prefix><relative path>`, `concurrency` at a time. */
export async function uploadDirectory(
  client: S3Client,
  bucket: string,
  dir: string,
  prefix: string,
  concurrency = 8,
): Promise<string[]> {
  const files = await filesUnder(dir);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const rel = files[next++] as string;
      await putObject(client, bucket, prefix + rel, await readFile(join(dir, rel)));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return files.map((f) => prefix + f);
}

/** Every key of `bucket` (all pages). */
export async function listKeys(client: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/**
 * A proxy in front of the store that forwards requests (path-style), answers 503 SlowDown to everything while
 * `failing` is set, and 403 AccessDenied to object downloads while `denyObjects` is set.
 */
export interface FlakyProxy {
  readonly endpoint: string;
  failing: boolean;
  /** Requests answered 503 so far. */
  refused: number;
  /** While set, GETs of objects (not listings) are answered 403 AccessDenied. */
  denyObjects: boolean;
  /** Requests answered 403 so far. */
  denied: number;
  /** Requests forwarded so far. */
  forwarded: number;
  /** The Range headers of the requests forwarded, in order. */
  readonly ranges: string[];
  close(): Promise<void>;
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

/** Starts a {@link FlakyProxy} on 127.0.0.1 forwarding to `127.0.0.1:<targetPort>`. */
export async function startFlakyProxy(targetPort: number): Promise<FlakyProxy> {
  const sockets = new Set<Socket>();
  const proxy: FlakyProxy & { server?: Server } = {
    endpoint: '',
    failing: false,
    refused: 0,
    denyObjects: false,
    denied: 0,
    forwarded: 0,
    ranges: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.server?.close(() => resolve());
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (proxy.failing) {
      proxy.refused++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml', 'retry-after': '1' }).end(SLOW_DOWN);
      return;
    }
    const objectGet = req.method === 'GET' && /^\/[^/?]+\/[^?]+/.test(req.url ?? '');
    if (proxy.denyObjects && objectGet) {
      proxy.denied++;
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' }).end(ACCESS_DENIED);
      return;
    }
    proxy.forwarded++;
    if (typeof req.headers.range === 'string') proxy.ranges.push(req.headers.range);
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.server = server;
  return Object.assign(proxy, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

/** Options of {@link s3SidecarConfig}. */
export interface S3SidecarOptions {
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix?: string;
  readonly stateDir: string;
  /** OTLP/HTTP base URL of the backend. */
  readonly otlpUrl: string;
  readonly pollInterval?: string;
  readonly afterAck?: 'keep' | 'delete' | 'tag';
  readonly shard?: { readonly index: number; readonly count: number };
  readonly batchSize?: number;
  readonly maxInFlightBatches?: number;
  readonly maxObjectsInFlight?: number;
  readonly secretKey?: string;
  /** `service.telemetry.metrics.address` ('' by default: no listener). */
  readonly telemetryAddress?: string;
  /** Export requests in flight at once (default the exporter's 4; 1 keeps the arrival order). */
  readonly exporterConcurrency?: number;
  /** Extra receiver settings. */
  readonly receiver?: Record<string, unknown>;
}

/** A sidecar configuration reading a bucket with `logpush_s3` and exporting the original lines over OTLP/HTTP. */
export function s3SidecarConfig(o: S3SidecarOptions): Record<string, unknown> {
  return {
    receivers: {
      logpush_s3: {
        bucket: o.bucket,
        prefix: o.prefix ?? '',
        endpoint: o.endpoint,
        region: 'us-east-1',
        force_path_style: true,
        access_key_id: S3_ACCESS_KEY,
        secret_access_key: o.secretKey ?? S3_SECRET_KEY,
        poll_interval: o.pollInterval ?? '500ms',
        after_ack: o.afterAck ?? 'keep',
        shard: o.shard ?? { index: 0, count: 1 },
        batch_size: o.batchSize ?? 500,
        max_in_flight_batches: o.maxInFlightBatches ?? 8,
        max_objects_in_flight: o.maxObjectsInFlight ?? 4,
        retry_initial_interval: '100ms',
        retry_max_interval: '1s',
        request_timeout: '10s',
        ...o.receiver,
      },
    },
    // the original line is each record's identity: cookies: true keeps it byte for byte
    processors: { cloudflare: { body: 'original', cookies: true } },
    exporters: {
      otlp: {
        endpoint: o.otlpUrl,
        timeout: '60s',
        ...(o.exporterConcurrency === undefined ? {} : { concurrency: o.exporterConcurrency }),
        retry_on_failure: { initial_interval: '50ms', max_interval: '500ms' },
      },
    },
    service: {
      pipelines: { logs: { receivers: ['logpush_s3'], processors: ['cloudflare'], exporters: ['otlp'] } },
      telemetry: { logs: { level: 'info' }, metrics: { address: o.telemetryAddress ?? '' } },
    },
    storage: { directory: o.stateDir },
  };
}
