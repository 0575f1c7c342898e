// A loopback OTLP/HTTP logs receiver for tests and benchmarks. It listens on 127.0.0.1 on an ephemeral port,
// accepts POST .../v1/logs as application/x-protobuf or application/json (optionally gzip-compressed), decodes
// protobuf with the official opentelemetry-proto definitions (see otlp-proto.ts), records every request, and
// answers each one as the test's plan says: 200, a retryable 503/429 with Retry-After, a 400, a partial success,
// a reset connection, a delayed answer, or no answer at all while stalled.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeExportLogsRequest, encodeOtlpMessage, loadOtlpProtos } from './otlp-proto.ts';

/** An OTLP AnyValue in plain JS: intValue → bigint, doubleValue → number, bytesValue → Uint8Array. */
export type DecodedValue =
  string | boolean | bigint | number | Uint8Array | null | DecodedValue[] | { [key: string]: DecodedValue };

/** One LogRecord as the receiver decoded it, with its resource and scope flattened in. */
export interface DecodedLogRecord {
  /** 0 when the record carried none. */
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  /** undefined when the record has no body. */
  readonly body: DecodedValue | undefined;
  readonly eventName: string;
  readonly attributes: Record<string, DecodedValue>;
  readonly droppedAttributesCount: number;
  /** Lower-case hex; '' when absent. */
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
  readonly resource: Record<string, DecodedValue>;
  readonly scope: { readonly name: string; readonly version: string };
  /** Index (in `requests`) of the request that carried the record. */
  readonly request: number;
}

/** What the receiver saw of one HTTP request and how it answered. */
export interface ReceivedRequest {
  /** Position in `requests`, 0 for the first request. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  /** `gzip` or '' for none. */
  readonly contentEncoding: string;
  /** Bytes on the wire (compressed size when gzip). */
  readonly wireBytes: number;
  /** Decompressed body; kept only when the receiver decodes fully (empty in `count` mode). */
  readonly body: Uint8Array;
  /** Number of LogRecords in the request (0 when it could not be decoded). */
  readonly recordCount: number;
  /** Decoded records (`full` mode); empty in `count` mode. */
  readonly records: readonly DecodedLogRecord[];
  /** Why the body could not be decoded, or undefined. */
  readonly decodeError: string | undefined;
  /** `Date.now()` when the body had been read completely. */
  readonly receivedAt: number;
  /** The status answered (0 when the connection was reset or the receiver closed without answering). */
  status: number;
}

/** How the receiver answers one request; `undefined` from a plan means the default (200, empty success). */
export interface PlannedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Response body; default: an empty ExportLogsServiceResponse in the request's encoding for 2xx, else empty. */
  readonly body?: Uint8Array;
  /** Wait this long before answering (to exercise client timeouts). */
  readonly delayMs?: number;
  /** Reset the connection instead of answering (a network error for the client). */
  readonly destroy?: boolean;
}

/** Options of {@link startOtlpReceiver}. */
export interface OtlpReceiverOptions {
  /**
   * `full` (default): decode every request with the official proto definitions and keep bodies and records.
   * `count`: only count LogRecords with a small wire reader and keep no bodies (cheap, for benchmarks).
   */
  readonly decode?: 'full' | 'count';
  /** Port to listen on (default 0: an ephemeral port). */
  readonly port?: number;
  /**
   * `full` mode only. false: decode every request but keep neither bodies nor records in `requests` (so
   * `records()` stays empty); use {@link onAccepted} to look at them. For large runs. Default true.
   */
  readonly retain?: boolean;
  /** Called with the decoded records of every request answered with 2xx, as it is answered. */
  readonly onAccepted?: (records: readonly DecodedLogRecord[], request: ReceivedRequest) => void;
}

/** A running loopback receiver. */
export interface OtlpReceiver {
  /** Base URL, `http://127.0.0.1:<port>`; POST to `${url}/v1/logs`. */
  readonly url: string;
  /** Every request received, in arrival order (including rejected and undecodable ones). */
  readonly requests: ReceivedRequest[];
  /** Records of requests answered with 2xx, in arrival order (partial successes included in full). */
  records(): DecodedLogRecord[];
  /** Number of records in requests answered with 2xx (works in `count` mode too). */
  acceptedCount(): number;
  /**
   * Sets how requests are answered: `plan(n)` is called with the request's index in `requests` (0 for the first)
   * and returns the answer, or undefined for the default 200.
   */
  respondWith(plan: (n: number) => PlannedResponse | undefined): void;
  /** Holds every answer (requests are read and recorded, responses wait) until {@link resume}. */
  stall(): void;
  /** Answers the held requests (by the plan) and stops holding. */
  resume(): void;
  /** Number of requests read but not yet answered (held by a stall or a delay). */
  pending(): number;
  /** Resolves once `acceptedCount() >= count`; rejects after `timeoutMs` (default 30 s) saying how many arrived. */
  waitForRecords(count: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and drops open connections (held requests get no answer). */
  close(): Promise<void>;
}

const LOGS_REQUEST = 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest';
const LOGS_RESPONSE = 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse';

/**
 * Encodes an ExportLogsServiceResponse carrying a partial success (`rejectedLogRecords` records refused, with
 * `errorMessage`), as protobuf or OTLP/JSON, for use as a planned response body. Needs `loadOtlpProtos()` done
 * (a started receiver has done it).
 */
export function partialSuccessBody(
  rejectedLogRecords: number,
  errorMessage: string,
  format: 'proto' | 'json' = 'proto',
): Uint8Array {
  if (format === 'json') {
    return new TextEncoder().encode(
      JSON.stringify({ partialSuccess: { rejectedLogRecords: String(rejectedLogRecords), errorMessage } }),
    );
  }
  return encodeOtlpMessage(LOGS_RESPONSE, { partialSuccess: { rejectedLogRecords, errorMessage } });
}

// ---- decoding helpers -------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function base64ToBytes(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string' && value !== '') return BigInt(value);
  return 0n;
}

/** AnyValue (decoded object form) to plain JS. */
export function anyValueToJs(value: unknown): DecodedValue | undefined {
  if (!isObj(value)) return undefined;
  if ('stringValue' in value) return String(value.stringValue);
  if ('boolValue' in value) return Boolean(value.boolValue);
  if ('intValue' in value) return toBigInt(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return base64ToBytes(String(value.bytesValue));
  if ('arrayValue' in value) {
    const values = isObj(value.arrayValue) ? asArray(value.arrayValue.values) : [];
    return values.map((v) => anyValueToJs(v) ?? null);
  }
  if ('kvlistValue' in value) {
    const values = isObj(value.kvlistValue) ? asArray(value.kvlistValue.values) : [];
    return attributesToJs(values);
  }
  return null;
}

function attributesToJs(list: unknown): Record<string, DecodedValue> {
  const out: Record<string, DecodedValue> = {};
  for (const kv of asArray(list)) {
    if (!isObj(kv)) continue;
    out[String(kv.key)] = anyValueToJs(kv.value) ?? null;
  }
  return out;
}

function hexOf(base64: unknown): string {
  return typeof base64 === 'string' && base64 !== '' ? Buffer.from(base64, 'base64').toString('hex') : '';
}

/** Flattens a decoded ExportLogsServiceRequest (plain object with base64 bytes) into records. */
function flattenRequest(decoded: unknown, requestIndex: number): DecodedLogRecord[] {
  const out: DecodedLogRecord[] = [];
  if (!isObj(decoded)) return out;
  for (const rl of asArray(decoded.resourceLogs)) {
    if (!isObj(rl)) continue;
    const resource = attributesToJs(isObj(rl.resource) ? rl.resource.attributes : undefined);
    for (const sl of asArray(rl.scopeLogs)) {
      if (!isObj(sl)) continue;
      const scopeObj = isObj(sl.scope) ? sl.scope : {};
      const scope = {
        name: typeof scopeObj.name === 'string' ? scopeObj.name : '',
        version: typeof scopeObj.version === 'string' ? scopeObj.version : '',
      };
      for (const lr of asArray(sl.logRecords)) {
        if (!isObj(lr)) continue;
        out.push({
          timeUnixNano: toBigInt(lr.timeUnixNano),
          observedTimeUnixNano: toBigInt(lr.observedTimeUnixNano),
          severityNumber: typeof lr.severityNumber === 'number' ? lr.severityNumber : 0,
          severityText: typeof lr.severityText === 'string' ? lr.severityText : '',
          body: lr.body === undefined ? undefined : anyValueToJs(lr.body),
          eventName: typeof lr.eventName === 'string' ? lr.eventName : '',
          attributes: attributesToJs(lr.attributes),
          droppedAttributesCount:
            typeof lr.droppedAttributesCount === 'number' ? lr.droppedAttributesCount : 0,
          traceId: hexOf(lr.traceId),
          spanId: hexOf(lr.spanId),
          flags: typeof lr.flags === 'number' ? lr.flags : 0,
          resource,
          scope,
          request: requestIndex,
        });
      }
    }
  }
  return out;
}

/**
 * OTLP/JSON differs from the protobuf JSON mapping in two places: trace and span ids are hex (not base64), and
 * unknown fields must be ignored. Turn ids into base64 so one code path (protobufjs fromObject) handles both.
 */
function jsonIdsToBase64(value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) jsonIdsToBase64(v);
    return;
  }
  if (!isObj(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'traceId' || key === 'spanId') && typeof v === 'string') {
      value[key] = Buffer.from(v, 'hex').toString('base64');
    } else {
      jsonIdsToBase64(v);
    }
  }
}

async function decodeJsonRequest(text: string): Promise<unknown> {
  const parsed: unknown = JSON.parse(text);
  if (!isObj(parsed)) throw new Error('expected a JSON object (ExportLogsServiceRequest)');
  jsonIdsToBase64(parsed);
  const root = await loadOtlpProtos();
  const type = root.lookupType(LOGS_REQUEST);
  const message = type.fromObject(parsed);
  // Round-trip through the wire format so JSON and protobuf requests decode to exactly the same shape.
  return decodeExportLogsRequest(type.encode(message).finish());
}

// ---- a tiny wire reader for `count` mode ---------------------------------------------------------------------

function readVarint(buf: Uint8Array, pos: { p: number }): number {
  let result = 0;
  let shift = 1;
  for (;;) {
    const byte = buf[pos.p++];
    if (byte === undefined) throw new Error('truncated varint');
    result += (byte & 0x7f) * shift;
    if (byte < 0x80) return result;
    shift *= 128;
  }
}

/** Calls `onField(fieldNumber, start, end)` for each length-delimited field of the message in buf[start, end). */
function forEachLengthDelimited(
  buf: Uint8Array,
  start: number,
  end: number,
  onField: (field: number, start: number, end: number) => void,
): void {
  const pos = { p: start };
  while (pos.p < end) {
    const tag = readVarint(buf, pos);
    const wire = tag & 7;
    const field = tag >>> 3;
    if (wire === 0) readVarint(buf, pos);
    else if (wire === 1) pos.p += 8;
    else if (wire === 5) pos.p += 4;
    else if (wire === 2) {
      const len = readVarint(buf, pos);
      onField(field, pos.p, pos.p + len);
      pos.p += len;
    } else throw new Error(`unsupported wire type ${wire} at byte ${pos.p}`);
    if (pos.p > end) throw new Error('field runs past the end of its message');
  }
}

/** Counts LogRecords in an ExportLogsServiceRequest without decoding them (fields 1 → 2 → 2). */
export function countLogRecords(buf: Uint8Array): number {
  let count = 0;
  forEachLengthDelimited(buf, 0, buf.length, (f1, s1, e1) => {
    if (f1 !== 1) return; // resource_logs
    forEachLengthDelimited(buf, s1, e1, (f2, s2, e2) => {
      if (f2 !== 2) return; // scope_logs
      forEachLengthDelimited(buf, s2, e2, (f3) => {
        if (f3 === 2) count++; // log_records
      });
    });
  });
  return count;
}

/** Counts LogRecords in an OTLP/JSON request without building records (parses the JSON). */
function countJsonLogRecords(text: string): number {
  const parsed: unknown = JSON.parse(text);
  let count = 0;
  if (!isObj(parsed)) return 0;
  for (const rl of asArray(parsed.resourceLogs)) {
    if (!isObj(rl)) continue;
    for (const sl of asArray(rl.scopeLogs)) if (isObj(sl)) count += asArray(sl.logRecords).length;
  }
  return count;
}

// ---- the server ---------------------------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headerString(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Starts a loopback OTLP/HTTP logs receiver on 127.0.0.1 (ephemeral port). It accepts POST to any path ending in
 * `/v1/logs` (so `/otlp/v1/logs` works too) with `application/x-protobuf` or `application/json`, plain or
 * `Content-Encoding: gzip`; other paths get 404, other content types 415, undecodable bodies 400. Loads the
 * official proto definitions first (rejects when they cannot be loaded).
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const mode = options.decode ?? 'full';
  const retain = options.retain ?? true;
  await loadOtlpProtos();
  const requests: ReceivedRequest[] = [];
  let plan: (n: number) => PlannedResponse | undefined = () => undefined;
  let stalled = false;
  let accepted = 0;
  const held: (() => void)[] = [];
  let inFlight = 0;
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;

  function notify(): void {
    for (const w of [...waiters]) w();
  }

  function answer(
    res: ServerResponse,
    record: ReceivedRequest,
    decoded: readonly DecodedLogRecord[],
    response: PlannedResponse,
  ): void {
    const send = (): void => {
      inFlight--;
      if (res.destroyed) return;
      if (response.destroy === true) {
        record.status = 0;
        res.socket?.destroy();
        return;
      }
      const json = record.contentType.startsWith('application/json');
      let body = response.body;
      if (body === undefined && response.status >= 200 && response.status < 300) {
        body = json ? new TextEncoder().encode('{}') : new Uint8Array(0);
      }
      const headers: Record<string, string> = {
        'content-type': json ? 'application/json' : 'application/x-protobuf',
        ...response.headers,
      };
      record.status = response.status;
      if (response.status >= 200 && response.status < 300) {
        accepted += record.recordCount;
        options.onAccepted?.(decoded, record);
        notify();
      }
      res.writeHead(response.status, headers);
      res.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    };
    const delayed = (): void => {
      if (response.delayMs !== undefined && response.delayMs > 0) setTimeout(send, response.delayMs);
      else send();
    };
    inFlight++;
    if (stalled) held.push(delayed);
    else delayed();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const wire = await readBody(req);
    const receivedAt = Date.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = headerString(v);
    const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const contentEncoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
    let body: Uint8Array = new Uint8Array(0);
    let decoded: unknown;
    let records: DecodedLogRecord[] = [];
    let recordCount = 0;
    let decodeError: string | undefined;
    let refusal: PlannedResponse | undefined;
    if (req.method !== 'POST') refusal = { status: 405 };
    else if (!path.endsWith('/v1/logs')) refusal = { status: 404 };
    else if (contentType !== 'application/x-protobuf' && contentType !== 'application/json') {
      refusal = { status: 415 };
      decodeError = `unsupported content type '${contentType}'`;
    } else if (contentEncoding !== '' && contentEncoding !== 'gzip' && contentEncoding !== 'identity') {
      refusal = { status: 415 };
      decodeError = `unsupported content encoding '${contentEncoding}'`;
    } else {
      try {
        const plain = contentEncoding === 'gzip' ? new Uint8Array(gunzipSync(wire)) : new Uint8Array(wire);
        if (mode === 'count') {
          recordCount =
            contentType === 'application/json'
              ? countJsonLogRecords(new TextDecoder().decode(plain))
              : countLogRecords(plain);
        } else {
          body = plain;
          decoded =
            contentType === 'application/json'
              ? await decodeJsonRequest(new TextDecoder().decode(plain))
              : decodeExportLogsRequest(plain);
        }
      } catch (error) {
        decodeError = error instanceof Error ? error.message : String(error);
        refusal = { status: 400 };
      }
    }
    // Taken after the last await: concurrent requests decoding JSON would otherwise share an index.
    const index = requests.length;
    if (decoded !== undefined) {
      records = flattenRequest(decoded, index);
      recordCount = records.length;
    }
    const record: ReceivedRequest = {
      index,
      method: req.method ?? '',
      path,
      headers,
      contentType,
      contentEncoding,
      wireBytes: wire.length,
      body: retain ? body : new Uint8Array(0),
      recordCount,
      records: retain ? records : [],
      decodeError,
      receivedAt,
      status: 0,
    };
    requests.push(record);
    notify();
    answer(res, record, records, refusal ?? plan(index) ?? { status: 200 });
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : String(error));
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    records() {
      const out: DecodedLogRecord[] = [];
      for (const r of requests) if (r.status >= 200 && r.status < 300) out.push(...r.records);
      return out;
    },
    acceptedCount() {
      return accepted;
    },
    respondWith(next) {
      plan = next;
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const release of held.splice(0)) release();
    },
    pending() {
      return inFlight;
    },
    waitForRecords(count, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (accepted < count) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `waitForRecords: expected at least ${count} accepted records within ${timeoutMs} ms, got ${accepted} ` +
                `in ${requests.length} requests`,
            ),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      held.length = 0;
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
