// Cookie values are personal data: unless the mapping was told `cookies: true`, none leaves the mapper, in any
// profile (datadog-raw copies fields as they are) and any body mode (`map` is the record, `original` the line).
import type { JsonValue, LogpushRecord } from '@logpush-otel/pipeline';
import { Action } from './compile.ts';
import type { CompiledDataset } from './compile.ts';

/** Record fields that hold cookies themselves (http_requests `Cookies`; the other spellings in unknown shapes). */
const COOKIE_FIELDS = ['Cookies', 'Cookie', 'cookies', 'cookie'] as const;
/** Header names that carry cookie values inside a header map (RequestHeaders, ResponseHeaders). */
const COOKIE_HEADERS = /^(?:set-)?cookie2?$/i;

const headerFields = new WeakMap<CompiledDataset, readonly string[]>();

/** The fields of `record` that are header maps: per the tables, or by name (`...Headers`) for unknown datasets. */
function headerFieldsOf(ds: CompiledDataset, record: LogpushRecord): readonly string[] {
  if (ds.schema === undefined) return Object.keys(record).filter((name) => /headers$/i.test(name));
  let fields = headerFields.get(ds);
  if (fields === undefined) {
    fields = [...ds.rules].filter(([, rule]) => rule.action === Action.headers).map(([name]) => name);
    headerFields.set(ds, fields);
  }
  return fields;
}

function isMap(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a header name carries cookie values (`cookie`, `set-cookie`, any case). */
export function isCookieHeader(name: string): boolean {
  return COOKIE_HEADERS.test(name);
}

/** A copy of `object` without the keys `drop` names (built key by key: no `delete`, which slows objects down). */
function without<T>(object: { [key: string]: T }, drop: (key: string) => boolean): { [key: string]: T } {
  const out: { [key: string]: T } = {};
  for (const key in object) if (!drop(key)) out[key] = object[key] as T;
  return out;
}

/**
 * `record` without its cookie values: cookie fields removed and `cookie` / `set-cookie` entries removed from its
 * header maps. Returns `record` itself (no copy) when it carries none.
 */
export function withoutCookies(ds: CompiledDataset, record: LogpushRecord): LogpushRecord {
  let cookieField = false;
  for (const name of COOKIE_FIELDS) if (name in record) cookieField = true;
  let headers: Map<string, JsonValue> | undefined;
  for (const name of headerFieldsOf(ds, record)) {
    const map = record[name];
    if (!isMap(map)) continue;
    let found = false;
    for (const header in map) if (COOKIE_HEADERS.test(header)) found = true;
    if (found) (headers ??= new Map()).set(name, without(map, isCookieHeader));
  }
  if (!cookieField && headers === undefined) return record;
  const out = without(record, (key) => (COOKIE_FIELDS as readonly string[]).includes(key));
  if (headers !== undefined) for (const [name, map] of headers) out[name] = map;
  return out;
}
