// One OTLP/HTTP request at a time, over node:http(s) with a keep-alive agent. It classifies the answer: 2xx
// success; 408, 429, 5xx and network errors retryable (with the server's Retry-After); 400 and 422 refusals
// caused by the records (permanent); 413 too large (the caller splits the request); every other status means the
// exporter itself is misconfigured (a wrong or expired key: 401, 403, 407; a wrong path: 404, 405, 415; a
// redirect), which no record caused and retrying with the same data may fix once the configuration is. It hands
// back the status, headers and body so the exporter can read partial successes and write precise dead-letter
// reasons. Retrying is the caller's job.
import { request as httpRequest } from 'node:http';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { redactUrl } from '../../config/redact.ts';
import { createAgent } from './transport.ts';
import type { TlsRequestOptions } from './transport.ts';

const gzipAsync = promisify(gzip);

/** Statuses the OTLP specification says to retry. Every other 5xx (and 408) is retried too: no record caused it. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Statuses that blame the records of the request (they go to the dead-letter store). */
export const DATA_STATUSES: ReadonlySet<number> = new Set([400, 422]);

/** How a non-2xx status is handled. */
export function classifyStatus(status: number): 'retryable' | 'permanent' | 'too_large' | 'misconfigured' {
  if (RETRYABLE_STATUSES.has(status) || status === 408 || (status >= 500 && status < 600)) return 'retryable';
  if (DATA_STATUSES.has(status)) return 'permanent';
  if (status === 413) return 'too_large';
  return 'misconfigured';
}

/** Largest response body read (the rest is discarded). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** How one request ended. */
export type SendOutcome =
  | {
      readonly kind: 'success';
      readonly status: number;
      readonly contentType: string;
      readonly body: Uint8Array;
    }
  | {
      readonly kind: 'retryable';
      /** 0 for network errors and timeouts. */
      readonly status: number;
      readonly reason: string;
      /** What the server's Retry-After asked for, milliseconds; undefined when absent or unparseable. */
      readonly retryAfterMs: number | undefined;
    }
  /** 400 or 422: the backend refused these records. */
  | { readonly kind: 'permanent'; readonly status: number; readonly reason: string }
  /** 413: the request was too large (split it; a lone record is refused for good). */
  | { readonly kind: 'too_large'; readonly status: number; readonly reason: string }
  | {
      /** The exporter is misconfigured (401, 403, 407, 404...): keep the records, retry until it is fixed. */
      readonly kind: 'misconfigured';
      readonly status: number;
      readonly reason: string;
    };

/** Options of {@link HttpSender}. */
export interface HttpSenderOptions {
  readonly url: URL;
  readonly contentType: 'application/x-protobuf' | 'application/json';
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  readonly compressionLevel: number;
  readonly timeoutMs: number;
  /** Sockets kept per host (the exporter's concurrency). */
  readonly maxSockets: number;
  readonly userAgent: string;
  /** TLS options of every https request (see loadTls). */
  readonly tls?: TlsRequestOptions;
  /** Forwarding proxy URL ('' or absent: direct). */
  readonly proxy?: string;
}

/** TLS failures that only the configuration can fix (an untrusted or mismatched certificate, a refused client). */
function tlsFault(error: NodeJS.ErrnoException): string | undefined {
  const code = error.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return 'the server certificate does not name this host: fix the endpoint or set tls.server_name_override';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code) && !code.startsWith('ERR_SSL'))
    return 'the server certificate is not trusted: set tls.ca_file to the CA that signed it';
  if (/^ERR_SSL_.*ALERT/.test(code) || /alert/i.test(error.message))
    return 'the server refused the TLS handshake: check tls.cert_file / tls.key_file (client certificate) and tls.min_version';
  return undefined;
}

/**
 * Parses a Retry-After header: delay-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`).
 * Returns milliseconds from `now` (0 for a date in the past), or undefined when absent or invalid.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The `message` of a google.rpc.Status (field 2), which OTLP servers send with protobuf error responses. */
function statusMessage(body: Uint8Array): string | undefined {
  let p = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      const byte = body[p++];
      if (byte === undefined) throw new RangeError('truncated');
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
  };
  try {
    while (p < body.length) {
      const tag = varint();
      const wire = tag & 7;
      if (wire === 0) varint();
      else if (wire === 1) p += 8;
      else if (wire === 5) p += 4;
      else if (wire === 2) {
        const len = varint();
        if (tag >>> 3 === 2)
          return new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(p, p + len));
        p += len;
      } else return undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** A short, printable description of an error response body. */
export function describeResponseBody(body: Uint8Array, contentType: string): string {
  if (body.length === 0) return '';
  let text: string;
  if (contentType.includes('protobuf')) text = statusMessage(body) ?? `(${body.length} bytes of protobuf)`;
  else text = new TextDecoder().decode(body.subarray(0, 2000));
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function headerValue(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Sends request bodies to one OTLP/HTTP logs URL. Create once per exporter; {@link close} frees the sockets. */
export class HttpSender {
  readonly url: URL;
  readonly #options: HttpSenderOptions;
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;

  constructor(options: HttpSenderOptions) {
    this.url = options.url;
    this.#options = options;
    const https = options.url.protocol === 'https:';
    this.#agent = createAgent(options.url, options.proxy ?? '', options.maxSockets);
    this.#request = https ? httpsRequest : httpRequest;
  }

  /** Names (never values) of the headers every request carries, for messages. */
  get headerNames(): string[] {
    const names = new Set(Object.keys(this.#options.headers).map((n) => n.toLowerCase()));
    for (const n of ['content-type', 'user-agent']) names.add(n);
    if (this.#options.compression === 'gzip') names.add('content-encoding');
    return [...names].sort();
  }

  /** Bytes a body takes on the wire (compressed when gzip is on). */
  async prepare(body: Uint8Array): Promise<Uint8Array> {
    if (this.#options.compression !== 'gzip') return body;
    return new Uint8Array(await gzipAsync(body, { level: this.#options.compressionLevel }));
  }

  /**
   * POSTs a prepared body (see {@link prepare}) and resolves with how it ended; never rejects. `signal` aborts
   * the request (the outcome is then retryable with reason `aborted`).
   */
  send(wire: Uint8Array, signal?: AbortSignal): Promise<SendOutcome> {
    const o = this.#options;
    const headers: Record<string, string> = {
      ...o.headers,
      'content-type': o.contentType,
      'content-length': String(wire.byteLength),
      'user-agent': o.userAgent,
    };
    if (o.compression === 'gzip') headers['content-encoding'] = 'gzip';
    if (signal?.aborted === true) {
      return Promise.resolve({ kind: 'retryable', status: 0, reason: 'aborted', retryAfterMs: undefined });
    }
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: SendOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const tls = this.url.protocol === 'https:' ? (o.tls ?? {}) : {};
      const req = this.#request(this.url, { method: 'POST', headers, agent: this.#agent, ...tls }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        res.on('error', (error) => {
          finish({
            kind: 'retryable',
            status: 0,
            reason: `reading the response failed: ${error.message}`,
            retryAfterMs: undefined,
          });
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const contentType = headerValue(res, 'content-type') ?? '';
          const body = new Uint8Array(Buffer.concat(chunks));
          if (status >= 200 && status < 300) {
            finish({ kind: 'success', status, contentType, body });
            return;
          }
          const detail = describeResponseBody(body, contentType);
          const reason = `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} from ${redactUrl(this.url)}${detail === '' ? '' : `: ${detail}`}`;
          const kind = classifyStatus(status);
          if (kind === 'retryable') {
            finish({
              kind: 'retryable',
              status,
              reason,
              retryAfterMs: parseRetryAfter(headerValue(res, 'retry-after')),
            });
          } else if (kind === 'permanent') finish({ kind, status, reason });
          else if (kind === 'too_large') finish({ kind, status, reason });
          else finish({ kind, status, reason });
        });
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      const onAbort = (): void => {
        req.destroy(new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code === undefined ? '' : ` (${error.code})`;
        const fault = tlsFault(error);
        if (fault !== undefined) {
          finish({
            kind: 'misconfigured',
            status: 0,
            reason: `TLS with ${redactUrl(this.url)} failed: ${error.message}${code}; ${fault}`,
          });
          return;
        }
        finish({
          kind: 'retryable',
          status: 0,
          reason: `request to ${redactUrl(this.url)} failed: ${error.message}${code}`,
          retryAfterMs: undefined,
        });
      });
      req.end(Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength));
    });
  }

  /** Closes idle sockets and stops keeping new ones. */
  close(): void {
    this.#agent.destroy();
  }
}
