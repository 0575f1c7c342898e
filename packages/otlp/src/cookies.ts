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

/** The fields of `ds` that are header maps. */
function headerFieldsOf(ds: CompiledDataset): readonly string[] {
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

/**
 * `record` without its cookie values: cookie fields removed and `cookie` / `set-cookie` entries removed from its
 * header maps. Returns `record` itself (no copy) when it carries none, which is the common case.
 */
export function withoutCookies(ds: CompiledDataset, record: LogpushRecord): LogpushRecord {
  let out: Record<string, JsonValue> | undefined;
  for (const name of COOKIE_FIELDS) {
    if (!(name in record)) continue;
    out ??= { ...record };
    delete out[name];
  }
  for (const name of headerFieldsOf(ds)) {
    const headers = record[name];
    if (!isMap(headers)) continue;
    let kept: Record<string, JsonValue> | undefined;
    for (const header in headers) {
      if (!COOKIE_HEADERS.test(header)) continue;
      kept ??= { ...headers };
      delete kept[header];
    }
    if (kept === undefined) continue;
    out ??= { ...record };
    out[name] = kept;
  }
  return out ?? record;
}
