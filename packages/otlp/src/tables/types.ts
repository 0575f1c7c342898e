// The shape of the field tables (one file per dataset family next to this one) and small builders that keep each
// row on one line. Why a field gets the key it gets is explained in docs/mapping.md ("How we choose keys").

/**
 * How a value is converted before it becomes an attribute.
 * - `value`: by the field's schema type (ints stay ints, `float` → double, arrays stay homogeneous arrays,
 *   objects are flattened one level as `<key>.<name>` with a key cap, embedded timestamps → RFC 3339 strings).
 * - `string`, `upper`, `lower`: the value as a string (upper/lower-cased).
 * - `double`: a numeric string (Cloudflare's latitude/longitude) as a double.
 * - `method`: `http.request.method`; an unknown method becomes `_OTHER` plus `http.request.method_original`.
 * - `http-protocol`: `HTTP/1.1` → `<key>.name` = `http` and `<key>.version` = `1.1`.
 * - `tls-protocol`: `TLSv1.3` → `<key>.name` = `tls` and `<key>.version` = `1.3`.
 * - `header`: a one-item string array (semantic conventions' `http.*.header.*` shape).
 * - `headers`: an object of headers flattened as `<key>.<lower-cased name>`, each a one-item string array.
 * - `query`: a query string without its leading `?`, with signature parameters redacted.
 * - `timestamp`: any Logpush timestamp form → RFC 3339 with nanoseconds.
 * - `enum`: the value looked up (case-insensitively) in the row's `values`; values not listed are kept as they are.
 */
export type Convert =
  | 'value'
  | 'string'
  | 'upper'
  | 'lower'
  | 'double'
  | 'method'
  | 'http-protocol'
  | 'tls-protocol'
  | 'header'
  | 'headers'
  | 'query'
  | 'timestamp'
  | 'enum';

/**
 * What the field becomes.
 * `time`: the LogRecord Timestamp. `semconv`: an OpenTelemetry semantic-convention attribute. `shared`: a
 * `cloudflare.*` key shared by several datasets (the join keys). `vendor`: `cloudflare.<dataset>.<snake_case>`.
 * `resource`: a resource attribute. `derived`: read by a derivation (e.g. `url.full`), not copied itself.
 * `off`: not emitted by default. `dropped`: never emitted, because another field or the LogRecord already carries
 * the value, or it cannot be an attribute (the row's notes say which).
 */
export type Kind = 'time' | 'semconv' | 'shared' | 'vendor' | 'resource' | 'derived' | 'off' | 'dropped';

/**
 * Attribute priority when the attribute budget is exceeded: lower numbers are kept first.
 * 0 core (identity, status, severity inputs); 1 semantic-convention and shared keys; 2 attributes added by
 * processors (enrichment); 3 vendor keys; 4 flattened objects, deprecated and legacy-only fields, unknown fields.
 */
export type Priority = 0 | 1 | 2 | 3 | 4;

/** One row of a field table. */
export interface FieldMapping {
  /** Cloudflare's field name, exactly as in the record. */
  readonly field: string;
  /** The attribute (or resource attribute) key; for `http-protocol`/`tls-protocol` the prefix of two keys. */
  readonly key: string;
  readonly kind: Kind;
  readonly convert?: Convert;
  /** `enum` conversion: Cloudflare value (lower-cased) → attribute value. */
  readonly values?: Readonly<Record<string, string>>;
  /** Values that mean "absent" or "not applicable" for this field: not emitted. */
  readonly drop?: readonly (string | number)[];
  /** An older Cloudflare name: it fills `key` only when the current field did not. */
  readonly legacy?: boolean;
  readonly priority?: Priority;
  /** The reason for a choice that is not obvious (shown in docs/mapping.md). */
  readonly notes?: string;
}

/** Derivations computed from several fields after the per-field pass. */
export type Derivation = 'http-url' | 'firewall-url' | 'workers-exception';

/** A scalar a severity case compares with. */
export type SeverityValue = string | number | boolean;

/**
 * One case of a severity rule table. It matches when the record's `field` satisfies every condition given:
 * `is` (one of these values; strings compared case-insensitively), `not` (none of them), `prefix` (a string
 * starting with one of these, case-insensitively), `range` (a number within, inclusive), `nonEmpty` (a non-empty
 * string or array, or any other present value).
 */
export interface SeverityCase {
  readonly field: string;
  readonly is?: readonly SeverityValue[];
  readonly not?: readonly SeverityValue[];
  readonly prefix?: readonly string[];
  readonly range?: readonly [number, number];
  readonly nonEmpty?: true;
  /** SeverityNumber (1..24) when the case matches. */
  readonly severity: number;
  /** `error.type` when the case matches: `value` copies the field value, any other text is used as is. */
  readonly errorType?: string;
}

/**
 * The severity of a dataset with an outcome: the first matching case wins; a record that matches no case but
 * carries one of the `outcome` fields gets `otherwise` (INFO 9 unless given); a record without any of them keeps
 * severity unspecified.
 */
export interface SeverityTable {
  readonly cases: readonly SeverityCase[];
  readonly outcome: readonly string[];
  readonly otherwise?: number;
  /** The rule in one line, for the docs and the report. */
  readonly summary: string;
}

/**
 * One part of a dataset's summary body: literal text, or a field of the record (skipped when absent or empty),
 * shown as its value or as `label=value`; `values` renames values (`true` → `allowed`), `lower` lower-cases.
 * Arrays are joined with `,`.
 */
export type SummaryPart =
  | string
  | {
      readonly field: string;
      readonly label?: string;
      readonly values?: Readonly<Record<string, string>>;
      readonly lower?: true;
    };

/** The table for one dataset (zone and account variants share it). */
export interface DatasetTable {
  readonly datasetId: string;
  readonly fields: readonly FieldMapping[];
  readonly derive: readonly Derivation[];
  /** Keys written by the derivations, with notes, for the generated documentation. */
  readonly derived: readonly { readonly key: string; readonly from: string; readonly notes: string }[];
  /** Severity rule table; absent: the dataset has no outcome and its records keep severity unspecified. */
  readonly severity?: SeverityTable;
  /** Why a dataset has no severity rule (docs), when it has none. */
  readonly noSeverity?: string;
  /** The summary body; absent for the seed datasets (their format is in summary.ts). */
  readonly summary?: readonly SummaryPart[];
}

type Extra = Partial<Omit<FieldMapping, 'field' | 'kind'>>;

/** A semantic-convention row. */
export const sem = (field: string, key: string, extra?: Extra): FieldMapping => ({
  field,
  key,
  kind: 'semconv',
  ...extra,
});

/** A shared `cloudflare.*` row (a key several datasets use, so that they join). */
export const shared = (field: string, key: string, extra?: Extra): FieldMapping => ({
  field,
  key,
  kind: 'shared',
  ...extra,
});

/** A vendor row: `cloudflare.<dataset>.<snake_case>` unless `extra.key` names it. */
export const v = (field: string, extra?: Extra): FieldMapping => ({
  field,
  key: '',
  kind: 'vendor',
  ...extra,
});

/** A field deliberately not emitted, with the reason. */
export const dropped = (field: string, notes: string): FieldMapping => ({
  field,
  key: '',
  kind: 'dropped',
  notes,
});

/** The event time. */
export const time = (field: string): FieldMapping => ({
  field,
  key: 'Timestamp',
  kind: 'time',
  notes: 'exact nanoseconds',
});

/** A resource attribute (low cardinality: account or zone). */
export const resource = (field: string, key: string, notes?: string): FieldMapping => ({
  field,
  key,
  kind: 'resource',
  convert: 'string',
  ...(notes === undefined ? {} : { notes }),
});

/** Values that mean "no protocol" in Cloudflare's protocol fields. */
export const PROTOCOL_NA = ['none', 'unknown', 'UNKNOWN', 'NONE'] as const;
