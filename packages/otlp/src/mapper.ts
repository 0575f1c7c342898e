// Maps a parsed Logpush record (LogEntry) to the OpenTelemetry log data model: entry.log and entry.resource.
import type {
  AnyValue,
  Attributes,
  LogEntry,
  LogRecordData,
  MappedEntry,
  ResourceData,
} from '@logpush-otel/pipeline';
import { toUnixNano } from '@logpush-otel/schema';
import { AttributeBuilder } from './attribute-builder.ts';
import { applyBudget, processorKeyId, recordUid } from './budget.ts';
import { Action, compileDataset } from './compile.ts';
import type { CompiledDataset } from './compile.ts';
import { withoutCookies } from './cookies.ts';
import { ID, deriveFirewallUrl, deriveHttpUrl, mapFields } from './fields.ts';
import type { State } from './fields.ts';
import { DATADOG_RESERVED, validateMappingOptions } from './options.ts';
import type { MappingOptions } from './options.ts';
import { deriveWorkers } from './derive-workers.ts';
import { bodySummary } from './summary.ts';
import { severityOf } from './severity.ts';
import { bigintReplacer, isEmpty, toJsonText, toJsonTextOrString } from './values.ts';

/** A LogRecord without its attributes: what the mapping computed besides them. */
export type LogRecordFields = Omit<LogRecordData, 'attributes'>;

/** The result of {@link MappingCore.map}: valid until the next call (one object, reused). */
export interface MappedFields extends LogRecordFields {
  resource: ResourceData;
}

/**
 * The mapping of one record, up to its attributes: `map(entry)` runs the field tables, severity, record uid,
 * processor attributes, attribute budget and body into `builder` (the attributes, in order) and returns the other
 * LogRecord fields and the resource. What is done with the builder's attributes is the caller's last step: an
 * attributes object for `entry.log` ({@link createMapper}), or bytes written straight into a request
 * (direct-encoder.ts). One piece of code for both, so they cannot drift apart.
 */
export interface MappingCore {
  readonly builder: AttributeBuilder;
  map(entry: LogEntry): MappedFields;
}

/** Creates the mapping core (see {@link MappingCore}); throws TypeError for invalid options. */
export function createMappingCore(options: MappingOptions = {}): MappingCore {
  validateMappingOptions(options);
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
    accountId: undefined,
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
  let lastAccountId: string | undefined;

  const resourceFor = (
    ds: CompiledDataset,
    zoneName: string | undefined,
    zoneId: string | undefined,
    accountId: string | undefined,
  ): ResourceData => {
    if (
      lastResource !== undefined &&
      lastResourceDs === ds &&
      lastZoneName === zoneName &&
      lastZoneId === zoneId &&
      lastAccountId === accountId
    ) {
      return lastResource;
    }
    const cacheKey = `${ds.datasetId}\n${zoneName ?? ''}\n${zoneId ?? ''}\n${accountId ?? ''}`;
    let resource = resources.get(cacheKey);
    if (resource === undefined) {
      const attributes: Attributes = { 'service.name': serviceName, 'cloud.provider': 'cloudflare' };
      for (const key in extra) if (key !== 'service.name') attributes[key] = extra[key] ?? null;
      attributes['cloudflare.dataset'] = ds.datasetId;
      if (accountId !== undefined) attributes['cloudflare.account.id'] = accountId;
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
    lastAccountId = accountId;
    return resource;
  };

  const out: MappedFields = {
    timeUnixNano: undefined,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: null,
    eventName: '',
    droppedAttributesCount: 0,
    resource: { key: '', attributes: {} },
  };

  const map = (entry: LogEntry): MappedFields => {
    let ds = lastCompiled;
    if (ds === undefined || entry.dataset !== lastDataset) {
      ds = compileDataset(entry.dataset);
      lastDataset = entry.dataset;
      lastCompiled = ds;
    }
    const record = entry.record;
    // without `cookies: true`, no cookie value reaches an attribute or the body, whatever the profile: the
    // semantic profiles skip them field by field (mapFields, flattenObject); the raw profile and the map and
    // original bodies use a copy of the record without them
    const visible =
      state.cookies || (profile !== 'datadog-raw' && bodyMode === 'summary' && ds.schema !== undefined)
        ? record
        : withoutCookies(ds, record);
    b.reset();
    state.dropped = 0;
    state.zoneName = undefined;
    state.zoneId = undefined;
    state.accountId = undefined;

    if (profile === 'datadog-raw') {
      for (const name in visible) {
        const value = visible[name];
        if (value === null || value === '' || value === undefined) continue;
        const rule = ds.rules.get(name);
        if (rule?.action === Action.resourceName) state.zoneName = toJsonTextOrString(value);
        else if (rule?.action === Action.resourceId) state.zoneId = toJsonTextOrString(value);
        else if (rule?.action === Action.resourceAccount) state.accountId = toJsonTextOrString(value);
        b.setKey(DATADOG_RESERVED.has(name.toLowerCase()) ? `cloudflare.${name}` : name, value);
      }
    } else {
      // a dataset the schema does not know has no header rules: map its fields without cookie headers
      mapFields(ds, ds.schema === undefined ? visible : record, state);
      for (const d of ds.derive) {
        if (d === 'http-url') deriveHttpUrl(record, b);
        else if (d === 'firewall-url') deriveFirewallUrl(record, b);
        else deriveWorkers(record, b);
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
      bodyMode === 'original'
        ? visible === record
          ? entry.raw
          : toJsonText(visible)
        : bodyMode === 'map'
          ? visible
          : bodySummary(ds, record, b);

    out.timeUnixNano = timeUnixNano;
    out.observedTimeUnixNano = entry.observedUnixNano;
    out.severityNumber = severity.number;
    out.severityText = severity.text;
    out.body = body;
    out.eventName = ds.eventName;
    out.droppedAttributesCount = state.dropped;
    out.resource = resourceFor(ds, state.zoneName, state.zoneId, state.accountId);
    return out;
  };
  return { builder: b, map };
}

/**
 * Creates the mapping function. It sets `entry.log` (timestamp exact in bigint nanoseconds, observed time,
 * severity, body, event name, attributes, dropped count) and `entry.resource` (shared objects, one per distinct
 * attribute set) from `entry.dataset`, `entry.record`, `entry.timeUnixNano`, `entry.raw` and processor
 * `entry.attributes`, and returns the entry, typed as mapped. Never throws for odd record values; throws
 * TypeError here for invalid options. This is the reference path: `createDirectEncoder` writes the same
 * requests without the per-record objects.
 */
export function createMapper(options: MappingOptions = {}): (entry: LogEntry) => MappedEntry {
  const core = createMappingCore(options);
  const b = core.builder;
  return (entry: LogEntry): MappedEntry => {
    const m = core.map(entry);
    entry.log = {
      timeUnixNano: m.timeUnixNano,
      observedTimeUnixNano: m.observedTimeUnixNano,
      severityNumber: m.severityNumber,
      severityText: m.severityText,
      body: m.body,
      eventName: m.eventName,
      attributes: b.build(),
      droppedAttributesCount: m.droppedAttributesCount,
    };
    entry.resource = m.resource;
    return entry as MappedEntry;
  };
}
