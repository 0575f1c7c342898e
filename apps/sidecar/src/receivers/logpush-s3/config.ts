// Configuration of the `logpush_s3` receiver: defaults, and validation (with the path of every problem) through
// the pipeline's ConfigReader.
import { ConfigReader } from '@logpush-otel/pipeline';
import type { ValidationResult } from '@logpush-otel/pipeline';
import { backoffDelay } from '../../backoff.ts';

/** What happens to an object once every record of it is acknowledged. */
export type AfterAck = 'keep' | 'delete' | 'tag';

/** The validated configuration of a `logpush_s3` receiver (durations in milliseconds, sizes in bytes). */
export interface LogpushS3ReceiverConfig {
  bucket: string;
  /** Key prefix of the Logpush job ('' = the whole bucket). */
  prefix: string;
  /** S3-compatible endpoint URL ('' = AWS S3 of `region`). */
  endpoint: string;
  /** Region to sign for ('' = the SDK's chain, e.g. AWS_REGION; `auto` for R2). */
  region: string;
  force_path_style: boolean;
  /** Dataset id or alias for every object, or `auto` to detect it per object from the first record. */
  dataset: string;
  format: 'auto' | 'ndjson' | 'csv' | 'json-array';
  /** CSV column names when the objects have no header line (the job's `field_names`). */
  field_names: string[];
  poll_interval: number;
  /** Keys sorting before this are ignored. Relative to `prefix` unless it already starts with it. */
  start_after: string;
  after_ack: AfterAck;
  shard: { index: number; count: number };
  /** Static credentials ('' = the SDK's default chain: environment, shared files, web identity, metadata). */
  access_key_id: string;
  secret_access_key: string;
  session_token: string;
  /** Objects read at the same time. */
  max_objects_in_flight: number;
  /** Records per `consume` call. */
  batch_size: number;
  /** Batches handed on and not yet acknowledged, at most, over all objects (reading pauses when reached). */
  max_in_flight_batches: number;
  max_line_bytes: number;
  /** Where checkpoints are saved (the loader fills in `storage.checkpoint_dir`). */
  checkpoint_dir: string;
  /**
   * Objects modified within this much of now are listed again on every poll even once read, so an object that
   * arrives late with a key sorting before ones already read is still found.
   */
  relist_window: number;
  /** Timeout of one request to the store (a stalled body read counts as a timeout too). */
  request_timeout: number;
  retry_initial_interval: number;
  retry_max_interval: number;
  include_object_key: boolean;
}

/** The defaults used for every key the user leaves out. */
export function defaultLogpushS3Config(): LogpushS3ReceiverConfig {
  return {
    bucket: '',
    prefix: '',
    endpoint: '',
    region: '',
    force_path_style: false,
    dataset: 'auto',
    format: 'auto',
    field_names: [],
    poll_interval: 30_000,
    start_after: '',
    after_ack: 'keep',
    shard: { index: 0, count: 1 },
    access_key_id: '',
    secret_access_key: '',
    session_token: '',
    max_objects_in_flight: 4,
    batch_size: 1000,
    max_in_flight_batches: 8,
    max_line_bytes: 1_048_576,
    checkpoint_dir: '',
    relist_window: 900_000,
    request_timeout: 60_000,
    retry_initial_interval: 1000,
    retry_max_interval: 60_000,
    include_object_key: true,
  };
}

const FORMATS = ['auto', 'ndjson', 'csv', 'json-array'] as const;
const AFTER_ACK = ['keep', 'delete', 'tag'] as const;

/** Validates a receiver config (the user's keys merged over the defaults); `path` prefixes every issue. */
export function validateLogpushS3Config(
  input: unknown,
  path: string,
): ValidationResult<LogpushS3ReceiverConfig> {
  const d = defaultLogpushS3Config();
  const r = new ConfigReader(input, path);
  const ms = { milliseconds: true } as const;
  const config: LogpushS3ReceiverConfig = {
    bucket: r.string('bucket', '', { nonEmpty: true }),
    prefix: r.string('prefix', d.prefix),
    endpoint: r.raw('endpoint') === '' ? '' : r.url('endpoint', d.endpoint),
    region: r.string('region', d.region),
    force_path_style: r.boolean('force_path_style', d.force_path_style),
    dataset: r.string('dataset', d.dataset, { nonEmpty: true }),
    format: r.oneOf('format', FORMATS, d.format),
    field_names: r.stringList('field_names', d.field_names),
    poll_interval: r.duration('poll_interval', d.poll_interval, { ...ms, minMs: 10 }),
    start_after: r.string('start_after', d.start_after),
    after_ack: r.oneOf('after_ack', AFTER_ACK, d.after_ack),
    shard: { ...d.shard },
    access_key_id: r.string('access_key_id', d.access_key_id),
    secret_access_key: r.string('secret_access_key', d.secret_access_key),
    session_token: r.string('session_token', d.session_token),
    max_objects_in_flight: r.number('max_objects_in_flight', d.max_objects_in_flight, {
      integer: true,
      min: 1,
      max: 64,
    }),
    batch_size: r.number('batch_size', d.batch_size, { integer: true, min: 1 }),
    max_in_flight_batches: r.number('max_in_flight_batches', d.max_in_flight_batches, {
      integer: true,
      min: 1,
    }),
    max_line_bytes: r.byteSize('max_line_bytes', d.max_line_bytes, { min: 64 }),
    checkpoint_dir: r.string('checkpoint_dir', d.checkpoint_dir),
    relist_window: r.duration('relist_window', d.relist_window, ms),
    request_timeout: r.duration('request_timeout', d.request_timeout, { ...ms, minMs: 100 }),
    retry_initial_interval: r.duration('retry_initial_interval', d.retry_initial_interval, {
      ...ms,
      minMs: 1,
    }),
    retry_max_interval: r.duration('retry_max_interval', d.retry_max_interval, { ...ms, minMs: 1 }),
    include_object_key: r.boolean('include_object_key', d.include_object_key),
  };
  const shard = r.section('shard');
  config.shard.count = shard.number('count', 1, { integer: true, min: 1 });
  config.shard.index = shard.number('index', 0, { integer: true, min: 0 });
  if (config.shard.index >= config.shard.count) {
    shard.issue('index', `expected an index below count (${config.shard.count}), got ${config.shard.index}`);
  }
  if (config.retry_max_interval < config.retry_initial_interval) {
    r.issue('retry_max_interval', 'expected at least retry_initial_interval');
  }
  if ((config.access_key_id === '') !== (config.secret_access_key === '')) {
    r.issue(
      config.access_key_id === '' ? 'access_key_id' : 'secret_access_key',
      'expected access_key_id and secret_access_key together (or neither, for the default credential chain)',
    );
  }
  if (config.field_names.length > 0 && config.format !== 'csv' && config.format !== 'auto') {
    r.issue('field_names', `field_names applies to CSV only; format is '${config.format}'`);
  }
  return r.finish(config);
}

/** The key to list after: `start_after` joined to the prefix (unless it already starts with it). */
export function startAfterKey(config: LogpushS3ReceiverConfig): string {
  if (config.start_after === '') return '';
  return config.start_after.startsWith(config.prefix)
    ? config.start_after
    : config.prefix + config.start_after;
}

/** The wait before attempt `failures + 1`: doubling from `retry_initial_interval` up to the max, ±20 % jitter. */
export function backoff(config: LogpushS3ReceiverConfig, failures: number): number {
  const policy = {
    initial: config.retry_initial_interval,
    max: config.retry_max_interval,
    multiplier: 2,
    randomization: 0.2,
  };
  return Math.round(backoffDelay(policy, failures));
}
