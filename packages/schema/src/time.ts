// Exact time: Logpush timestamps to bigint unix nanoseconds and back, with integer arithmetic only.
// No Date, no floating point for fractions: '...20.123456789Z' comes back digit for digit.

/** A unit of an integer timestamp. */
export type TimeUnit = 'nanoseconds' | 'microseconds' | 'milliseconds' | 'seconds';

/** Thrown by {@link toUnixNano} for a value that is present but not a timestamp; `value` is the input. */
export class TimestampError extends Error {
  readonly value: unknown;
  constructor(value: unknown, reason: string) {
    super(`${reason}, got ${describe(value)}`);
    this.name = 'TimestampError';
    this.value = value;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

const EXPECTED =
  'expected a timestamp: unix integer (ns, µs, ms or s), RFC 3339 date-time or RFC 1123 date (Wed, 21 Oct 2015 07:28:00 GMT)';

const NS_PER_S = 1_000_000_000n;
const factors: Readonly<Record<TimeUnit, bigint>> = {
  nanoseconds: 1n,
  microseconds: 1_000n,
  milliseconds: 1_000_000n,
  seconds: NS_PER_S,
};

/**
 * The unit of a unix integer from its number of significant digits (equivalently its magnitude):
 * ≥ 18 digits (≥ 1e17) nanoseconds, 15–17 (≥ 1e14) microseconds, 12–14 (≥ 1e11) milliseconds, ≤ 11 seconds.
 * Every unit is read right from March 1973 to the year 5138 (2286 for nanoseconds in 19 digits).
 */
export function unitForDigits(significantDigits: number): TimeUnit {
  if (significantDigits >= 18) return 'nanoseconds';
  if (significantDigits >= 15) return 'microseconds';
  if (significantDigits >= 12) return 'milliseconds';
  return 'seconds';
}

function factorForNumber(v: number): bigint {
  if (v >= 1e17) return 1n;
  if (v >= 1e14) return 1_000n;
  if (v >= 1e11) return 1_000_000n;
  return NS_PER_S;
}

function factorForBigint(v: bigint): bigint {
  if (v >= 100_000_000_000_000_000n) return 1n;
  if (v >= 100_000_000_000_000n) return 1_000n;
  if (v >= 100_000_000_000n) return 1_000_000n;
  return NS_PER_S;
}

/**
 * Converts a Logpush timestamp to bigint unix nanoseconds.
 *
 * - Absent (returns undefined): null, undefined, '', 0, 0n, '0' (and any all-zero digit string).
 * - Integers (number or bigint, not negative) and digit strings: the unit is `unit` when given, otherwise chosen by
 *   magnitude (see {@link unitForDigits}). A number above 2^53 has already lost digits: pass such values as bigint
 *   or digit strings.
 * - RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|±HH:MM)` (`T` may be `t` or a space, `Z` may be `z`).
 *   A leap second (`:60`) is read as the first instant of the next minute, as POSIX time has no leap seconds.
 * - RFC 1123 date as in OriginResponseHTTPExpires: `Wed, 21 Oct 2015 07:28:00 GMT` (weekday optional and not
 *   cross-checked; zone GMT, UT, UTC, Z or ±HHMM).
 *
 * @throws TimestampError for anything else (naming the value).
 */
export function toUnixNano(value: unknown, unit?: TimeUnit): bigint | undefined {
  if (typeof value === 'string') {
    const n = value.length;
    if (n === 0) return undefined;
    // Fast path: a digit string (unixnano in CSV or a pre-extracted JSON integer).
    let i = 0;
    let c = value.charCodeAt(0);
    if (c >= 48 && c <= 57) {
      let firstNonZero = -1;
      for (; i < n; i++) {
        c = value.charCodeAt(i);
        if (c < 48 || c > 57) break;
        if (firstNonZero < 0 && c !== 48) firstNonZero = i;
      }
      if (i === n) {
        if (firstNonZero < 0) return undefined;
        const factor = unit === undefined ? factors[unitForDigits(n - firstNonZero)] : factors[unit];
        return factor === 1n ? BigInt(value) : BigInt(value) * factor;
      }
      if (i === 4 && c === 45 /* - */) return parseRfc3339(value);
    }
    return parseRfc1123(value);
  }
  if (typeof value === 'number') {
    if (value === 0) return undefined;
    if (!Number.isInteger(value) || value < 0)
      throw new TimestampError(value, `${EXPECTED} (non-negative integer)`);
    const factor = unit === undefined ? factorForNumber(value) : factors[unit];
    return BigInt(value) * factor;
  }
  if (typeof value === 'bigint') {
    if (value === 0n) return undefined;
    if (value < 0n) throw new TimestampError(value, `${EXPECTED} (non-negative integer)`);
    return value * (unit === undefined ? factorForBigint(value) : factors[unit]);
  }
  if (value === null || value === undefined) return undefined;
  throw new TimestampError(value, EXPECTED);
}

// A digit at s[i] as 0-9, or a large negative number so that any sum or product containing it stays negative.
function dig(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1_000_000;
}
function two(s: string, i: number): number {
  return dig(s, i) * 10 + dig(s, i + 1);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}
const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysIn(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : (monthDays[m - 1] ?? 0);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, m: number, d: number): number {
  const y = m <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function toNano(
  value: string,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  frac: number,
  offsetSeconds: number,
): bigint {
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 60)
    throw new TimestampError(value, `${EXPECTED} (date or time out of range)`);
  const seconds = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offsetSeconds;
  const ns = BigInt(seconds) * NS_PER_S;
  return frac === 0 ? ns : ns + BigInt(frac);
}

const fracScale = [0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

function parseRfc3339(v: string): bigint {
  const n = v.length;
  const y = dig(v, 0) * 1000 + dig(v, 1) * 100 + two(v, 2);
  const mo = two(v, 5);
  const d = two(v, 8);
  const sep = v.charCodeAt(10);
  const h = two(v, 11);
  const mi = two(v, 14);
  const s = two(v, 17);
  if (
    n < 20 ||
    y < 0 ||
    mo < 0 ||
    d < 0 ||
    h < 0 ||
    mi < 0 ||
    s < 0 ||
    v.charCodeAt(7) !== 45 ||
    (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32) ||
    v.charCodeAt(13) !== 58 ||
    v.charCodeAt(16) !== 58
  )
    throw new TimestampError(v, EXPECTED);
  let i = 19;
  let frac = 0;
  if (v.charCodeAt(i) === 46 /* . */) {
    const start = ++i;
    while (i < n && i - start < 10) {
      const c = v.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      frac = frac * 10 + c;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 9)
      throw new TimestampError(v, `${EXPECTED} (1 to 9 fractional second digits)`);
    frac *= fracScale[digits] ?? 1;
  }
  const z = v.charCodeAt(i);
  let offset = 0;
  if (z === 90 /* Z */ || z === 122 /* z */) {
    if (i + 1 !== n) throw new TimestampError(v, EXPECTED);
  } else if (z === 43 /* + */ || z === 45 /* - */) {
    const oh = two(v, i + 1);
    const om = two(v, i + 4);
    if (i + 6 !== n || oh < 0 || om < 0 || oh > 23 || om > 59 || v.charCodeAt(i + 3) !== 58)
      throw new TimestampError(v, `${EXPECTED} (offset Z or ±HH:MM)`);
    offset = (z === 43 ? 1 : -1) * (oh * 3600 + om * 60);
  } else {
    throw new TimestampError(v, `${EXPECTED} (offset Z or ±HH:MM)`);
  }
  return toNano(v, y, mo, d, h, mi, s, frac, offset);
}

const weekdays = new Set(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
const months = new Map(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [
    m,
    i + 1,
  ]),
);

function parseRfc1123(v: string): bigint {
  let i = 0;
  if (v.charCodeAt(3) === 44 /* , */) {
    if (!weekdays.has(v.slice(0, 3)) || v.charCodeAt(4) !== 32) throw new TimestampError(v, EXPECTED);
    i = 5;
  }
  let d = dig(v, i);
  if (v.charCodeAt(i + 1) !== 32) {
    d = d * 10 + dig(v, i + 1);
    i++;
  }
  i++;
  const mo = months.get(v.slice(i + 1, i + 4));
  const y = dig(v, i + 5) * 1000 + dig(v, i + 6) * 100 + two(v, i + 7);
  const h = two(v, i + 10);
  const mi = two(v, i + 13);
  const s = two(v, i + 16);
  if (
    d < 0 ||
    mo === undefined ||
    y < 0 ||
    h < 0 ||
    mi < 0 ||
    s < 0 ||
    v.charCodeAt(i) !== 32 ||
    v.charCodeAt(i + 4) !== 32 ||
    v.charCodeAt(i + 9) !== 32 ||
    v.charCodeAt(i + 12) !== 58 ||
    v.charCodeAt(i + 15) !== 58 ||
    v.charCodeAt(i + 18) !== 32
  )
    throw new TimestampError(v, EXPECTED);
  const zone = v.slice(i + 19);
  let offset = 0;
  if (zone === 'GMT' || zone === 'UTC' || zone === 'UT' || zone === 'Z') {
    // UTC: offset stays 0
  } else if (zone.length === 5 && (zone[0] === '+' || zone[0] === '-')) {
    const oh = two(zone, 1);
    const om = two(zone, 3);
    if (oh < 0 || om < 0 || oh > 23 || om > 59)
      throw new TimestampError(v, `${EXPECTED} (zone GMT or ±HHMM)`);
    offset = (zone[0] === '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else throw new TimestampError(v, `${EXPECTED} (zone GMT or ±HHMM)`);
  return toNano(v, y, mo, d, h, mi, s, 0, offset);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * Formats bigint unix nanoseconds as RFC 3339 in UTC with exactly nine fractional digits
 * ('2023-11-14T22:13:20.123456789Z'). Inverse of {@link toUnixNano} for such strings.
 * @throws RangeError outside the years 0000–9999.
 */
export function formatRfc3339Nano(unixNano: bigint): string {
  let secs = unixNano / NS_PER_S;
  let rem = unixNano % NS_PER_S;
  if (rem < 0n) {
    rem += NS_PER_S;
    secs -= 1n;
  }
  const total = Number(secs);
  const days = Math.floor(total / 86400);
  const sod = total - days * 86400;
  // civil_from_days (H. Hinnant)
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 0 || y > 9999)
    throw new RangeError(`cannot format ${unixNano} ns as RFC 3339: year ${y} is outside 0000-9999`);
  const h = Math.floor(sod / 3600);
  const mi = Math.floor((sod % 3600) / 60);
  const s = sod % 60;
  const frac = rem.toString().padStart(9, '0');
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}.${frac}Z`;
}
