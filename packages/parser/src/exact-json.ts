// Lossless JSON: JSON.parse for speed, then an exact fix-up for integers beyond 2^53.
//
// The common Logpush line carries one or two 19-digit timestamps at the top level. JSON.parse rounds them; we
// find the literal again by its member name (`"Key":` whose opening quote follows `{`, `,` or a blank can only be
// a member name outside any string in valid JSON, since a quote inside a string is always escaped) and re-read
// its digits as a bigint. With duplicate names the last occurrence is used, as JSON.parse keeps the last value.
// Anything less clear-cut (a big integer nested in an array or object, a name needing escapes, a float literal
// beyond 2^53) re-parses the line with a reviver that reads each number's source text: exact, but ~6x slower.
//
// Record lines also lose their null and '' object members here (cut from the text before JSON.parse, which is
// cheaper than deleting properties afterwards), in the same single regex pass that finds the long integers.

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

/** `value`, or a bigint read from its source text when it is an integer literal beyond 2^53. */
function exactNumber(value: unknown, context: { source?: string } | undefined): unknown {
  if (
    typeof value === 'number' &&
    isUnsafe(value) &&
    context?.source !== undefined &&
    INTEGER.test(context.source)
  )
    return BigInt(context.source);
  return value;
}

/** Reviver that turns integer literals beyond 2^53 into bigint using the source text. */
function reviveExact(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  return exactNumber(value, context);
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
  // The last occurrence: with duplicate keys JSON.parse keeps the last value. A `"key":` after `{`, `,` or a
  // blank is a member name outside any string; if it is a nested member rather than the top-level one, its value
  // differs (checked below) or is itself unsafe (then the caller's nested check re-parses exactly).
  const needle = `"${key}":`;
  const at = text.lastIndexOf(needle);
  if (at < 0) return undefined;
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
  return fixTopLevel(value as Record<string, unknown>, text) ? value : parseJsonWithReviver(text);
}

/** Re-reads unsafe top-level integers from `text`; false when only a full exact re-parse can be sure. */
function fixTopLevel(record: Record<string, unknown>, text: string): boolean {
  for (const key in record) {
    const v = record[key];
    if (typeof v === 'number') {
      if (!isUnsafe(v)) continue;
      const exact = sourceInteger(text, key, v);
      if (exact === undefined) return false;
      if (exact !== null) record[key] = exact;
    } else if (typeof v === 'object' && v !== null && hasUnsafe(v)) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Records: exact integers, and object members whose value is null or '' removed (at any depth; array items kept).

/** Reviver for records: exact integers, and null or '' object members dropped. */
function reviveRecord(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if ((value === null || value === '') && !Array.isArray(this)) return undefined;
  return exactNumber(value, context);
}

/** One pass over a record line: `"key":""`, `"key":null` and `"key":<16+ digits>` candidates. */
const SCAN = /":(?:""[,}]|null[,}]|-?\d{16,}[,}])/g;

/**
 * Start of the member name whose closing quote is at `p`, when it is certainly a member name outside any string:
 * no escape involved, the opening quote follows `{`, `,` or a blank, and the name does not start with JSON
 * punctuation (which could make the quote a closing one). -1 otherwise.
 */
function memberNameStart(text: string, p: number): number {
  if (text.charCodeAt(p - 1) === 0x5c /* \ */) return -1;
  let q = p - 1;
  while (q > 0 && text.charCodeAt(q) !== 0x22) q--;
  if (q < 1 || q + 1 === p) return -1;
  const first = text.charCodeAt(q + 1);
  if (first === 0x2c || first === 0x3a || first === 0x7d || first === 0x5d || first <= 0x20) return -1;
  const before = text.charCodeAt(q - 1);
  if (before !== 0x7b && before !== 0x2c && !isJsonSpace(before)) return -1;
  return q;
}

/**
 * Positions of the closing quote of member names whose value is an integer of 16+ digits, from the last
 * {@link scanLine}. Shared scratch (parsing is synchronous and scanLine is not re-entered): no allocation per line.
 */
const bigAt: number[] = [];

/**
 * Removes `"key":""` and `"key":null` members from compact JSON text before parsing (deleting properties after
 * JSON.parse costs about as much as parsing: V8 turns the object into a dictionary), and notes in {@link bigAt}
 * where long integer literals are. Only members that are certainly members are cut (see {@link memberNameStart});
 * anything else is left for the clean-up after parsing. Uses `test` and `lastIndex` (no match arrays).
 */
function scanLine(text: string): string {
  let out = '';
  let from = 0;
  bigAt.length = 0;
  SCAN.lastIndex = 0;
  while (SCAN.test(text)) {
    // `after` is the `,` or `}` that ends the match.
    const after = SCAN.lastIndex - 1;
    const last = text.charCodeAt(after - 1);
    let p: number;
    if (last === 0x22 /* "" */) p = after - 4;
    else if (last === 0x6c /* null */) p = after - 6;
    else {
      let d = after - 1;
      while (text.charCodeAt(d) !== 0x3a /* : */) d--;
      bigAt.push(d - 1);
      continue;
    }
    if (p < from) continue;
    const q = memberNameStart(text, p);
    if (q < 0) continue;
    const before = text.charCodeAt(q - 1);
    if (before === 0x2c && q - 1 >= from) {
      // `,"k":""` → `` (the comma before goes with the member)
      out += text.slice(from, q - 1);
      from = after;
    } else if (before === 0x2c || before === 0x7b) {
      // First member, or the comma before was cut with the previous member: `"k":"",` → ``
      out += text.slice(from, q);
      from = text.charCodeAt(after) === 0x2c ? after + 1 : after;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/** The exact integer of top-level member `key` from the scan, or undefined when it cannot be located surely. */
function bigMember(text: string, key: string, parsed: number): bigint | undefined {
  // The last occurrence: with duplicate keys JSON.parse keeps the last value. A nested member of the same name
  // has a different value (checked below) or is itself unsafe (then the caller re-parses exactly).
  for (let i = bigAt.length - 1; i >= 0; i--) {
    const p = bigAt[i] ?? 0;
    const q = memberNameStart(text, p);
    if (q < 0 || p - q - 1 !== key.length || !text.startsWith(key, q + 1)) continue;
    let e = p + 2;
    if (text.charCodeAt(e) === 0x2d) e++;
    while (e < text.length) {
      const c = text.charCodeAt(e);
      if (c < 0x30 || c > 0x39) break;
      e++;
    }
    const exact = BigInt(text.slice(p + 2, e));
    return Number(exact) === parsed ? exact : undefined;
  }
  return undefined;
}

/**
 * Walks a nested value: removes null and '' members of objects (at any depth) and reports whether a number
 * beyond ±2^53 is present (then the caller re-parses exactly).
 */
function cleanNested(v: unknown): boolean {
  if (typeof v === 'number') return isUnsafe(v);
  if (typeof v !== 'object' || v === null) return false;
  let unsafe = false;
  if (Array.isArray(v)) {
    for (const item of v) if (cleanNested(item)) unsafe = true;
    return unsafe;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (x === null || x === '') delete o[k];
    else if (typeof x === 'object' || typeof x === 'number') {
      if (cleanNested(x)) unsafe = true;
    }
  }
  return unsafe;
}

/**
 * Parses one record line: like {@link parseJsonExact}, and object members whose value is null or '' are removed
 * at every depth (array items are kept). Throws SyntaxError on invalid JSON, with the original text's message.
 */
export function parseRecordJson(text: string): unknown {
  const scanned = scanLine(text);
  let value: unknown;
  try {
    value = JSON.parse(scanned) as unknown;
  } catch (e) {
    if (scanned === text) throw e;
    // Should the cut ever break valid JSON, the original decides (and the clean-up below removes the members).
    value = JSON.parse(text) as unknown;
  }
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'number' && isUnsafe(value) ? parseJsonWithReviver(text) : value;
  }
  if (Array.isArray(value)) return cleanNested(value) ? parseRecordWithReviver(text) : value;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (typeof v === 'number') {
      if (!isUnsafe(v)) continue;
      const exact = bigMember(text, key, v);
      if (exact === undefined) return parseRecordWithReviver(text);
      record[key] = exact;
    } else if (typeof v === 'object') {
      if (v === null) delete record[key];
      else if (cleanNested(v)) return parseRecordWithReviver(text);
    } else if (v === '') {
      delete record[key];
    }
  }
  return record;
}

/** How often a record line needed the slow exact re-parse (for tests that guard the fast path). */
export const slowPathStats = { reparses: 0 };

function parseRecordWithReviver(text: string): unknown {
  slowPathStats.reparses++;
  return JSON.parse(text, reviveRecord);
}
