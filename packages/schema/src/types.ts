/** A field type exactly as Cloudflare writes it in its Logpush field lists. */
export type FieldType =
  | 'string'
  | 'int'
  | 'bool'
  | 'float'
  | 'object'
  | 'int or string'
  | 'array[string]'
  | 'array[int]'
  | 'array[object]';

/** One field of a Logpush dataset. Optional flags are absent rather than false. */
export interface FieldSchema {
  readonly name: string;
  readonly type: FieldType;
  /** 'nanoseconds' | 'microseconds' | 'milliseconds' | 'seconds' | 'bytes' | 'bits' | ... as in datasets.json. */
  readonly unit?: string;
  /** Documented values; advisory only (never used to reject a record). Includes `legacyEnum` values. */
  readonly enum?: readonly string[];
  /** Values listed only by the seed tables (no longer in Cloudflare's list), also contained in `enum`. */
  readonly legacyEnum?: readonly string[];
  /** The page says the list may include other values. */
  readonly enumOpen?: boolean;
  /** Cloudflare marks the field deprecated. */
  readonly deprecated?: boolean;
  /** Only in the seed tables (no longer in Cloudflare's list), still seen in data. */
  readonly legacy?: boolean;
  /** The field that carries this information now (units may differ: compare `unit`). */
  readonly replacedBy?: string;
  /** An 'int or string' timestamp whose form follows the job's `timestamp_format`. */
  readonly timestampFormatted?: boolean;
  /** A plain-int epoch timestamp that ignores `timestamp_format` (its `unit` says which). */
  readonly epoch?: boolean;
  /** A string that holds encoded data. */
  readonly encoding?: 'json' | 'base64' | 'comma-separated';
}

/** The shape of one entry of the generated data (src/generated/datasets.ts): a dataset without its lookup map. */
export interface DatasetData {
  /** Key in datasets.json: 'http_requests', 'firewall_events@account', ... */
  readonly id: string;
  /** Logpush dataset id without the scope suffix. */
  readonly datasetId: string;
  readonly scope: 'zone' | 'account';
  /** OpenTelemetry event name: 'cloudflare.' + the singular of the dataset id ('cloudflare.http_request'). */
  readonly eventName: string;
  /** The field chosen as event time. */
  readonly timestampField: string;
  /** Other timestamp fields of the dataset. */
  readonly otherTimestampFields: readonly string[];
  readonly fields: readonly FieldSchema[];
  /** The dataset was found only at Cloudflare's old documentation path (may be retired). */
  readonly legacy?: boolean;
  /** Field names announced by Cloudflare's changelog but not yet in its field list (types unknown). */
  readonly changelogAdditions?: readonly string[];
}

/** One Logpush dataset (zone or account scope) with its fields in Cloudflare's order, and by name. */
export interface DatasetSchema extends DatasetData {
  readonly fieldsByName: ReadonlyMap<string, FieldSchema>;
}
