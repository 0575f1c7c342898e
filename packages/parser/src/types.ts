/**
 * A parsed value: integers beyond 2^53 are bigint, everything else is what JSON gives. Structurally identical to
 * `JsonValue` of @logpush-otel/pipeline (kept here so the parser has no runtime dependency on the pipeline).
 */
export type JsonValue =
  string | number | bigint | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One Logpush record: Cloudflare field name to value (same shape as `LogpushRecord` of @logpush-otel/pipeline). */
export type LogpushRecord = Record<string, JsonValue>;

/** The input formats the parser reads. `auto` sniffs the first non-blank byte: `{` NDJSON, `[` JSON array, else CSV. */
export type ParseFormat = 'auto' | 'ndjson' | 'csv' | 'json-array';

/** Options shared by {@link parseLine}, {@link parseStream} and {@link parseBatches}. */
export interface ParseOptions {
  /** Name used in errors: a file path, `stdin`... Default `<input>`. */
  source?: string;
  /** Dataset id or alias (`http_requests`, `Cloudflare.HttpRequest`), `unknown`, or `auto` (default): detect from the first record's keys. */
  dataset?: string;
  /**
   * With `dataset: auto`: the dataset to assume until a record says otherwise (e.g. the one a previous read of the
   * same file detected, when reading resumes past its first record).
   */
  datasetHint?: string;
  /** Input format; default `auto`. */
  format?: ParseFormat;
  /** CSV column names when the CSV has no header line (the Logpush job's `field_names`). */
  fieldNames?: readonly string[];
  /** CSV whose first non-blank line is a header; default true when `fieldNames` is absent. */
  csvHeader?: boolean;
  /** Longest accepted line in bytes, without its terminator; default 1 MiB (1_048_576). */
  maxLineBytes?: number;
  /**
   * Decompressed byte offset and line count already consumed (from a previous summary's `consumedOffset` and
   * `consumedLines`). Bytes before `offset` are skipped (decompressed and discarded for gzip); a CSV header is
   * still read from the first line.
   */
  resumeFrom?: { offset: number; line: number };
  /** true: a final line without a terminator is not emitted (a file still being written). Default false. */
  holdIncompleteTail?: boolean;
  /** Clock in unix nanoseconds; default real time. Reserved for callers that stamp observed time. */
  observedUnixNano?: () => bigint;
}

/** A record read successfully. */
export interface ParseOk {
  ok: true;
  /** Dataset id (`http_requests`, `firewall_events@account`...), or `unknown`. */
  dataset: string;
  /** Field name to value; integers beyond 2^53 are bigint; null and '' top-level values are removed. */
  record: LogpushRecord;
  /** Event time in unix nanoseconds from the dataset's timestamp field; undefined when the record has none. */
  timeUnixNano: bigint | undefined;
  /** The line as read, without its terminator (for a JSON-array line holding several records: the record's text). */
  raw: string;
  /** 1-based line number in the decompressed stream. */
  line: number;
  /** Decompressed byte offset of the line start. */
  offset: number;
  /** Decompressed byte offset just after the line terminator (where reading resumes). */
  nextOffset: number;
}

/** Why a line (or the stream) could not be read. */
export type ParseErrorCode =
  | 'invalid-json'
  | 'invalid-csv'
  | 'not-an-object'
  | 'line-too-long'
  | 'invalid-field'
  | 'invalid-timestamp'
  | 'truncated-gzip'
  | 'corrupt-gzip'
  | 'read-error';

/** A structured, self-describing error for one line or for the stream. */
export interface ParseError {
  code: ParseErrorCode;
  /** What was expected and what was found. */
  reason: string;
  source: string;
  line: number;
  offset: number;
  nextOffset: number;
  field?: string;
  /** At most 200 characters of the offending line or value. */
  excerpt: string;
  /** The whole offending line ('' for stream-level errors and over-long lines). */
  raw: string;
  /** `<source>:<line> (byte <offset>): <reason> [field <f>]: <excerpt>` */
  message: string;
}

/** A line (or the stream) that could not be read. */
export interface ParseFailure {
  ok: false;
  error: ParseError;
}

/** One result per record or per failure. */
export type ParseResult = ParseOk | ParseFailure;

/** Returned by {@link parseBatches} when the input ends. */
export interface ParseSummary {
  /** Lines framed in this run (blank lines included, skipped resume bytes excluded). */
  lines: number;
  ok: number;
  failed: number;
  /** Decompressed offset just after the last line consumed: resume here. */
  consumedOffset: number;
  /** Line count up to consumedOffset (resumeFrom.line + lines consumed). */
  consumedLines: number;
  /** false when gzip was truncated or corrupt, the input failed to read, or an incomplete tail was held back. */
  complete: boolean;
  /** Lines that held bytes that are not UTF-8 (read with U+FFFD in their place). */
  invalidUtf8Lines: number;
}
