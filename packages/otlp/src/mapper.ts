// Maps a parsed Logpush record (LogEntry) to the OpenTelemetry log data model: entry.log and entry.resource.
import { createHash } from 'node:crypto';
import { Double } from '@logpush-otel/pipeline';
import type {
  AnyValue,
  Attributes,
  JsonValue,
  LogEntry,
  LogpushRecord,
  ResourceData,
} from '@logpush-otel/pipeline';
import { formatRfc3339Nano, toUnixNano } from '@logpush-otel/schema';
import { AttributeBuilder, keyId, keyName, staticKeyId } from './attribute-builder.ts';
import { Action, compileDataset, unknownFieldRule } from './compile.ts';
import type { CompiledDataset, Rule } from './compile.ts';
import { lokiNormalise } from './keys.ts';
import { bodySummary } from './summary.ts';
import { severityOf } from './severity.ts';

/** Options of {@link createMapper}. */
export interface MappingOptions {
  /** Body of each LogRecord: `summary` (default) a one-line summary, `original` the raw line, `map` the record. */
  body?: 'summary' | 'original' | 'map';
  /**
   * `default`: semantic-convention attributes. `loki`: the same, with an attribute budget of 110 so that the
   * record's structured metadata (attributes + non-label resource attributes + severity, event name, scope and
   * observed time) stays under Loki's 128 entries. `datadog`: the same, and no attribute is named like one of
   * Datadog's reserved attributes (status, level, message, service, host...). `datadog-raw`: Cloudflare's raw
   * field names plus `source=cloudflare`, so that Datadog's own Cloudflare pipeline and dashboards apply.
   */
  profile?: 'default' | 'loki' | 'datadog' | 'datadog-raw';
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

const BODY_MODES = ['summary', 'original', 'map'] as const;
const PROFILES = ['default', 'loki', 'datadog', 'datadog-raw'] as const;

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

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);
const REDACTED_PARAMS = new Set([
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
]);

/** Mutable per-mapper scratch state (reused for every record: no per-record allocation). */
interface State {
  readonly b: AttributeBuilder;
  dropped: number;
  zoneName: string | undefined;
  zoneId: string | undefined;
  objectKeyLimit: number;
  cookies: boolean;
}

function isEmpty(value: JsonValue | undefined): boolean {
  return value === null || value === '' || value === undefined;
}

/** A JSON text for a nested value (bigints exact). */
function toJsonText(value: JsonValue): string {
  return JSON.stringify(value, bigintReplacer);
}
function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint'
    ? (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(value.toString())
    : value;
}

/**
 * A homogeneous OTLP array from a JSON array: nulls and empty strings removed; integers stay integers; a mix of
 * integers and floats becomes doubles; objects stay maps; any other mix becomes strings. Empty → undefined.
 */
export function homogeneousArray(values: readonly JsonValue[]): AnyValue[] | undefined {
  let kind = '';
  let mixed = false;
  let hasNull = false;
  for (const item of values) {
    if (item === null || item === '') {
      hasNull = true;
      continue;
    }
    let k: string;
    if (typeof item === 'number') k = Number.isInteger(item) ? 'int' : 'float';
    else if (typeof item === 'bigint') k = 'int';
    else if (Array.isArray(item)) k = 'array';
    else k = typeof item;
    if (kind === '') kind = k;
    else if (k !== kind) {
      if ((kind === 'int' && k === 'float') || (kind === 'float' && k === 'int')) kind = 'number';
      else if (kind !== 'number' || (k !== 'int' && k !== 'float')) mixed = true;
    }
  }
  if (kind === '') return undefined;
  if (!mixed && !hasNull && kind !== 'number' && kind !== 'array' && kind !== 'float') {
    return values as AnyValue[];
  }
  const out: AnyValue[] = [];
  for (const item of values) {
    if (item === null || item === '') continue;
    if (mixed)
      out.push(typeof item === 'string' ? item : typeof item === 'object' ? toJsonText(item) : String(item));
    else if (kind === 'number' || kind === 'float') out.push(new Double(Number(item)));
    else if (kind === 'array') out.push(toJsonText(item));
    else out.push(item);
  }
  return out;
}

function flattenObject(
  ds: CompiledDataset,
  rule: Rule,
  prefix: string,
  object: { [key: string]: JsonValue },
  state: State,
  headers: boolean,
): void {
  const b = state.b;
  const cache = rule.flat;
  const generation = AttributeBuilder.generation;
  let kept = 0;
  let seen: Set<string> | undefined;
  for (const name in object) {
    const value = object[name];
    if (value === undefined || isEmpty(value)) continue;
    if (kept >= state.objectKeyLimit) {
      state.dropped++;
      continue;
    }
    let flat = cache?.get(name);
    if (flat === undefined || flat.generation !== generation) {
      const key = `${prefix}.${headers ? name.toLowerCase() : name}`;
      const normalised = lokiNormalise(key);
      const collides = ds.claimed.has(normalised) && !ds.keyPriority.has(key);
      flat = { id: collides ? -1 : keyId(key), normalised, generation };
      if (cache !== undefined && cache.size < 256) cache.set(name, flat);
    }
    if (flat.id < 0 || b.has(flat.id)) {
      // Would collide with a table key after Loki's normalisation, or repeats a key of this object.
      state.dropped++;
      continue;
    }
    seen ??= new Set();
    if (seen.has(flat.normalised)) {
      state.dropped++;
      continue;
    }
    seen.add(flat.normalised);
    let converted: AnyValue | undefined;
    if (headers) converted = [typeof value === 'string' ? value : toJsonTextOrString(value)];
    else if (Array.isArray(value)) converted = homogeneousArray(value);
    else if (typeof value === 'object' && value !== null) converted = toJsonText(value);
    else converted = typeof value === 'bigint' ? int64OrText(value) : value;
    if (converted === undefined) continue;
    b.set(flat.id, converted);
    kept++;
  }
}

function valueText(value: JsonValue | undefined): string {
  return value === undefined || value === null ? '' : toJsonTextOrString(value);
}

function toJsonTextOrString(value: JsonValue): string {
  return typeof value === 'object' && value !== null ? toJsonText(value) : String(value);
}

const protocolCache = new Map<string, readonly [string, string]>();
/** `HTTP/1.1` → [`http`, `1.1`]; `TLSv1.3` → [`tls`, `1.3`]; `SSLv3` → [`ssl`, `3`]; `QUIC` → [`quic`, ``]. */
export function splitProtocol(value: string): readonly [string, string] {
  let cached = protocolCache.get(value);
  if (cached === undefined) {
    const slash = value.indexOf('/');
    if (slash >= 0) cached = [value.slice(0, slash).toLowerCase(), value.slice(slash + 1)];
    else {
      const m = /^(TLS|SSL|DTLS)v?(.*)$/i.exec(value);
      cached = m === null ? [value.toLowerCase(), ''] : [(m[1] ?? '').toLowerCase(), m[2] ?? ''];
    }
    if (protocolCache.size < 256) protocolCache.set(value, cached);
  }
  return cached;
}

/** A query string without its leading `?`, with the values of signature parameters replaced by `REDACTED`. */
export function redactQuery(query: string): string {
  const q = query.charCodeAt(0) === 63 ? query.slice(1) : query;
  if (!(q.includes('ig') || q.includes('Credential') || q.includes('Token') || q.includes('AccessKeyId')))
    return q;
  const parts = q.split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const eq = part.indexOf('=');
    if (eq > 0 && REDACTED_PARAMS.has(part.slice(0, eq))) {
      parts[i] = `${part.slice(0, eq)}=REDACTED`;
      changed = true;
    }
  }
  return changed ? parts.join('&') : q;
}

function timestampText(value: JsonValue, rule: Rule): AnyValue {
  try {
    const nanos = toUnixNano(value, rule.unit);
    return nanos === undefined ? value : formatRfc3339Nano(nanos);
  } catch {
    return value;
  }
}

const ID = {
  urlScheme: staticKeyId('url.scheme'),
  urlFull: staticKeyId('url.full'),
  urlQuery: staticKeyId('url.query'),
  errorType: staticKeyId('error.type'),
  uid: staticKeyId('log.record.uid'),
  source: staticKeyId('source'),
  timeMissing: staticKeyId('cloudflare.time_missing'),
} as const;

function setGeneric(ds: CompiledDataset, rule: Rule, id: number, value: JsonValue, state: State): void {
  if (Array.isArray(value)) {
    const array = homogeneousArray(value);
    if (array !== undefined) state.b.set(id, array);
  } else if (typeof value === 'object' && value !== null) {
    flattenObject(ds, rule, rule.key, value, state, false);
  } else {
    state.b.set(id, typeof value === 'bigint' ? int64OrText(value) : value);
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** A bigint as an OTLP int when it fits int64, else as its decimal text (never wrapped). */
function int64OrText(value: bigint): AnyValue {
  return value >= INT64_MIN && value <= INT64_MAX ? value : value.toString();
}

/** The per-field pass: every field of the record through its compiled rule. */
function mapFields(ds: CompiledDataset, record: LogpushRecord, state: State): void {
  const rules = ds.rules;
  const b = state.b;
  for (const name in record) {
    const value = record[name];
    if (value === null || value === '' || value === undefined) continue;
    const rule = rules.get(name) ?? unknownFieldRule(ds, name);
    if (rule.drop !== undefined && rule.drop.has(value)) continue;
    const id = rule.ids[0] ?? -1;
    if (rule.legacy && b.has(id)) continue;
    switch (rule.action) {
      case Action.skip:
        break;
      case Action.scalar:
        if (typeof value === 'object') setGeneric(ds, rule, id, value, state);
        else b.set(id, typeof value === 'bigint' ? int64OrText(value) : value);
        break;
      case Action.float:
        if (typeof value === 'number') b.set(id, new Double(value));
        else setGeneric(ds, rule, id, value, state);
        break;
      case Action.array:
      case Action.object:
      case Action.generic:
        setGeneric(ds, rule, id, value, state);
        break;
      case Action.headers:
        if (typeof value === 'object' && !Array.isArray(value))
          flattenObject(ds, rule, rule.key, value, state, true);
        else setGeneric(ds, rule, id, value, state);
        break;
      case Action.cookies:
        if (state.cookies && typeof value === 'object' && !Array.isArray(value)) {
          flattenObject(ds, rule, rule.key, value, state, false);
        }
        break;
      case Action.header:
        b.set(id, [typeof value === 'string' ? value : toJsonTextOrString(value)]);
        break;
      case Action.upper:
        b.set(id, typeof value === 'string' ? value.toUpperCase() : toJsonTextOrString(value));
        break;
      case Action.lower:
        b.set(id, typeof value === 'string' ? value.toLowerCase() : toJsonTextOrString(value));
        break;
      case Action.string:
        b.set(id, typeof value === 'string' ? value : toJsonTextOrString(value));
        break;
      case Action.double: {
        const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
        b.set(id, Number.isFinite(n) ? new Double(n) : toJsonTextOrString(value));
        break;
      }
      case Action.method:
        if (typeof value === 'string' && KNOWN_METHODS.has(value)) b.set(id, value);
        else {
          b.set(id, '_OTHER');
          b.set(rule.ids[1] ?? id, toJsonTextOrString(value));
        }
        break;
      case Action.httpProtocol:
      case Action.tlsProtocol: {
        if (typeof value !== 'string') {
          setGeneric(ds, rule, staticKeyId(rule.key), value, state);
          break;
        }
        const [protocolName, version] = splitProtocol(value);
        if (protocolName !== '') b.set(id, protocolName);
        if (version !== '') b.set(rule.ids[1] ?? id, version);
        break;
      }
      case Action.query:
        if (typeof value === 'string') {
          const q = redactQuery(value);
          if (q !== '') b.set(id, q);
        } else setGeneric(ds, rule, id, value, state);
        break;
      case Action.timestamp:
        b.set(id, timestampText(value, rule));
        break;
      case Action.resourceName:
        state.zoneName = typeof value === 'string' ? value : toJsonTextOrString(value);
        break;
      case Action.resourceId:
        state.zoneId = typeof value === 'string' ? value : toJsonTextOrString(value);
        break;
    }
  }
}

/** `url.full`, `url.query` and `url.scheme` of an http_requests record (research §2). */
function deriveHttpUrl(record: LogpushRecord, b: AttributeBuilder): void {
  let scheme = record.ClientRequestScheme;
  if (typeof scheme !== 'string' || scheme === '') {
    const ssl = record.ClientSSLProtocol;
    scheme = typeof ssl === 'string' && ssl !== '' ? (ssl === 'none' ? 'http' : 'https') : undefined;
    if (scheme !== undefined && !b.has(ID.urlScheme)) b.set(ID.urlScheme, scheme);
  }
  const uri = record.ClientRequestURI;
  if (typeof uri !== 'string' || uri === '') return;
  const q = uri.indexOf('?');
  const query = q >= 0 ? redactQuery(uri.slice(q + 1)) : '';
  const pathPart = q >= 0 ? uri.slice(0, q) : uri;
  const host = record.ClientRequestHost;
  let full: string | undefined;
  if (uri.charCodeAt(0) === 47) {
    if (typeof host === 'string' && host !== '' && scheme !== undefined)
      full = `${scheme}://${host}${pathPart}`;
  } else {
    full = stripUserinfo(pathPart);
  }
  if (full !== undefined) b.set(ID.urlFull, query === '' ? full : `${full}?${query}`);
  if (query !== '' && !b.has(ID.urlQuery)) b.set(ID.urlQuery, query);
}

function stripUserinfo(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url;
  const slash = url.indexOf('/', scheme + 3);
  const at = url.lastIndexOf('@', slash < 0 ? url.length : slash);
  return at > scheme ? url.slice(0, scheme + 3) + url.slice(at + 1) : url;
}

/** `url.full` of a firewall_events record from scheme, host, path and query. */
function deriveFirewallUrl(record: LogpushRecord, b: AttributeBuilder): void {
  const scheme = record.ClientRequestScheme;
  const host = record.ClientRequestHost;
  const path = record.ClientRequestPath;
  if (typeof scheme !== 'string' || scheme === '' || typeof host !== 'string' || host === '') return;
  const query = b.get(ID.urlQuery);
  const p = typeof path === 'string' ? path : '';
  b.set(
    ID.urlFull,
    typeof query === 'string' && query !== ''
      ? `${scheme}://${host}${p}?${query}`
      : `${scheme}://${host}${p}`,
  );
}

/**
 * The attribute id of a processor attribute key, or -1 when the key differs from a key of the dataset's table but
 * equals it after Loki's normalisation (it would collide there). Cached per dataset.
 */
function processorKeyId(ds: CompiledDataset, key: string): number {
  let id = ds.processorKeys.get(key);
  if (id === undefined || (id >= 0 && keyName(id) !== key)) {
    id = ds.claimed.has(lokiNormalise(key)) && !ds.keyPriority.has(key) ? -1 : keyId(key);
    if (ds.processorKeys.size < 1024) ds.processorKeys.set(key, id);
  }
  return id;
}

function priorityOf(ds: CompiledDataset, key: string, processorKeys: Attributes): number {
  let p: number | undefined = ds.keyPriority.get(key);
  if (Object.hasOwn(processorKeys, key)) p = p === undefined ? 2 : Math.min(p, 2);
  if (p !== undefined) return p;
  for (const [prefix, prefixPriority] of ds.prefixPriority) if (key.startsWith(prefix)) return prefixPriority;
  return 4;
}

/** Keeps the `limit` most important attributes (stable within a priority); returns how many it dropped. */
function applyBudget(
  ds: CompiledDataset,
  b: AttributeBuilder,
  limit: number,
  processorKeys: Attributes,
): number {
  const n = b.n;
  if (n <= limit) return 0;
  const ranked: { index: number; priority: number }[] = [];
  for (let i = 0; i < n; i++)
    ranked.push({ index: i, priority: priorityOf(ds, keyName(b.ids[i] ?? 0), processorKeys) });
  ranked.sort((a, c) => a.priority - c.priority || a.index - c.index);
  const keep = ranked
    .slice(0, limit)
    .map((r) => r.index)
    .sort((a, c) => a - c);
  b.keepOnly(keep);
  return n - limit;
}

function recordUid(ds: CompiledDataset, entry: LogEntry): string | undefined {
  const r = entry.record;
  const ray = typeof r.RayID === 'string' && r.RayID !== '' ? r.RayID : undefined;
  switch (ds.datasetId) {
    case 'http_requests':
      if (ray !== undefined) return ray;
      break;
    case 'firewall_events':
      if (ray !== undefined) return `${ray}:${valueText(r.MatchIndex)}:${valueText(r.RuleID)}`;
      break;
    case 'spectrum_events':
      return hashHex(
        [r.Application, r.ClientIP, r.ClientPort, r.ConnectTimestamp, r.Event, r.Timestamp]
          .map(valueText)
          .join('|'),
      );
    default:
      break;
  }
  return hashHex(entry.raw !== '' ? entry.raw : toJsonText(entry.record));
}

function hashHex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

function validate(options: MappingOptions): void {
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

/**
 * Creates the mapping function. It sets `entry.log` (timestamp exact in bigint nanoseconds, observed time,
 * severity, body, event name, attributes, dropped count) and `entry.resource` (shared objects, one per distinct
 * attribute set) from `entry.dataset`, `entry.record`, `entry.timeUnixNano`, `entry.raw` and processor
 * `entry.attributes`. Never throws for odd record values; throws TypeError here for invalid options.
 */
export function createMapper(options: MappingOptions = {}): (entry: LogEntry) => void {
  validate(options);
  const profile = options.profile ?? 'default';
  const bodyMode = options.body ?? 'summary';
  const limit = options.attributeLimit ?? (profile === 'loki' ? 110 : 120);
  const extra = options.resourceAttributes ?? {};
  const extraServiceName = extra['service.name'];
  const serviceName =
    options.serviceName ??
    (typeof extraServiceName === 'string' && extraServiceName !== '' ? extraServiceName : 'cloudflare');
  const withUid = options.recordUid === true;
  const datadog = profile === 'datadog' || profile === 'datadog-raw';
  const b = new AttributeBuilder();
  const state: State = {
    b,
    dropped: 0,
    zoneName: undefined,
    zoneId: undefined,
    objectKeyLimit: options.objectKeyLimit ?? 32,
    cookies: options.cookies === true,
  };
  const resources = new Map<string, ResourceData>();
  let lastDataset = '';
  let lastCompiled: CompiledDataset | undefined;
  let lastResource: ResourceData | undefined;
  let lastResourceDs: CompiledDataset | undefined;
  let lastZoneName: string | undefined;
  let lastZoneId: string | undefined;

  const resourceFor = (
    ds: CompiledDataset,
    zoneName: string | undefined,
    zoneId: string | undefined,
  ): ResourceData => {
    if (
      lastResource !== undefined &&
      lastResourceDs === ds &&
      lastZoneName === zoneName &&
      lastZoneId === zoneId
    ) {
      return lastResource;
    }
    const cacheKey = `${ds.datasetId}\n${zoneName ?? ''}\n${zoneId ?? ''}`;
    let resource = resources.get(cacheKey);
    if (resource === undefined) {
      const attributes: Attributes = { 'service.name': serviceName, 'cloud.provider': 'cloudflare' };
      for (const key in extra) if (key !== 'service.name') attributes[key] = extra[key] ?? null;
      attributes['cloudflare.dataset'] = ds.datasetId;
      if (zoneName !== undefined) attributes['cloudflare.zone.name'] = zoneName;
      if (zoneId !== undefined) attributes['cloudflare.zone.id'] = zoneId;
      const key = Object.entries(attributes)
        .map(
          ([k, v]) =>
            `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v, bigintReplacer) : String(v)}`,
        )
        .join('\n');
      resource = { key, attributes };
      if (resources.size >= 10_000) resources.clear();
      resources.set(cacheKey, resource);
    }
    lastResource = resource;
    lastResourceDs = ds;
    lastZoneName = zoneName;
    lastZoneId = zoneId;
    return resource;
  };

  return (entry: LogEntry): void => {
    let ds = lastCompiled;
    if (ds === undefined || entry.dataset !== lastDataset) {
      ds = compileDataset(entry.dataset);
      lastDataset = entry.dataset;
      lastCompiled = ds;
    }
    const record = entry.record;
    b.reset();
    state.dropped = 0;
    state.zoneName = undefined;
    state.zoneId = undefined;

    if (profile === 'datadog-raw') {
      for (const name in record) {
        const value = record[name];
        if (value === null || value === '' || value === undefined) continue;
        const rule = ds.rules.get(name);
        if (rule?.action === Action.resourceName) state.zoneName = toJsonTextOrString(value);
        else if (rule?.action === Action.resourceId) state.zoneId = toJsonTextOrString(value);
        b.setKey(DATADOG_RESERVED.has(name.toLowerCase()) ? `cloudflare.${name}` : name, value);
      }
    } else {
      mapFields(ds, record, state);
      for (const d of ds.derive) {
        if (d === 'http-url') deriveHttpUrl(record, b);
        else deriveFirewallUrl(record, b);
      }
    }

    const severity = severityOf(ds.severity, record, b);
    if (severity.errorType !== undefined) b.set(ID.errorType, severity.errorType);
    if (withUid) {
      const uid = recordUid(ds, entry);
      if (uid !== undefined) b.set(ID.uid, uid);
    }
    let timeUnixNano = entry.timeUnixNano;
    if (timeUnixNano === undefined) {
      for (const field of ds.fallbackTimeFields) {
        const value = record[field];
        if (isEmpty(value)) continue;
        try {
          timeUnixNano = toUnixNano(value);
        } catch {
          timeUnixNano = undefined;
        }
        if (timeUnixNano !== undefined) break;
      }
    }
    if (profile === 'datadog-raw') b.set(ID.source, 'cloudflare');
    const processor = entry.attributes;
    for (const key in processor) {
      const value = processor[key];
      if (value === undefined) continue;
      const id = processorKeyId(
        ds,
        datadog && DATADOG_RESERVED.has(key.toLowerCase()) ? `cloudflare.${key}` : key,
      );
      if (id < 0) state.dropped++;
      else b.set(id, value);
    }
    if (b.n > limit) state.dropped += applyBudget(ds, b, limit, processor);
    // No event time (none in the record, none in a fallback field): the record is kept with only its observed
    // time, and says so (outside the attribute budget), so that a backend query can find such records.
    if (timeUnixNano === undefined) b.set(ID.timeMissing, true);

    const body: AnyValue =
      bodyMode === 'original' ? entry.raw : bodyMode === 'map' ? record : bodySummary(ds, record, b);

    entry.log = {
      timeUnixNano,
      observedTimeUnixNano: entry.observedUnixNano,
      severityNumber: severity.number,
      severityText: severity.text,
      body,
      eventName: ds.eventName,
      attributes: b.build(),
      droppedAttributesCount: state.dropped,
    };
    entry.resource = resourceFor(ds, state.zoneName, state.zoneId);
  };
}
