// The per-field pass of the mapping: every field of a record through its compiled rule (scalars, arrays, flattened
// objects and headers, methods, protocols, queries, timestamps, zone resource fields), and the derived URLs.
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, JsonValue, LogpushRecord } from '@logpush-otel/pipeline';
import { AttributeBuilder, keyId, staticKeyId } from './attribute-builder.ts';
import { Action, unknownFieldRule } from './compile.ts';
import { isCookieHeader } from './cookies.ts';
import type { CompiledDataset, Rule } from './compile.ts';
import { lokiNormalise } from './keys.ts';
import {
  homogeneousArray,
  int64OrText,
  isEmpty,
  redactQuery,
  splitProtocol,
  timestampText,
  toJsonText,
  toJsonTextOrString,
} from './values.ts';

export const KNOWN_METHODS: ReadonlySet<string> = new Set([
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
/** Mutable per-mapper scratch state (reused for every record: no per-record allocation). */
export interface State {
  readonly b: AttributeBuilder;
  dropped: number;
  zoneName: string | undefined;
  zoneId: string | undefined;
  accountId: string | undefined;
  objectKeyLimit: number;
  cookies: boolean;
}

export const ID = {
  urlScheme: staticKeyId('url.scheme'),
  urlFull: staticKeyId('url.full'),
  urlQuery: staticKeyId('url.query'),
  errorType: staticKeyId('error.type'),
  uid: staticKeyId('log.record.uid'),
  source: staticKeyId('source'),
  timeMissing: staticKeyId('cloudflare.time_missing'),
} as const;

const SEEN = new Set<string>();

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
  // the normalised keys of this object so far (one set reused for every object: flattening does not nest)
  let seen: Set<string> | undefined;
  for (const name in object) {
    const value = object[name];
    if (value === undefined || isEmpty(value)) continue;
    if (headers && !state.cookies && isCookieHeader(name)) continue;
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
    if (seen === undefined) {
      seen = SEEN;
      seen.clear();
    }
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

/** The per-field pass: every field of the record through its compiled rule. */
export function mapFields(ds: CompiledDataset, record: LogpushRecord, state: State): void {
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
      case Action.resourceAccount:
        state.accountId = typeof value === 'string' ? value : toJsonTextOrString(value);
        break;
      case Action.enumValue: {
        const text = typeof value === 'string' ? value : toJsonTextOrString(value);
        b.set(id, rule.values?.get(text.toLowerCase()) ?? text);
        break;
      }
    }
  }
}

/** `url.full`, `url.query` and `url.scheme` of an http_requests record (see docs/mapping.md, "Why": the seed datasets). */
export function deriveHttpUrl(record: LogpushRecord, b: AttributeBuilder): void {
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
export function deriveFirewallUrl(record: LogpushRecord, b: AttributeBuilder): void {
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
