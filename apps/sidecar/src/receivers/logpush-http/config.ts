// Configuration of the `logpush_http` receiver: defaults, and validation (with the path of every problem)
// through the pipeline's ConfigReader.
import { ConfigReader } from '@logpush-otel/pipeline';
import type { ValidationResult } from '@logpush-otel/pipeline';
import { getDataset } from '@logpush-otel/schema';
import { parseListenAddress } from '../../config/load.ts';

/** TLS served by the receiver itself; the files are re-read when they change. */
export interface LogpushHttpTlsConfig {
  readonly cert_file: string;
  readonly key_file: string;
  /** How often the files are checked for changes (ms). */
  readonly reload_interval: number;
}

/** The validated configuration (durations in milliseconds, sizes in bytes). */
export interface LogpushHttpReceiverConfig {
  /** `host:port` to listen on. */
  endpoint: string;
  /** `secret` (default): requests must carry `secret_header` equal to `secret`; `none`: no check. */
  auth: 'secret' | 'none';
  secret: string;
  secret_header: string;
  /** Dataset id (or alias) for every request, or `auto` to detect it; a request path `/<dataset>` wins. */
  dataset: string;
  tls: LogpushHttpTlsConfig | undefined;
  /** `spool`: 2xx once the body is on disk; `export`: 2xx once the exporters acknowledged the records. */
  ack: 'spool' | 'export';
  /** Where accepted bodies wait to be read (set from `storage.directory` by the sidecar when empty). */
  spool_dir: string;
  /** Where the spool reader keeps its checkpoints ('' = `<spool_dir>/.logpush-otel/checkpoints`). */
  checkpoint_dir: string;
  /** Bytes of bodies in the spool above which new requests are refused with 429. */
  max_spool_bytes: number;
  /** Free bytes on the spool's file system below which new requests are refused with 503. */
  min_free_disk_bytes: number;
  max_body_bytes: number;
  max_decompressed_bytes: number;
  /** Decompressed bytes per compressed byte a body may reach (checked past the first MiB). */
  max_decompression_ratio: number;
  max_line_bytes: number;
  max_concurrent_requests: number;
  /** Time allowed to receive a request's headers. */
  header_timeout: number;
  /** Time allowed to receive a whole request body. */
  body_timeout: number;
  /** An idle keep-alive connection is closed after this long. */
  idle_timeout: number;
  /** The `Retry-After` sent with 429 and 503 (ms, rounded up to seconds). */
  retry_after: number;
  /** `ack: export`: the longest a request waits for the exporters before it is answered 503. */
  export_timeout: number;
  /** Spool reader: records per batch, batches in flight, how often the spool is looked at. */
  batch_size: number;
  max_in_flight_batches: number;
  poll_interval: number;
}

/** The defaults used for every key the user leaves out. */
export function defaultLogpushHttpConfig(): LogpushHttpReceiverConfig {
  return {
    endpoint: '0.0.0.0:4380',
    auth: 'secret',
    secret: '',
    secret_header: 'X-CF-Secret',
    dataset: 'auto',
    tls: undefined,
    ack: 'spool',
    spool_dir: '',
    checkpoint_dir: '',
    max_spool_bytes: 1024 ** 3,
    min_free_disk_bytes: 256 * 1024 ** 2,
    max_body_bytes: 100_000_000,
    max_decompressed_bytes: 512 * 1024 ** 2,
    max_decompression_ratio: 200,
    max_line_bytes: 1024 ** 2,
    max_concurrent_requests: 16,
    header_timeout: 10_000,
    body_timeout: 60_000,
    idle_timeout: 5_000,
    retry_after: 5_000,
    export_timeout: 25_000,
    batch_size: 1000,
    max_in_flight_batches: 4,
    poll_interval: 250,
  };
}

/** Validates a receiver config; `path` prefixes every issue. */
export function validateLogpushHttpConfig(
  input: unknown,
  path: string,
): ValidationResult<LogpushHttpReceiverConfig> {
  const d = defaultLogpushHttpConfig();
  const r = new ConfigReader(input, path);
  const ms = { milliseconds: true };
  const c: LogpushHttpReceiverConfig = {
    endpoint: r.string('endpoint', d.endpoint, { nonEmpty: true }).trim(),
    auth: r.oneOf('auth', ['secret', 'none'] as const, d.auth),
    secret: r.string('secret', d.secret),
    secret_header: r.string('secret_header', d.secret_header, { nonEmpty: true }).trim(),
    dataset: r.string('dataset', d.dataset, { nonEmpty: true }).trim(),
    tls: undefined,
    ack: r.oneOf('ack', ['spool', 'export'] as const, d.ack),
    spool_dir: r.string('spool_dir', d.spool_dir),
    checkpoint_dir: r.string('checkpoint_dir', d.checkpoint_dir),
    max_spool_bytes: r.byteSize('max_spool_bytes', d.max_spool_bytes, { min: 1024 ** 2 }),
    min_free_disk_bytes: r.byteSize('min_free_disk_bytes', d.min_free_disk_bytes),
    max_body_bytes: r.byteSize('max_body_bytes', d.max_body_bytes, { min: 1024 }),
    max_decompressed_bytes: r.byteSize('max_decompressed_bytes', d.max_decompressed_bytes, { min: 1024 }),
    max_decompression_ratio: r.number('max_decompression_ratio', d.max_decompression_ratio, { min: 2 }),
    max_line_bytes: r.byteSize('max_line_bytes', d.max_line_bytes, { min: 64 }),
    max_concurrent_requests: r.number('max_concurrent_requests', d.max_concurrent_requests, {
      min: 1,
      integer: true,
    }),
    header_timeout: r.duration('header_timeout', d.header_timeout, { ...ms, minMs: 100 }),
    body_timeout: r.duration('body_timeout', d.body_timeout, { ...ms, minMs: 100 }),
    idle_timeout: r.duration('idle_timeout', d.idle_timeout, { ...ms, minMs: 100 }),
    retry_after: r.duration('retry_after', d.retry_after, { ...ms, minMs: 1000 }),
    export_timeout: r.duration('export_timeout', d.export_timeout, { ...ms, minMs: 100 }),
    batch_size: r.number('batch_size', d.batch_size, { min: 1, integer: true }),
    max_in_flight_batches: r.number('max_in_flight_batches', d.max_in_flight_batches, {
      min: 1,
      integer: true,
    }),
    poll_interval: r.duration('poll_interval', d.poll_interval, { ...ms, minMs: 10 }),
  };
  if (r.has('tls')) {
    const t = r.section('tls');
    const cert = t.string('cert_file', '', { nonEmpty: true });
    const key = t.string('key_file', '', { nonEmpty: true });
    if (!t.has('cert_file')) t.issue('cert_file', 'expected the path of a PEM certificate (chain)');
    if (!t.has('key_file')) t.issue('key_file', 'expected the path of the PEM private key');
    const reload = t.duration('reload_interval', 30_000, { ...ms, minMs: 100 });
    c.tls = { cert_file: cert, key_file: key, reload_interval: reload };
  } else r.raw('tls');

  if (parseListenAddress(c.endpoint) === undefined)
    r.issue('endpoint', `expected host:port such as 0.0.0.0:4380, got '${c.endpoint}'`);
  if (c.auth === 'secret' && c.secret === '')
    r.issue(
      'secret',
      'expected a secret (for example ${env:LOGPUSH_SECRET}), or auth: none to accept anyone',
    );
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(c.secret_header))
    r.issue('secret_header', `expected an HTTP header name, got '${c.secret_header}'`);
  if (c.dataset !== 'auto' && getDataset(c.dataset) === undefined)
    r.issue('dataset', `expected 'auto' or a Logpush dataset id such as http_requests, got '${c.dataset}'`);
  if (c.ack === 'spool' && c.spool_dir.trim() === '')
    r.issue('spool_dir', 'expected a directory (the sidecar sets <storage.directory>/spool/<id> by default)');
  if (c.max_decompressed_bytes < c.max_line_bytes)
    r.issue('max_decompressed_bytes', 'expected at least max_line_bytes');
  return r.finish(c);
}
