// Compiles the field tables (tables/) into per-dataset lookup tables once: field name → key, action, priority.
import { getDataset } from '@logpush-otel/schema';
import type { DatasetSchema, FieldSchema, TimeUnit } from '@logpush-otel/schema';
import { keyId, staticKeyId } from './attribute-builder.ts';
import { lokiNormalise, snakeCase } from './keys.ts';
import { commonFields, datasetTables } from './tables/index.ts';
import type { Derivation, FieldMapping, Kind, Priority, SeverityTable, SummaryPart } from './tables/index.ts';

/** What the mapper does with a field's value (a small integer, switched on in the hot loop). */
export const Action = {
  skip: 0,
  scalar: 1,
  float: 2,
  array: 3,
  object: 4,
  headers: 5,
  header: 6,
  upper: 7,
  lower: 8,
  string: 9,
  double: 10,
  method: 11,
  httpProtocol: 12,
  tlsProtocol: 13,
  query: 14,
  timestamp: 15,
  generic: 16,
  resourceName: 17,
  resourceId: 18,
  cookies: 19,
  resourceAccount: 20,
  enumValue: 21,
} as const;
/** One of the {@link Action} codes. */
export type ActionCode = (typeof Action)[keyof typeof Action];

/** A cached flattened key: its attribute id, or -1 when it would collide after Loki's normalisation. */
export interface FlatKey {
  readonly id: number;
  readonly normalised: string;
  readonly generation: number;
}

/** One compiled field rule. */
export interface Rule {
  readonly field: string;
  readonly key: string;
  readonly kind: Kind;
  readonly action: ActionCode;
  readonly drop: ReadonlySet<unknown> | undefined;
  readonly legacy: boolean;
  readonly priority: Priority;
  readonly type: FieldSchema['type'] | undefined;
  /** Time unit of a plain-int epoch timestamp field. */
  readonly unit: TimeUnit | undefined;
  /** The keys the rule writes (`method`: the key and `<key>_original`; protocols: `.name`, `.version`). */
  readonly keys: readonly string[];
  /** Their attribute ids (attribute-builder.ts). */
  readonly ids: readonly number[];
  /** `enum` conversion: lower-cased Cloudflare value → attribute value. */
  readonly values: ReadonlyMap<string, string> | undefined;
  /** Flattened-object rules: cache of sub-key → attribute key and id (or -1 when the key must be skipped). */
  readonly flat: Map<string, FlatKey> | undefined;
  readonly notes: string;
}

/** A dataset's compiled table. */
export interface CompiledDataset {
  /** Dataset id as given (`firewall_events@account`), or `unknown`. */
  readonly id: string;
  /** Logpush dataset id without scope (`firewall_events`). */
  readonly datasetId: string;
  readonly schema: DatasetSchema | undefined;
  readonly eventName: string;
  readonly rules: Map<string, Rule>;
  readonly derive: readonly Derivation[];
  /** Priority of every key the rules can write (flattened objects: by prefix, see `prefixPriority`). */
  readonly keyPriority: Map<string, Priority>;
  readonly prefixPriority: readonly (readonly [string, Priority])[];
  /** Loki-normalised forms of every key the rules can write, to keep runtime-made keys distinct. */
  readonly claimed: Set<string>;
  /** Cache of processor attribute keys: attribute id, or -1 when the key would collide after normalisation. */
  readonly processorKeys: Map<string, number>;
  /**
   * The severity rule: a seed dataset's own, the dataset's rule table, `status` (no table, but a field mapped to
   * `http.response.status_code`) or `none`.
   */
  readonly severity:
    'http_requests' | 'firewall_events' | 'spectrum_events' | 'status' | 'none' | SeverityTable;
  /** The summary body's parts (datasets other than the seeds). */
  readonly summary: readonly SummaryPart[] | undefined;
  /** The field holding a fallback event time when the entry has none. */
  readonly fallbackTimeFields: readonly string[];
  /** Number of rules compiled from the tables and the schema (unknown fields are cached beyond it). */
  readonly baseRuleCount: number;
}

const MAX_UNKNOWN_CACHED = 512;

function timeUnit(unit: string | undefined): TimeUnit | undefined {
  return unit === 'nanoseconds' || unit === 'microseconds' || unit === 'milliseconds' || unit === 'seconds'
    ? unit
    : undefined;
}

function defaultPriority(m: FieldMapping, schemaField: FieldSchema | undefined): Priority {
  if (m.priority !== undefined) return m.priority;
  if (m.kind === 'semconv' || m.kind === 'shared') return 1;
  if (m.legacy === true || schemaField?.deprecated === true || schemaField?.legacy === true) return 4;
  if (schemaField?.type === 'object') return 4;
  return 3;
}

function actionFor(m: FieldMapping, type: FieldSchema['type'] | undefined): ActionCode {
  switch (m.kind) {
    case 'time':
    case 'derived':
    case 'dropped':
      return Action.skip;
    case 'off':
      return m.field === 'Cookies' ? Action.cookies : Action.skip;
    case 'resource':
      if (m.key === 'cloudflare.account.id') return Action.resourceAccount;
      return m.key === 'cloudflare.zone.name' ? Action.resourceName : Action.resourceId;
    default:
      break;
  }
  switch (m.convert) {
    case 'string':
      return Action.string;
    case 'upper':
      return Action.upper;
    case 'lower':
      return Action.lower;
    case 'double':
      return Action.double;
    case 'method':
      return Action.method;
    case 'http-protocol':
      return Action.httpProtocol;
    case 'tls-protocol':
      return Action.tlsProtocol;
    case 'header':
      return Action.header;
    case 'headers':
      return Action.headers;
    case 'query':
      return Action.query;
    case 'timestamp':
      return Action.timestamp;
    case 'enum':
      return Action.enumValue;
    default:
      return actionForType(type);
  }
}

function actionForType(type: FieldSchema['type'] | undefined): ActionCode {
  switch (type) {
    case 'float':
      return Action.float;
    case 'object':
      return Action.object;
    case 'array[string]':
    case 'array[int]':
    case 'array[object]':
      return Action.array;
    case 'string':
    case 'int':
    case 'bool':
      return Action.scalar;
    default:
      return Action.generic;
  }
}

/** The keys a rule can write (for priorities, docs and the uniqueness check). */
export function ruleKeys(rule: { key: string; action: ActionCode }): string[] {
  switch (rule.action) {
    case Action.skip:
    case Action.resourceName:
    case Action.resourceId:
    case Action.resourceAccount:
      return [];
    case Action.method:
      return [rule.key, `${rule.key}_original`];
    case Action.httpProtocol:
    case Action.tlsProtocol:
      return [`${rule.key}.name`, `${rule.key}.version`];
    default:
      return [rule.key];
  }
}

const compiledCache = new Map<string, CompiledDataset>();

/** The compiled table of a dataset id (or alias); cached. Unknown ids compile to a generic table. */
export function compileDataset(id: string): CompiledDataset {
  const cached = compiledCache.get(id);
  if (cached !== undefined) return cached;
  const schema = getDataset(id);
  const datasetId = schema?.datasetId ?? (id === '' ? 'unknown' : id.replace(/@.*$/, ''));
  const table = datasetTables[datasetId];
  const rules = new Map<string, Rule>();
  const keyPriority = new Map<string, Priority>();
  const prefixPriority: [string, Priority][] = [];
  const claimed = new Set<string>();
  const claimedExact = new Map<string, string>(); // key → field that owns it

  const add = (m: FieldMapping, allowSharedKey: boolean): void => {
    if (rules.has(m.field)) return;
    const schemaField = schema?.fieldsByName.get(m.field);
    let key = m.key === '' ? `cloudflare.${datasetId}.${snakeCase(m.field)}` : m.key;
    let action = actionFor(m, schemaField?.type);
    // Timestamps embedded in the record (not the event time) become RFC 3339 strings.
    if (
      action !== Action.skip &&
      m.convert === undefined &&
      (schemaField?.timestampFormatted === true || schemaField?.epoch === true) &&
      m.field !== schema?.timestampField
    ) {
      action = Action.timestamp;
    }
    let kind = m.kind;
    const owner = claimedExact.get(key);
    if (owner !== undefined && !(m.legacy === true || allowSharedKey)) {
      // Two current fields of one dataset would write the same key: the later one keeps its own vendor key.
      key = `cloudflare.${datasetId}.${snakeCase(m.field)}`;
      kind = 'vendor';
      if (action === Action.method || action === Action.httpProtocol || action === Action.tlsProtocol) {
        action = actionForType(schemaField?.type);
      }
    }
    let keys = ruleKeys({ key, action });
    // Keep every key distinct after Loki's normalisation.
    for (
      let n = 2;
      keys.some((k) => claimed.has(lokiNormalise(k)) && claimedExact.get(k) === undefined);
      n++
    ) {
      key = `cloudflare.${datasetId}.${snakeCase(m.field)}_${n}`;
      keys = ruleKeys({ key, action });
    }
    const priority = defaultPriority(m, schemaField);
    const rule: Rule = {
      field: m.field,
      key,
      kind,
      action,
      drop: m.drop === undefined ? undefined : new Set<unknown>(m.drop),
      values:
        m.values === undefined
          ? undefined
          : new Map(Object.entries(m.values).map(([k, val]) => [k.toLowerCase(), val])),
      legacy: m.legacy === true,
      priority,
      type: schemaField?.type,
      unit: timeUnit(schemaField?.unit),
      keys,
      ids: keys.map(staticKeyId),
      flat:
        action === Action.object || action === Action.headers || action === Action.cookies
          ? new Map()
          : undefined,
      notes: m.notes ?? '',
    };
    rules.set(m.field, rule);
    for (const k of keys) {
      claimed.add(lokiNormalise(k));
      if (!claimedExact.has(k)) claimedExact.set(k, m.field);
      const p = keyPriority.get(k);
      if (p === undefined || priority < p) keyPriority.set(k, priority);
    }
    if (action === Action.object || action === Action.headers || action === Action.cookies) {
      prefixPriority.push([`${key}.`, priority]);
      claimed.add(lokiNormalise(`${key}.`));
    }
  };

  const present = (name: string): boolean => schema === undefined || schema.fieldsByName.has(name);
  if (table !== undefined) {
    // Current fields of this dataset (or scope) claim their keys first, then legacy names, then rows for fields
    // this scope does not have (the other scope's spelling, or names seen only in older data).
    const order = (m: FieldMapping): number => (present(m.field) ? 0 : 2) + (m.legacy === true ? 1 : 0);
    const rows = [...table.fields].sort((a, b) => order(a) - order(b));
    for (const m of rows) add(m, m.legacy === true);
  }
  for (const m of commonFields) if (present(m.field)) add(m, schema === undefined);
  if (schema !== undefined) {
    for (const f of schema.fields) {
      if (rules.has(f.name)) continue;
      if (f.name === schema.timestampField) {
        add({ field: f.name, key: 'Timestamp', kind: 'time' }, false);
      } else {
        add({ field: f.name, key: '', kind: 'vendor' }, false);
      }
    }
  }
  if (table !== undefined) {
    for (const d of table.derived) {
      if (!keyPriority.has(d.key)) keyPriority.set(d.key, d.key === 'error.type' ? 0 : 1);
      claimed.add(lokiNormalise(d.key));
    }
  }
  keyPriority.set('error.type', 0);
  keyPriority.set('log.record.uid', 0);
  claimed.add(lokiNormalise('error.type'));
  claimed.add(lokiNormalise('log.record.uid'));

  const severity: CompiledDataset['severity'] =
    datasetId === 'http_requests' || datasetId === 'firewall_events' || datasetId === 'spectrum_events'
      ? datasetId
      : (table?.severity ??
        (keyPriority.has('http.response.status_code') && table?.noSeverity === undefined
          ? 'status'
          : 'none'));
  const fallbackTimeFields =
    datasetId === 'http_requests'
      ? ['EdgeEndTimestamp']
      : datasetId === 'spectrum_events'
        ? ['DisconnectTimestamp', 'ConnectTimestamp']
        : [];
  const compiled: CompiledDataset = {
    id,
    datasetId,
    schema,
    eventName: schema?.eventName ?? '',
    summary: table?.summary,
    rules,
    derive: table?.derive ?? [],
    keyPriority,
    prefixPriority,
    claimed,
    severity,
    fallbackTimeFields,
    baseRuleCount: rules.size,
    processorKeys: new Map(),
  };
  compiledCache.set(id, compiled);
  return compiled;
}

/**
 * The rule for a field the table does not know (schema drift): `cloudflare.<dataset>.<snake_case>`, kept distinct
 * from the table's keys after Loki's normalisation, priority 4. Cached per dataset up to a bound.
 */
export function unknownFieldRule(dataset: CompiledDataset, field: string): Rule {
  const base = `cloudflare.${dataset.datasetId}.${snakeCase(field) || 'field'}`;
  let key = base;
  for (let n = 2; dataset.claimed.has(lokiNormalise(key)); n++) key = `${base}_${n}`;
  const cache = dataset.rules.size < dataset.baseRuleCount + MAX_UNKNOWN_CACHED;
  const rule: Rule = {
    field,
    key,
    kind: 'vendor',
    // a cookie field the tables do not know is still personal data: only with the `cookies` option
    action: /^cookies?$/i.test(field) ? Action.cookies : Action.generic,
    drop: undefined,
    legacy: false,
    priority: 4,
    type: undefined,
    unit: undefined,
    values: undefined,
    keys: [key],
    ids: [cache ? staticKeyId(key) : keyId(key)],
    flat: new Map(),
    notes: 'not in the schema',
  };
  if (cache) {
    dataset.rules.set(field, rule);
    dataset.claimed.add(lokiNormalise(key));
  }
  return rule;
}
