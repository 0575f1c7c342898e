/**
 * Values as parsed from Logpush records. Integers that do not fit a double exactly are `bigint`; everything else
 * is what JSON gives. Parsers never round.
 */
export type JsonValue =
  string | number | bigint | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One parsed Logpush record: Cloudflare field name to value, unknown fields kept as they are. */
export type LogpushRecord = Record<string, JsonValue>;

/**
 * A double that must be encoded as an OTLP `doubleValue` even when it is integral (a `float` field whose value
 * happens to be 1). Plain integral `number`s encode as `intValue`.
 */
export class Double {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/**
 * The OTLP `AnyValue`, in JS form:
 * string → stringValue; boolean → boolValue; bigint and integral number → intValue; non-integral number or
 * {@link Double} → doubleValue; Uint8Array → bytesValue; array → arrayValue; plain object → kvlistValue;
 * null → an empty AnyValue.
 */
export type AnyValue =
  string | boolean | number | bigint | Double | Uint8Array | null | AnyValue[] | { [key: string]: AnyValue };

/** OTLP attributes: key to value, in insertion order. Keys are unique by construction. */
export type Attributes = Record<string, AnyValue>;
