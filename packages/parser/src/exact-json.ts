// Lossless JSON: JSON.parse for speed, then an exact fix-up for integers beyond 2^53.
//
// The common Logpush line carries one or two 19-digit timestamps at the top level. JSON.parse rounds them; we
// find the literal again by its key (`"Key":` preceded by `{`, `,` or whitespace can only be a key outside any
// string in valid JSON, since a quote inside a string is always escaped) and re-read its digits as a bigint.
// Anything less clear-cut (a big integer nested in an array or object, a key that occurs twice, a key needing
// escapes) re-parses the line with a reviver that reads each number's source text: exact, but ~6x slower.

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INTEGER = /^-?\d+$/;

/** A key we can find verbatim as `"key":`: no quote, backslash or control character; not starting with JSON punctuation. */
function isPlainKey(key: string): boolean {
  if (key.length === 0) return false;
  const first = key.charCodeAt(0);
  if (
    first === 0x3a ||
    first === 0x2c ||
    first === 0x7b ||
    first === 0x7d ||
    first === 0x5b ||
    first === 0x5d ||
    first <= 0x20
  )
    return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function isUnsafe(v: number): boolean {
  return v > MAX_SAFE || v < -MAX_SAFE;
}

/** Reviver that turns integer literals beyond 2^53 into bigint using the source text. */
function reviveExact(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (
    typeof value === 'number' &&
    isUnsafe(value) &&
    context?.source !== undefined &&
    INTEGER.test(context.source)
  )
    return BigInt(context.source);
  return value;
}

/** Parses with source-text access: every unsafe integer literal becomes a bigint. */
export function parseJsonWithReviver(text: string): unknown {
  return JSON.parse(text, reviveExact);
}

/** True when `v` holds (at any depth) a number beyond ±2^53. */
function hasUnsafe(v: unknown): boolean {
  if (typeof v === 'number') return isUnsafe(v);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    for (const item of v) if (hasUnsafe(item)) return true;
    return false;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) if (hasUnsafe(o[k])) return true;
  return false;
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Re-reads the integer literal of top-level `key` in `text`. Returns the bigint, `null` when the literal is not a
 * plain integer (a float like `1e20`: keep the number), or `undefined` when it cannot be located unambiguously.
 */
function sourceInteger(text: string, key: string, parsed: number): bigint | null | undefined {
  if (!isPlainKey(key)) return undefined;
  const needle = `"${key}":`;
  const at = text.indexOf(needle);
  if (at < 0 || text.indexOf(needle, at + 1) >= 0) return undefined;
  const before = at === 0 ? -1 : text.charCodeAt(at - 1);
  if (before !== 0x7b /* { */ && before !== 0x2c /* , */ && !isJsonSpace(before)) return undefined;
  let i = at + needle.length;
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
  const start = i;
  if (text.charCodeAt(i) === 0x2d /* - */) i++;
  const digitsStart = i;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  if (i === digitsStart) return undefined;
  const next = text.charCodeAt(i);
  if (next === 0x2e /* . */ || next === 0x65 /* e */ || next === 0x45 /* E */) return null;
  const exact = BigInt(text.slice(start, i));
  return Number(exact) === parsed ? exact : undefined;
}

/**
 * Parses one JSON text exactly: integers beyond ±2^53 come out as bigint, everything else as JSON.parse gives
 * it. Throws SyntaxError on invalid JSON (like JSON.parse).
 */
export function parseJsonExact(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'number' && isUnsafe(value) ? parseJsonWithReviver(text) : value;
  }
  if (Array.isArray(value)) return hasUnsafe(value) ? parseJsonWithReviver(text) : value;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (typeof v === 'number') {
      if (!isUnsafe(v)) continue;
      const exact = sourceInteger(text, key, v);
      if (exact === undefined) return parseJsonWithReviver(text);
      if (exact !== null) record[key] = exact;
    } else if (typeof v === 'object' && v !== null && hasUnsafe(v)) {
      return parseJsonWithReviver(text);
    }
  }
  return record;
}
