// Configuration of the `logpush_file` receiver: defaults, and validation with the path of every problem.
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigReader, describeValue, orEnv } from '@logpush-otel/pipeline';
import type { ValidationResult } from '@logpush-otel/pipeline';
import { parseWorkersSetting } from '../../workers/count.ts';
import type { WorkersSetting } from '../../workers/count.ts';
import { DEFAULT_WORKER_HEAP_MB } from '../../workers/pool.ts';

/** The smallest worker_heap_limit other than 0. */
const MIN_WORKER_HEAP = 32 * 1024 * 1024;

/** The validated configuration of a `logpush_file` receiver (durations in milliseconds, sizes in bytes). */
export interface LogpushFileReceiverConfig {
  /** Root directory to watch (required). Relative paths resolve against the working directory. */
  directory: string;
  /** Globs, relative to `directory`, of files to read. */
  include: string[];
  /** Globs, relative to `directory`, of files never to read (wins over `include`). */
  exclude: string[];
  /** Dataset id or alias for every file, or `auto` to detect it per file from the first record. */
  dataset: string;
  format: 'auto' | 'ndjson' | 'csv' | 'json-array';
  /** CSV column names when the files have no header line (the job's `field_names`). */
  field_names: string[];
  /** Where to start in files found by the first scan that have no checkpoint. Later files start at 0. */
  start_at: 'beginning' | 'end';
  poll_interval: number;
  /** Use file-system notifications besides polling, to pick up new files sooner. */
  watch: boolean;
  /** Files read at the same time. */
  max_open_files: number;
  /** Bytes at the start of a file hashed into its identity. */
  fingerprint_size: number;
  delete_after_read: boolean;
  /** Directory to move fully acknowledged files to ('' = leave them). Relative to `directory` if relative. */
  move_after_read: string;
  /** An incomplete gzip stream that does not grow for this long goes to the dead-letter store. */
  incomplete_gzip_timeout: number;
  /** A plain file whose last line has no terminator and does not grow for this long has it read anyway. */
  incomplete_line_timeout: number;
  max_line_bytes: number;
  /** Records per `consume` call. */
  batch_size: number;
  /** Batches being filled or handed on and not yet acknowledged, at most (reading pauses when reached). */
  max_in_flight_batches: number;
  /** Where checkpoints are saved ('' = `<directory>/.logpush-otel/checkpoints`). */
  checkpoint_dir: string;
  /** First wait before re-reading after a rejected batch; doubles up to `retry_max_interval`. */
  retry_initial_interval: number;
  retry_max_interval: number;
  /** Checkpoints of files not seen for this long are dropped. */
  forget_after: number;
  /** Add `log.file.name` / `log.file.path` to each entry's attributes. */
  include_file_name: boolean;
  include_file_path: boolean;
  /**
   * Worker threads reading, mapping and encoding files (`auto`: one per available core; 1: the main thread).
   * Used when the receiver's one pipeline is `cloudflare` then `otlp` exporters; otherwise it reads on the main
   * thread.
   */
  workers: WorkersSetting;
  /** Encoded request bytes handed on and not yet acknowledged, at most (worker reading pauses when reached). */
  max_in_flight_bytes: number;
  /** Old-generation heap limit of each worker thread (0: V8's default, no limit of its own). */
  worker_heap_limit: number;
}

/** The defaults used for every key the user leaves out. */
export function defaultLogpushFileConfig(): LogpushFileReceiverConfig {
  return {
    directory: '',
    include: [
      '**/*.log.gz',
      '**/*.log',
      '**/*.ndjson',
      '**/*.ndjson.gz',
      '**/*.json',
      '**/*.json.gz',
      '**/*.csv',
      '**/*.csv.gz',
    ],
    exclude: [],
    dataset: 'auto',
    format: 'auto',
    field_names: [],
    start_at: 'beginning',
    poll_interval: 1000,
    watch: true,
    max_open_files: 4,
    fingerprint_size: 1024,
    delete_after_read: false,
    move_after_read: '',
    incomplete_gzip_timeout: 300_000,
    incomplete_line_timeout: 30_000,
    max_line_bytes: 1_048_576,
    batch_size: 1000,
    max_in_flight_batches: 4,
    checkpoint_dir: '',
    retry_initial_interval: 1000,
    retry_max_interval: 30_000,
    forget_after: 86_400_000,
    include_file_name: true,
    include_file_path: false,
    workers: 'auto',
    max_in_flight_bytes: 64 * 1024 * 1024,
    worker_heap_limit: DEFAULT_WORKER_HEAP_MB * 1024 * 1024,
  };
}

const FORMATS = ['auto', 'ndjson', 'csv', 'json-array'] as const;

/** Validates the user's `logpush_file` section (keys left out take their defaults); `path` prefixes every issue. */
export function validateLogpushFileConfig(
  input: unknown,
  path: string,
): ValidationResult<LogpushFileReceiverConfig> {
  const d = defaultLogpushFileConfig();
  const r = new ConfigReader(input, path);
  const config: LogpushFileReceiverConfig = {
    directory: r.string('directory', d.directory, { nonEmpty: true }),
    include: r.stringList('include', d.include, { minItems: 1, nonEmptyItems: true }),
    exclude: r.stringList('exclude', d.exclude, { nonEmptyItems: true }),
    dataset: r.string('dataset', d.dataset, { nonEmpty: true }),
    format: r.oneOf('format', FORMATS, d.format),
    field_names: r.stringList('field_names', d.field_names, { nonEmptyItems: true }),
    start_at: r.oneOf('start_at', ['beginning', 'end'] as const, d.start_at),
    poll_interval: r.duration('poll_interval', d.poll_interval, { minMs: 10 }),
    watch: r.boolean('watch', d.watch),
    max_open_files: r.number('max_open_files', d.max_open_files, { integer: true, min: 1 }),
    fingerprint_size: r.byteSize('fingerprint_size', d.fingerprint_size, { min: 16 }),
    delete_after_read: r.boolean('delete_after_read', d.delete_after_read),
    move_after_read: r.string('move_after_read', d.move_after_read),
    incomplete_gzip_timeout: r.duration('incomplete_gzip_timeout', d.incomplete_gzip_timeout),
    incomplete_line_timeout: r.duration('incomplete_line_timeout', d.incomplete_line_timeout),
    max_line_bytes: r.byteSize('max_line_bytes', d.max_line_bytes, { min: 64 }),
    batch_size: r.number('batch_size', d.batch_size, { integer: true, min: 1 }),
    max_in_flight_batches: r.number('max_in_flight_batches', d.max_in_flight_batches, {
      integer: true,
      min: 1,
    }),
    checkpoint_dir: r.string('checkpoint_dir', d.checkpoint_dir),
    retry_initial_interval: r.duration('retry_initial_interval', d.retry_initial_interval, { minMs: 1 }),
    retry_max_interval: r.duration('retry_max_interval', d.retry_max_interval, { minMs: 1 }),
    forget_after: r.duration('forget_after', d.forget_after),
    include_file_name: r.boolean('include_file_name', d.include_file_name),
    include_file_path: r.boolean('include_file_path', d.include_file_path),
    workers: readWorkers(r, d.workers),
    max_in_flight_bytes: r.byteSize('max_in_flight_bytes', d.max_in_flight_bytes, { min: 1024 }),
    worker_heap_limit: r.byteSize('worker_heap_limit', d.worker_heap_limit, { min: 0 }),
  };
  if (!r.has('directory') && !r.issues.some((i) => i.path === r.at('directory')))
    r.issue('directory', 'expected the directory to read Logpush files from, got nothing');
  if (config.worker_heap_limit > 0 && config.worker_heap_limit < MIN_WORKER_HEAP)
    r.issue(
      'worker_heap_limit',
      `expected 0 (no limit) or at least 32MiB (a worker needs that much to load), got ${config.worker_heap_limit} bytes`,
    );
  if (config.delete_after_read && config.move_after_read !== '')
    r.issue('move_after_read', 'expected either delete_after_read or move_after_read, not both');
  if (config.retry_max_interval < config.retry_initial_interval)
    r.issue(
      'retry_max_interval',
      `expected at least retry_initial_interval (${config.retry_initial_interval}ms), got ${config.retry_max_interval}ms`,
    );
  if (config.field_names.length > 0 && config.format !== 'csv' && config.format !== 'auto')
    r.issue(
      'field_names',
      `expected no field_names (they apply to CSV only), got some with format ${config.format}`,
    );
  return r.finish(config);
}

/** `workers`: `auto` or a positive integer (also as a string, which `${env:...}` produces). */
function readWorkers(r: ConfigReader, fallback: WorkersSetting): WorkersSetting {
  const v = r.raw('workers');
  r.declare('workers', {
    ...orEnv({
      anyOf: [
        { const: 'auto' },
        { type: 'integer', minimum: 1 },
        { type: 'string', pattern: '^[1-9][0-9]*$' },
      ],
    }),
    default: fallback,
  });
  if (v === undefined || v === null) return fallback;
  const workers = parseWorkersSetting(v);
  if (workers === undefined)
    r.issue('workers', `expected auto or a positive integer, got ${describeValue(v)}`);
  return workers ?? fallback;
}

/** The absolute directories the receiver uses, derived from the config. */
export interface ResolvedPaths {
  readonly directory: string;
  readonly checkpointDir: string;
  readonly moveDir: string | undefined;
}

/** Resolves `directory`, `checkpoint_dir` and `move_after_read` to absolute paths. */
export function resolvePaths(config: LogpushFileReceiverConfig): ResolvedPaths {
  const directory = resolve(config.directory);
  const checkpointDir =
    config.checkpoint_dir === ''
      ? join(directory, '.logpush-otel', 'checkpoints')
      : resolve(config.checkpoint_dir);
  const moveDir =
    config.move_after_read === ''
      ? undefined
      : isAbsolute(config.move_after_read)
        ? config.move_after_read
        : join(directory, config.move_after_read);
  return { directory, checkpointDir, moveDir };
}

/** `child` relative to `parent` when it lies inside it, else undefined. */
export function insideOf(parent: string, child: string): string | undefined {
  const rel = relative(parent, child);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel;
}
