// Record values to OTLP values: emptiness, JSON text with exact bigints, homogeneous arrays, int64 range,
// protocol names, redacted query strings and timestamps as RFC 3339 text.
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, JsonValue } from '@logpush-otel/pipeline';
import { formatRfc3339Nano, toUnixNano } from '@logpush-otel/schema';
import type { Rule } from './compile.ts';

const REDACTED_PARAMS = new Set([
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
]);

export function isEmpty(value: JsonValue | undefined): boolean {
  return value === null || value === '' || value === undefined;
}

/** A JSON text for a nested value (bigints exact). */
export function toJsonText(value: JsonValue): string {
  return JSON.stringify(value, bigintReplacer);
}
export function bigintReplacer(_key: string, value: unknown): unknown {
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

export function valueText(value: JsonValue | undefined): string {
  return value === undefined || value === null ? '' : toJsonTextOrString(value);
}

export function toJsonTextOrString(value: JsonValue): string {
  return typeof value === 'object' && value !== null ? toJsonText(value) : String(value);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** A bigint as an OTLP int when it fits int64, else as its decimal text (never wrapped). */
export function int64OrText(value: bigint): AnyValue {
  return value >= INT64_MIN && value <= INT64_MAX ? value : value.toString();
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

export function timestampText(value: JsonValue, rule: Rule): AnyValue {
  try {
    const nanos = toUnixNano(value, rule.unit);
    return nanos === undefined ? value : formatRfc3339Nano(nanos);
  } catch {
    return value;
  }
}
