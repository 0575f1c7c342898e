// Configuration of the `otlp` exporter, shaped like the OpenTelemetry Collector's otlphttp exporter.
import { ConfigReader } from '@logpush-otel/pipeline';
import type { ValidationResult } from '@logpush-otel/pipeline';
import { defaultTlsConfig } from './transport.ts';
import type { TlsConfig } from './transport.ts';

/** Retry policy for retryable failures (network errors, timeouts, 429, 502, 503, 504). */
export interface RetryConfig {
  /** false: a retryable failure rejects the batch at once (the source re-reads it later). */
  readonly enabled: boolean;
  /** First backoff, milliseconds. */
  readonly initial_interval: number;
  /** Largest backoff between attempts, milliseconds (a server's Retry-After may ask for longer). */
  readonly max_interval: number;
  /** Give up (reject the batch) once this much time has passed since the first attempt; 0 = never give up. */
  readonly max_elapsed_time: number;
  /** Each backoff is the previous one times this. */
  readonly multiplier: number;
  /** Jitter: the backoff is drawn uniformly from interval × [1 - f, 1 + f]. */
  readonly randomization_factor: number;
  /**
   * Largest backoff, milliseconds, while the backend refuses the exporter for a configuration reason (401, 403,
   * 407, 404...). Such requests are retried forever (their records are kept), whatever `enabled` and
   * `max_elapsed_time` say: a configuration fault pauses delivery, it never discards data.
   */
  readonly misconfigured_max_interval: number;
}

/** The `otlp` exporter's resolved configuration (durations in milliseconds, sizes in bytes). */
export interface OtlpExporterConfig {
  /**
   * Base URL of the OTLP/HTTP receiver (as `OTEL_EXPORTER_OTLP_ENDPOINT`): `/v1/logs` is appended to its path,
   * e.g. `http://localhost:4318` → `http://localhost:4318/v1/logs`, Loki's `http://loki:3100/otlp` →
   * `http://loki:3100/otlp/v1/logs`.
   */
  readonly endpoint: string;
  /** Full logs URL used as is (as `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`); wins over `endpoint` when set. */
  readonly logs_endpoint: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly compression: 'gzip' | 'none';
  /** gzip level 1 (fastest) to 9 (smallest). */
  readonly compression_level: number;
  /** Extra request headers (`dd-api-key`, `X-Scope-OrgID`, `Authorization`...). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Names of headers that must be present with a non-empty value (e.g. an API key from `${env:...}`): a missing
   * or empty one is a configuration error. `dd-api-key` is always required for a Datadog endpoint.
   */
  readonly required_headers: readonly string[];
  /** Per-request timeout, milliseconds (a timed-out request is retried). */
  readonly timeout: number;
  /** Maximum number of requests in flight at once. */
  readonly concurrency: number;
  /** Largest encoded (uncompressed) request body; bigger batches are split. A single record is sent alone. */
  readonly max_request_size: number;
  readonly retry_on_failure: RetryConfig;
  /** TLS of https endpoints: custom CA, client certificate (mTLS), verification, SNI, minimum version. */
  readonly tls: TlsConfig;
  /**
   * Forwarding proxy (`http://proxy:3128`, credentials allowed in the URL); '' = direct. Filled from HTTPS_PROXY /
   * HTTP_PROXY (by the endpoint's scheme) unless NO_PROXY lists the endpoint's host.
   */
  readonly proxy_url: string;
}

/** Defaults, in the resolved form. */
export function defaultOtlpExporterConfig(): OtlpExporterConfig {
  return {
    endpoint: '',
    logs_endpoint: '',
    protocol: 'http/protobuf',
    compression: 'gzip',
    compression_level: 1,
    headers: {},
    required_headers: [],
    timeout: 10_000,
    concurrency: 4,
    max_request_size: 4 * 1024 * 1024,
    retry_on_failure: {
      enabled: true,
      initial_interval: 1_000,
      max_interval: 30_000,
      max_elapsed_time: 300_000,
      multiplier: 1.5,
      randomization_factor: 0.5,
      misconfigured_max_interval: 300_000,
    },
    tls: defaultTlsConfig(),
    proxy_url: '',
  };
}

/**
 * The URL requests go to: `logs_endpoint` as is when set, else `endpoint` with `v1/logs` appended to its path
 * (the OTLP exporter rule for `OTEL_EXPORTER_OTLP_ENDPOINT`). Throws when neither is a valid http(s) URL.
 */
export function resolveLogsUrl(config: Pick<OtlpExporterConfig, 'endpoint' | 'logs_endpoint'>): URL {
  if (config.logs_endpoint !== '') return new URL(config.logs_endpoint);
  const base = new URL(config.endpoint);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/v1/logs`;
  return base;
}

function checkUrl(r: ConfigReader, key: 'endpoint' | 'logs_endpoint' | 'proxy_url', value: string): void {
  if (value === '') return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    r.issue(key, `expected an http(s) URL such as http://localhost:4318, got ${JSON.stringify(value)}`);
  }
}

/** Whether `url` is one of Datadog's intake hosts (they refuse requests without a `dd-api-key` header). */
export function isDatadogEndpoint(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return /(^|\.)(datadoghq\.com|datadoghq\.eu|ddog-gov\.com)$/.test(host);
}

/** Reports required headers (and Datadog's API key) that are missing or empty, by name only. */
function checkRequiredHeaders(
  r: ConfigReader,
  headers: Readonly<Record<string, string>>,
  required: readonly string[],
  endpoint: string,
): void {
  const byName = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const names = new Set(required.map((n) => n.toLowerCase()));
  const datadog = isDatadogEndpoint(endpoint);
  if (datadog) names.add('dd-api-key');
  for (const name of names) {
    const value = byName.get(name);
    if (value !== undefined && value !== '') continue;
    const why =
      datadog && name === 'dd-api-key'
        ? 'Datadog refuses requests without an API key'
        : 'it is listed in required_headers';
    r.issue(
      'headers',
      `expected a non-empty ${name} header (${why}), got ${value === undefined ? 'no such header' : 'an empty value (is its ${env:...} variable set?)'}`,
    );
  }
}

/** Validates the user's config (merged over the defaults) at `path`; every problem is reported with its path. */
export function validateOtlpExporterConfig(
  config: unknown,
  path: string,
): ValidationResult<OtlpExporterConfig> {
  const d = defaultOtlpExporterConfig();
  const r = new ConfigReader(config, path);
  const endpoint = r.string('endpoint', d.endpoint).trim();
  const logsEndpoint = r.string('logs_endpoint', d.logs_endpoint).trim();
  checkUrl(r, 'endpoint', endpoint);
  if (/\/v1\/logs\/*$/.test(endpoint)) {
    r.issue(
      'endpoint',
      `expected a base URL (/v1/logs is appended, so this would post to ${endpoint.replace(/\/+$/, '')}/v1/logs); ` +
        `put a full logs URL in logs_endpoint instead, got ${JSON.stringify(endpoint)}`,
    );
  }
  checkUrl(r, 'logs_endpoint', logsEndpoint);
  if (endpoint === '' && logsEndpoint === '') {
    r.issue(
      'endpoint',
      'expected the OTLP/HTTP base URL (e.g. http://localhost:4318, or set OTEL_EXPORTER_OTLP_ENDPOINT), got nothing',
    );
  }
  const rr = r.section('retry_on_failure');
  const retry: RetryConfig = {
    enabled: rr.boolean('enabled', d.retry_on_failure.enabled),
    initial_interval: rr.duration('initial_interval', d.retry_on_failure.initial_interval, {
      minMs: 1,
    }),
    max_interval: rr.duration('max_interval', d.retry_on_failure.max_interval, {
      minMs: 1,
    }),
    max_elapsed_time: rr.duration('max_elapsed_time', d.retry_on_failure.max_elapsed_time),
    multiplier: rr.number('multiplier', d.retry_on_failure.multiplier, { min: 1 }),
    randomization_factor: rr.number('randomization_factor', d.retry_on_failure.randomization_factor, {
      min: 0,
      max: 1,
    }),
    misconfigured_max_interval: rr.duration(
      'misconfigured_max_interval',
      d.retry_on_failure.misconfigured_max_interval,
      { minMs: 1, milliseconds: true },
    ),
  };
  if (retry.max_interval < retry.initial_interval) {
    rr.issue(
      'max_interval',
      `expected at least initial_interval (${retry.initial_interval}ms), got ${retry.max_interval}ms`,
    );
  }
  const tr = r.section('tls');
  const tls: TlsConfig = {
    ca_file: tr.string('ca_file', d.tls.ca_file),
    cert_file: tr.string('cert_file', d.tls.cert_file),
    key_file: tr.string('key_file', d.tls.key_file),
    insecure_skip_verify: tr.boolean('insecure_skip_verify', d.tls.insecure_skip_verify),
    insecure: tr.boolean('insecure', d.tls.insecure),
    server_name_override: tr.string('server_name_override', d.tls.server_name_override),
    min_version: tr.oneOf('min_version', ['1.0', '1.1', '1.2', '1.3'] as const, d.tls.min_version),
  };
  if ((tls.cert_file === '') !== (tls.key_file === '')) {
    tr.issue(
      tls.cert_file === '' ? 'cert_file' : 'key_file',
      'expected cert_file and key_file together (a client certificate needs its key)',
    );
  }
  const target = logsEndpoint !== '' ? logsEndpoint : endpoint;
  if (tls.insecure && target.startsWith('https:')) {
    tr.issue(
      'insecure',
      `insecure: true asks for no transport security, but the endpoint is ${target}: use an http:// endpoint, or insecure_skip_verify to keep TLS without checking the certificate`,
    );
  }
  const proxyUrl = r.string('proxy_url', d.proxy_url).trim();
  checkUrl(r, 'proxy_url', proxyUrl);
  const headers = r.stringMap('headers', d.headers);
  const requiredHeaders = r.stringList('required_headers', d.required_headers);
  checkRequiredHeaders(r, headers, requiredHeaders, logsEndpoint !== '' ? logsEndpoint : endpoint);
  const resolved: OtlpExporterConfig = {
    endpoint,
    logs_endpoint: logsEndpoint,
    protocol: r.oneOf('protocol', ['http/protobuf', 'http/json'] as const, d.protocol),
    compression: r.oneOf('compression', ['gzip', 'none'] as const, d.compression),
    compression_level: r.number('compression_level', d.compression_level, { min: 1, max: 9, integer: true }),
    headers,
    required_headers: requiredHeaders,
    timeout: r.duration('timeout', d.timeout, { minMs: 1 }),
    concurrency: r.number('concurrency', d.concurrency, { min: 1, max: 256, integer: true }),
    max_request_size: r.byteSize('max_request_size', d.max_request_size, { min: 1024 }),
    retry_on_failure: retry,
    tls,
    proxy_url: proxyUrl,
  };
  return r.finish(resolved);
}
