// The options of the mapping: body modes, backend profiles and limits, defined once for the package and its users
// (the sidecar's `cloudflare` processor and `convert` command), and their validation.
import type { Attributes } from '@logpush-otel/pipeline';

/** What a LogRecord body holds: a one-line summary, the original line, or the record as a map. */
export const BODY_MODES = ['summary', 'original', 'map'] as const;
export type BodyMode = (typeof BODY_MODES)[number];

/** The attribute profiles (see {@link MappingOptions.profile}). */
export const PROFILES = ['default', 'loki', 'datadog', 'datadog-raw'] as const;
export type Profile = (typeof PROFILES)[number];

/** Options of `createMapper`. */
export interface MappingOptions {
  /** Body of each LogRecord: `summary` (default) a one-line summary, `original` the raw line, `map` the record. */
  body?: BodyMode;
  /**
   * `default`: semantic-convention attributes. `loki`: the same, with an attribute budget of 110 so that the
   * record's structured metadata (attributes + non-label resource attributes + severity, event name, scope and
   * observed time) stays under Loki's 128 entries. `datadog`: the same, and no attribute is named like one of
   * Datadog's reserved attributes (status, level, message, service, host...). `datadog-raw`: Cloudflare's raw
   * field names plus `source=cloudflare`, so that Datadog's own Cloudflare pipeline and dashboards apply.
   */
  profile?: Profile;
  /** Most attributes per record (default 120; 110 for `loki`); the rest are dropped by priority and counted. */
  attributeLimit?: number;
  /** Most keys kept from one flattened object (RequestHeaders, Metadata...); default 32. */
  objectKeyLimit?: number;
  /** Resource `service.name`; default `cloudflare` (or `service.name` of `resourceAttributes`). */
  serviceName?: string;
  /** Extra resource attributes (e.g. parsed from OTEL_RESOURCE_ATTRIBUTES). Keep them low-cardinality. */
  resourceAttributes?: Attributes;
  /** Opt-in deterministic `log.record.uid` so that a backend can drop re-delivered duplicates. */
  recordUid?: boolean;
  /** Opt-in: flatten http_requests `Cookies` as `cloudflare.http_requests.cookies.<name>` (personal data). */
  cookies?: boolean;
}

/** Attribute names Datadog treats specially (matched case-insensitively): never emitted by the datadog profiles. */
export const DATADOG_RESERVED: ReadonlySet<string> = new Set([
  'status',
  'severity',
  'level',
  'syslog.severity',
  'message',
  'msg',
  'log',
  'service',
  'host',
  'hostname',
  'trace_id',
  'traceid',
  'span_id',
  'spanid',
  'dd.trace_id',
  'dd.span_id',
  'ddtags',
  'ddsource',
]);

export function validateMappingOptions(options: MappingOptions): void {
  if (options.body !== undefined && !(BODY_MODES as readonly string[]).includes(options.body)) {
    throw new TypeError(
      `createMapper: body must be one of ${BODY_MODES.join(', ')}; got ${JSON.stringify(options.body)}`,
    );
  }
  if (options.profile !== undefined && !(PROFILES as readonly string[]).includes(options.profile)) {
    throw new TypeError(
      `createMapper: profile must be one of ${PROFILES.join(', ')}; got ${JSON.stringify(options.profile)}`,
    );
  }
  for (const name of ['attributeLimit', 'objectKeyLimit'] as const) {
    const n = options[name];
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) {
      throw new TypeError(`createMapper: ${name} must be a non-negative integer; got ${String(n)}`);
    }
  }
}
