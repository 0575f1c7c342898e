import type { AnyValue, Attributes, LogpushRecord } from './values.ts';

/** Where a record came from: enough to find it again, name it in an error, and replay it. */
export interface SourcePosition {
  /** File path, `stdin`, or the receiver's name for pushed data. */
  readonly source: string;
  /** 1-based line (record) number within the decompressed stream. */
  readonly line: number;
  /** Byte offset of the start of the line within the decompressed stream. */
  readonly offset: number;
}

/**
 * The OpenTelemetry log data model for one record, as the mapping produces it and exporters encode it.
 * Times are bigint unix nanoseconds: never a JS number (it cannot hold 1.7e18 exactly).
 */
export interface LogRecordData {
  /** Event time; undefined when the record has none (OTLP then carries 0 and backends use the observed time). */
  timeUnixNano: bigint | undefined;
  observedTimeUnixNano: bigint;
  /** 1..24 per the OTel log data model; 0 = unspecified. */
  severityNumber: number;
  /** Only the bare range names: TRACE, DEBUG, INFO, WARN, ERROR, FATAL; '' when unspecified. */
  severityText: string;
  body: AnyValue;
  /** e.g. `cloudflare.http_request`. '' when none. */
  eventName: string;
  attributes: Attributes;
  /** Attributes the mapping dropped (budget, size limits). */
  droppedAttributesCount: number;
}

/** The low-cardinality resource a record belongs to; records with equal `key` share one ResourceLogs. */
export interface ResourceData {
  /** Stable identity of the attribute set, used to group records without comparing attributes. */
  readonly key: string;
  readonly attributes: Attributes;
}

/**
 * One record moving through a pipeline. Receivers create entries (parsed: `dataset`, `record`, `timeUnixNano`),
 * processors may change `record` and add `attributes`, the mapping sets `log` and `resource`, exporters encode.
 */
export interface LogEntry {
  /** Logpush dataset id (`http_requests`, `firewall_events@account`...), or `unknown`. */
  dataset: string;
  record: LogpushRecord;
  /** Event time in unix nanoseconds, exact; undefined when the record carries none. */
  timeUnixNano: bigint | undefined;
  /** When the sidecar read the record, unix nanoseconds. */
  observedUnixNano: bigint;
  /** The original line as read (without its line terminator), for `body: original` and dead letters. */
  raw: string;
  /**
   * The line as read, kept aside when a processor rewrote `raw` (the privacy processor with `dead_letter: raw`)
   * so that a dead letter of this entry can still hold it for an exact replay. See {@link deadLetterRaw}.
   */
  originalRaw?: string;
  position: SourcePosition;
  /**
   * Attributes added by processors before mapping (enrichment: `geo.*`, `user_agent.*`...). The mapping copies
   * them into the LogRecord as they are.
   */
  attributes: Attributes;
  /** Set by the mapping (the `cloudflare` processor). */
  log?: LogRecordData;
  resource?: ResourceData;
}

/** What flows between components: a batch of entries, handed on as a unit. */
export interface LogBatch {
  readonly entries: LogEntry[];
}

/** What a dead letter of `entry` holds as its line: the line kept aside for exact replay, else `raw`. */
export function deadLetterRaw(entry: LogEntry): string {
  return entry.originalRaw ?? entry.raw;
}

/**
 * An entry after the mapping: `log` and `resource` are set. The service places the mapping processor before
 * anything that needs LogRecords and refuses a raw-record processor after it, so every exporter receives these.
 */
export interface MappedEntry extends LogEntry {
  log: LogRecordData;
  resource: ResourceData;
}

/** A batch of mapped entries: what the mapping hands on, and what exporters consume. */
export interface MappedBatch extends LogBatch {
  readonly entries: MappedEntry[];
}
