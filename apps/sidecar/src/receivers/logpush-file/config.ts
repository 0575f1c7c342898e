// Configuration of the `logpush_file` receiver: defaults, and validation with the path of every problem.
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { ConfigIssue, ValidationResult } from '@logpush-otel/pipeline';
import { parseWorkersSetting } from '../../workers/count.ts';
import type { WorkersSetting } from '../../workers/count.ts';

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
  };
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration: a number of milliseconds, or a string like `500ms`, `2s`, `5m`, `1h`. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION.exec(value.trim());
  if (m === null) return undefined;
  return Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
}

const SIZE = /^(\d+)\s*(b|kib|mib|gib|kb|mb|gb)?$/i;
const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
};

/** Parses a byte size: a number, or a string like `1024`, `64KiB`, `1MiB`. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = SIZE.exec(value.trim());
  if (m === null) return undefined;
  return Number(m[1]) * (UNIT_BYTES[(m[2] ?? 'b').toLowerCase()] ?? 1);
}

const KEYS = new Set(Object.keys(defaultLogpushFileConfig()));
const FORMATS = ['auto', 'ndjson', 'csv', 'json-array'] as const;

/** Validates a receiver config (already merged over the defaults); `path` prefixes every issue. */
export function validateLogpushFileConfig(
  input: unknown,
  path: string,
): ValidationResult<LogpushFileReceiverConfig> {
  const issues: ConfigIssue[] = [];
  const at = (key: string): string => (path === '' ? key : `${path}.${key}`);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ path, message: 'expected a mapping of receiver settings' }] };
  }
  const raw = { ...defaultLogpushFileConfig(), ...(input as Record<string, unknown>) } as Record<
    string,
    unknown
  >;
  for (const key of Object.keys(raw)) {
    if (!KEYS.has(key))
      issues.push({ path: at(key), message: `unknown setting; expected one of ${[...KEYS].join(', ')}` });
  }
  const config = defaultLogpushFileConfig();

  const str = (key: keyof LogpushFileReceiverConfig, allowEmpty: boolean): string => {
    const v = raw[key];
    if (typeof v !== 'string' || (!allowEmpty && v.trim() === '')) {
      issues.push({
        path: at(key),
        message: `expected ${allowEmpty ? 'a string' : 'a non-empty string'}, got ${show(v)}`,
      });
      return '';
    }
    return v;
  };
  const strings = (key: keyof LogpushFileReceiverConfig, nonEmpty: boolean): string[] => {
    const v = raw[key];
    if (
      !Array.isArray(v) ||
      !v.every((s) => typeof s === 'string' && s !== '') ||
      (nonEmpty && v.length === 0)
    ) {
      issues.push({
        path: at(key),
        message: `expected a${nonEmpty ? ' non-empty' : ''} list of non-empty strings, got ${show(v)}`,
      });
      return [];
    }
    return v as string[];
  };
  const bool = (key: keyof LogpushFileReceiverConfig): boolean => {
    const v = raw[key];
    if (typeof v !== 'boolean') {
      issues.push({ path: at(key), message: `expected true or false, got ${show(v)}` });
      return false;
    }
    return v;
  };
  const duration = (key: keyof LogpushFileReceiverConfig, min: number): number => {
    const v = parseDuration(raw[key]);
    if (v === undefined || v < min) {
      issues.push({
        path: at(key),
        message: `expected a duration of at least ${min} ms (milliseconds, or a string like '500ms', '2s', '5m'), got ${show(raw[key])}`,
      });
      return min;
    }
    return v;
  };
  const count = (key: keyof LogpushFileReceiverConfig, min: number, size: boolean): number => {
    const v = size ? parseSize(raw[key]) : typeof raw[key] === 'number' ? raw[key] : undefined;
    if (v === undefined || !Number.isInteger(v) || v < min) {
      issues.push({
        path: at(key),
        message: `expected an integer of at least ${min}${size ? " (bytes, or a string like '64KiB', '1MiB')" : ''}, got ${show(raw[key])}`,
      });
      return min;
    }
    return v;
  };

  config.directory = str('directory', false);
  config.include = strings('include', true);
  config.exclude = strings('exclude', false);
  config.dataset = str('dataset', false);
  const format = raw['format'];
  if (typeof format === 'string' && (FORMATS as readonly string[]).includes(format)) {
    config.format = format as LogpushFileReceiverConfig['format'];
  } else
    issues.push({
      path: at('format'),
      message: `expected one of ${FORMATS.join(', ')}, got ${show(format)}`,
    });
  config.field_names = strings('field_names', false);
  const startAt = raw['start_at'];
  if (startAt === 'beginning' || startAt === 'end') config.start_at = startAt;
  else issues.push({ path: at('start_at'), message: `expected 'beginning' or 'end', got ${show(startAt)}` });
  config.poll_interval = duration('poll_interval', 10);
  config.watch = bool('watch');
  config.max_open_files = count('max_open_files', 1, false);
  config.fingerprint_size = count('fingerprint_size', 16, true);
  config.delete_after_read = bool('delete_after_read');
  config.move_after_read = str('move_after_read', true);
  config.incomplete_gzip_timeout = duration('incomplete_gzip_timeout', 0);
  config.incomplete_line_timeout = duration('incomplete_line_timeout', 0);
  config.max_line_bytes = count('max_line_bytes', 64, true);
  config.batch_size = count('batch_size', 1, false);
  config.max_in_flight_batches = count('max_in_flight_batches', 1, false);
  config.checkpoint_dir = str('checkpoint_dir', true);
  config.retry_initial_interval = duration('retry_initial_interval', 1);
  config.retry_max_interval = duration('retry_max_interval', 1);
  config.forget_after = duration('forget_after', 0);
  config.include_file_name = bool('include_file_name');
  config.include_file_path = bool('include_file_path');
  const workers = parseWorkersSetting(raw['workers']);
  if (workers === undefined) {
    issues.push({
      path: at('workers'),
      message: `expected auto or a positive integer, got ${show(raw['workers'])}`,
    });
  } else config.workers = workers;
  config.max_in_flight_bytes = count('max_in_flight_bytes', 1024, true);

  if (config.delete_after_read && config.move_after_read !== '') {
    issues.push({
      path: at('move_after_read'),
      message: 'expected either delete_after_read or move_after_read, not both',
    });
  }
  if (config.retry_max_interval < config.retry_initial_interval) {
    issues.push({ path: at('retry_max_interval'), message: 'expected at least retry_initial_interval' });
  }
  if (config.field_names.length > 0 && config.format !== 'csv' && config.format !== 'auto') {
    issues.push({
      path: at('field_names'),
      message: `field_names applies to CSV only; format is '${config.format}'`,
    });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config };
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

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
