// The Worker's settings, read from its bindings (vars and secrets) on every request and checked.
import { createMapper } from '@logpush-otel/otlp';
import type { MappingOptions } from '@logpush-otel/otlp';

/** An R2 bucket binding, as far as the Worker uses it (dead letters). */
export interface DeadLetterBucket {
  put(key: string, value: string, options?: { httpMetadata?: { contentType?: string } }): Promise<unknown>;
}

/** The Worker's bindings (wrangler.jsonc `vars`, `wrangler secret put`, an optional R2 bucket). */
export interface Env {
  /** Secret: the value Logpush sends in the `X-CF-Secret` header (`header_X-CF-Secret=...` on the job URL). */
  LOGPUSH_SECRET?: string;
  /** OTLP/HTTP endpoint: a base URL (`/v1/logs` is appended) or the full logs URL ending in `/v1/logs`. */
  OTLP_ENDPOINT?: string;
  /** Secret: extra request headers, `name=value` pairs separated by commas (OTEL_EXPORTER_OTLP_HEADERS format). */
  OTLP_HEADERS?: string;
  /** Resource `service.name` (default `cloudflare`). */
  SERVICE_NAME?: string;
  /** Mapping profile: `default`, `loki`, `datadog`, `datadog-raw`. */
  MAPPING_PROFILE?: string;
  /** LogRecord body: `summary` (default), `original`, `map`. */
  BODY?: string;
  /** `true`: add the deterministic `log.record.uid` (lets a backend drop records Logpush delivered twice). */
  RECORD_UID?: string;
  /** Most LogRecords per OTLP request (default 2000). */
  MAX_RECORDS_PER_REQUEST?: string;
  /** Most Logpush bytes (uncompressed lines) per OTLP request (default 2 MiB). */
  MAX_BYTES_PER_REQUEST?: string;
  /** Seconds before an OTLP request is abandoned (default 30). */
  OTLP_TIMEOUT_SECONDS?: string;
  /** Optional R2 bucket for the lines that could not be read. */
  DEAD_LETTERS?: DeadLetterBucket;
}

/** Checked settings. */
export interface Settings {
  readonly secret: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly mapping: MappingOptions;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** A setting is missing or invalid: the Worker answers 503 (Logpush keeps the batch and retries). */
export class ConfigurationError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigurationError(`${name} must be a positive integer; got ${value}`);
  return n;
}

/** `a=1,b=x%20y` → `{ a: '1', b: 'x y' }` (names and values trimmed, values percent-decoded). */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : '';
    if (name === '') throw new ConfigurationError(`OTLP_HEADERS: expected name=value, got "${part.trim()}"`);
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      throw new ConfigurationError(`OTLP_HEADERS: the value of ${name} is not valid percent-encoding`);
    }
    out[name] = value;
  }
  return out;
}

/** The logs URL for `OTLP_ENDPOINT`: a full `.../v1/logs` URL as is, otherwise with `/v1/logs` appended. */
export function logsUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigurationError(`OTLP_ENDPOINT is not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`OTLP_ENDPOINT must be http(s); got ${url.protocol}`);
  }
  if (!url.pathname.endsWith('/v1/logs')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/logs`;
  return url.toString();
}

/** Reads and checks the settings; throws {@link ConfigurationError} naming the faulty one. */
export function readSettings(env: Env): Settings {
  if (env.LOGPUSH_SECRET === undefined || env.LOGPUSH_SECRET === '') {
    throw new ConfigurationError('LOGPUSH_SECRET is not set (wrangler secret put LOGPUSH_SECRET)');
  }
  if (env.OTLP_ENDPOINT === undefined || env.OTLP_ENDPOINT === '') {
    throw new ConfigurationError('OTLP_ENDPOINT is not set');
  }
  const mapping: MappingOptions = {};
  if (env.SERVICE_NAME !== undefined && env.SERVICE_NAME !== '') mapping.serviceName = env.SERVICE_NAME;
  if (env.MAPPING_PROFILE !== undefined && env.MAPPING_PROFILE !== '') {
    mapping.profile = env.MAPPING_PROFILE as NonNullable<MappingOptions['profile']>;
  }
  if (env.BODY !== undefined && env.BODY !== '')
    mapping.body = env.BODY as NonNullable<MappingOptions['body']>;
  if (env.RECORD_UID === 'true') mapping.recordUid = true;
  try {
    createMapper(mapping);
  } catch (error) {
    throw new ConfigurationError(error instanceof Error ? error.message : String(error));
  }
  return {
    secret: env.LOGPUSH_SECRET,
    url: logsUrl(env.OTLP_ENDPOINT),
    headers: parseHeaders(env.OTLP_HEADERS),
    mapping,
    maxRecords: positiveInt('MAX_RECORDS_PER_REQUEST', env.MAX_RECORDS_PER_REQUEST, 2000),
    maxBytes: positiveInt('MAX_BYTES_PER_REQUEST', env.MAX_BYTES_PER_REQUEST, 2 * 1024 * 1024),
    timeoutMs: positiveInt('OTLP_TIMEOUT_SECONDS', env.OTLP_TIMEOUT_SECONDS, 30) * 1000,
  };
}
