// Interop with the OpenTelemetry JS Logs API (`@opentelemetry/api` 1.10 `logs`, the API that
// `@opentelemetry/sdk-logs` 3.x implements): the same mapping as the sidecar, emitted through an application's own
// LoggerProvider.
import { logs } from '@opentelemetry/api';
import type { HrTime, LogRecord, Logger } from '@opentelemetry/api';
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, Attributes, LogEntry, LogpushRecord, ResourceData } from '@logpush-otel/pipeline';
import { getDataset, toUnixNano } from '@logpush-otel/schema';
import type { TimeUnit } from '@logpush-otel/schema';
import { createMapper } from './mapper.ts';
import type { MappingOptions } from './options.ts';
import { defaultScope } from './scope.ts';

const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * Unix nanoseconds as the API's `HrTime` `[seconds, nanoseconds]`, computed on the bigint (no floating-point step,
 * so no rounding): `1700000000123456789n` → `[1700000000, 123456789]`. The nanoseconds part is always in
 * `[0, 1e9)` (times before 1970 get a negative seconds part). Throws RangeError when the seconds do not fit a
 * safe integer.
 */
export function toHrTime(unixNano: bigint): HrTime {
  let seconds = unixNano / NANOS_PER_SECOND;
  let nanos = unixNano % NANOS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  if (seconds > BigInt(Number.MAX_SAFE_INTEGER) || seconds < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`toHrTime: ${unixNano} ns is out of range`);
  }
  return [Number(seconds), Number(nanos)];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * A mapped value in the form the SDK's OTLP serializer understands. The SDK knows only JS numbers: a `bigint`
 * becomes a number when it is a safe integer and its decimal text otherwise (the serializer would turn a bigint
 * into an empty value); a {@link Double} becomes its number (so an integral double is sent as an OTLP int, which
 * the SDK cannot avoid); arrays and maps are converted item by item.
 */
export function toOtelAnyValue(value: AnyValue): unknown {
  switch (typeof value) {
    case 'bigint':
      return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
    case 'object': {
      if (value === null || value instanceof Uint8Array) return value;
      if (value instanceof Double) return value.value;
      if (Array.isArray(value)) return value.map(toOtelAnyValue);
      return toOtelAttributes(value);
    }
    default:
      return value;
  }
}

/** Attributes converted value by value with {@link toOtelAnyValue}, in the same key order. */
export function toOtelAttributes(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = toOtelAnyValue(value);
  }
  return out;
}

/**
 * The `LogRecord` that `logger.emit()` takes, from an entry mapped by {@link createMapper} (`entry.log` set):
 * the same attributes, body, severity number and text, event name, and the exact event and observed times as
 * `HrTime`. An entry without an event time gets no `timestamp` (the SDK then stamps the emit time, where the
 * sidecar sends 0). The entry's resource is not part of a LogRecord: it belongs to the LoggerProvider (see
 * `entry.resource.attributes` and the package README). Throws TypeError when the entry was not mapped.
 */
export function toOtelLogRecord(entry: LogEntry): LogRecord {
  const log = entry.log;
  if (log === undefined) {
    throw new TypeError(
      `toOtelLogRecord: entry ${entry.position.source}:${entry.position.line} has no log; map it with createMapper first`,
    );
  }
  const record: LogRecord = {
    observedTimestamp: toHrTime(log.observedTimeUnixNano),
    severityNumber: log.severityNumber,
    body: toOtelAnyValue(log.body),
    attributes: toOtelAttributes(log.attributes),
  };
  if (log.timeUnixNano !== undefined) record.timestamp = toHrTime(log.timeUnixNano);
  if (log.severityText !== '') record.severityText = log.severityText;
  if (log.eventName !== '') record.eventName = log.eventName;
  return record;
}

const TIME_UNITS: ReadonlySet<string> = new Set(['nanoseconds', 'microseconds', 'milliseconds', 'seconds']);

/** The event time of a record from its dataset's time field (undefined when absent or unreadable). */
function recordTime(dataset: string, record: LogpushRecord): bigint | undefined {
  const schema = getDataset(dataset);
  if (schema === undefined) return undefined;
  const value = record[schema.timestampField];
  if (value === undefined || value === null || value === '') return undefined;
  const unit = schema.fieldsByName.get(schema.timestampField)?.unit;
  try {
    return toUnixNano(value, unit !== undefined && TIME_UNITS.has(unit) ? (unit as TimeUnit) : undefined);
  } catch {
    return undefined;
  }
}

/** Optional per-record inputs of the function made by {@link createOtelLogRecordMapper}. */
export interface OtelRecordInit {
  /**
   * Event time in unix nanoseconds (`timeUnixNano` of a parser result); default: read from the dataset's time
   * field (`EdgeStartTimestamp`, `Datetime`...), as the parser does.
   */
  timeUnixNano?: bigint | undefined;
  /** Observed time in unix nanoseconds; default: now (millisecond precision). */
  observedUnixNano?: bigint;
  /** The original line, for `body: 'original'` and `recordUid`. */
  raw?: string;
  /** Processor attributes copied into the record as they are (as `entry.attributes`). */
  attributes?: Attributes;
}

/** What the function made by {@link createOtelLogRecordMapper} returns. */
export interface OtelMappedRecord {
  /** Pass to `logger.emit()`. */
  readonly logRecord: LogRecord;
  /** The resource the sidecar would send the record under (`service.name`, `cloudflare.dataset`, zone...). */
  readonly resource: ResourceData;
}

/**
 * A function from a raw Logpush record (as parsed by `@logpush-otel/parser`) and its dataset id to the
 * `LogRecord` for `logger.emit()` and the resource the mapping puts it under. Same options as
 * {@link createMapper} (throws TypeError for invalid ones); the mapping itself never throws for odd values.
 */
export function createOtelLogRecordMapper(
  options: MappingOptions = {},
): (record: LogpushRecord, dataset: string, init?: OtelRecordInit) => OtelMappedRecord {
  const map = createMapper(options);
  let line = 0;
  return (record, dataset, init = {}) => {
    const entry: LogEntry = {
      dataset,
      record,
      timeUnixNano: init.timeUnixNano ?? recordTime(dataset, record),
      observedUnixNano: init.observedUnixNano ?? BigInt(Date.now()) * 1_000_000n,
      raw: init.raw ?? '',
      position: { source: 'otel-sdk', line: ++line, offset: 0 },
      attributes: init.attributes ?? {},
    };
    map(entry);
    const resource = entry.resource;
    if (resource === undefined) throw new TypeError('createOtelLogRecordMapper: the mapping set no resource');
    return { logRecord: toOtelLogRecord(entry), resource };
  };
}

/**
 * A Logger from the globally registered LoggerProvider (`logs.setGlobalLoggerProvider`), named like the records'
 * instrumentation scope on the sidecar path (`@logpush-otel/otlp` and this package's version).
 */
export function getLogpushLogger(): Logger {
  return logs.getLogger(defaultScope.name, defaultScope.version);
}

/** Options of {@link emitLogRecords}. */
export interface EmitOptions {
  /**
   * What to flush: the SDK's `LoggerProvider` (or a LogRecordProcessor). Its `forceFlush()` resolves once the
   * queued records were exported.
   */
  readonly flusher: { forceFlush(): Promise<void> };
  /**
   * Records emitted between two flushes (default 1024). Keep it at or below the BatchLogRecordProcessor's
   * `maxQueueSize` (default 2048): the processor drops records, silently, when its queue is full.
   */
  readonly flushEvery?: number;
  /** Flush once more after the last record (default true), so that everything is exported on return. */
  readonly flushAtEnd?: boolean;
}

/**
 * Emits every record of `records` through `logger`, awaiting `flusher.forceFlush()` after every `flushEvery`
 * records (and at the end): the producer waits for the exporter, so a bounded SDK queue never overflows.
 * Returns how many records were emitted. Rejects with the first error of the iterable or of a flush (records
 * emitted before it are not retracted).
 */
export async function emitLogRecords(
  logger: Logger,
  records: Iterable<LogRecord> | AsyncIterable<LogRecord>,
  options: EmitOptions,
): Promise<number> {
  const every = options.flushEvery ?? 1024;
  if (!Number.isInteger(every) || every < 1) {
    throw new RangeError(`emitLogRecords: flushEvery must be a positive integer; got ${String(every)}`);
  }
  let emitted = 0;
  let sinceFlush = 0;
  // Awaits only at a flush: a synchronous iterable is emitted without a microtask per record.
  const emitOne = (record: LogRecord): Promise<void> | undefined => {
    logger.emit(record);
    emitted++;
    if (++sinceFlush < every) return undefined;
    sinceFlush = 0;
    return options.flusher.forceFlush();
  };
  if (Symbol.asyncIterator in records) {
    for await (const record of records) await emitOne(record);
  } else {
    for (const record of records) {
      const flushed = emitOne(record);
      if (flushed !== undefined) await flushed;
    }
  }
  if (options.flushAtEnd !== false && sinceFlush > 0) await options.flusher.forceFlush();
  return emitted;
}
