import { describe, expect, it } from 'vitest';
import { TimestampError, formatRfc3339Nano, toUnixNano } from '../src/index.ts';

const NS = 1_700_000_000_123_456_789n; // 2023-11-14T22:13:20.123456789Z

describe('toUnixNano with unix integers', () => {
  it('reads a 19-digit unixnano string digit for digit', () => {
    expect(toUnixNano('1700000000123456789')).toBe(NS);
    expect(toUnixNano('9223372036854775807')).toBe(9_223_372_036_854_775_807n);
  });

  it('reads bigint nanoseconds unchanged', () => {
    expect(toUnixNano(NS)).toBe(NS);
  });

  it('chooses the unit by magnitude: s, ms, µs, ns', () => {
    expect(toUnixNano(1_700_000_000)).toBe(1_700_000_000_000_000_000n);
    expect(toUnixNano('1700000000')).toBe(1_700_000_000_000_000_000n);
    expect(toUnixNano(1_700_000_000_123)).toBe(1_700_000_000_123_000_000n);
    expect(toUnixNano('1700000000123')).toBe(1_700_000_000_123_000_000n);
    expect(toUnixNano(1_700_000_000_123_456)).toBe(1_700_000_000_123_456_000n);
    expect(toUnixNano('1700000000123456')).toBe(1_700_000_000_123_456_000n);
    expect(toUnixNano(1_700_000_000_123_456_789n)).toBe(NS);
  });

  it('switches units exactly at the documented thresholds (1e11, 1e14, 1e17)', () => {
    expect(toUnixNano(99_999_999_999)).toBe(99_999_999_999_000_000_000n); // s
    expect(toUnixNano(100_000_000_000)).toBe(100_000_000_000_000_000n); // ms
    expect(toUnixNano('99999999999999')).toBe(99_999_999_999_999_000_000n); // ms
    expect(toUnixNano('100000000000000')).toBe(100_000_000_000_000_000n); // µs
    expect(toUnixNano('99999999999999999')).toBe(99_999_999_999_999_999_000n); // µs
    expect(toUnixNano('100000000000000000')).toBe(100_000_000_000_000_000n); // ns
    expect(toUnixNano(99_999_999_999_999_999n)).toBe(99_999_999_999_999_999_000n);
    expect(toUnixNano(100_000_000_000_000_000n)).toBe(100_000_000_000_000_000n);
  });

  it('ignores leading zeros when judging the magnitude of a digit string', () => {
    expect(toUnixNano('0001700000000')).toBe(1_700_000_000_000_000_000n);
  });

  it('uses the given unit instead of the magnitude', () => {
    expect(toUnixNano(5, 'seconds')).toBe(5_000_000_000n);
    expect(toUnixNano('5', 'milliseconds')).toBe(5_000_000n);
    expect(toUnixNano(5n, 'microseconds')).toBe(5_000n);
    expect(toUnixNano('1700000000', 'nanoseconds')).toBe(1_700_000_000n);
    expect(toUnixNano(1_700_000_000_123, 'milliseconds')).toBe(1_700_000_000_123_000_000n);
  });
});

describe('toUnixNano with RFC 3339', () => {
  it('reads second precision with Z (timestamp_format rfc3339)', () => {
    expect(toUnixNano('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000_000_000n);
  });

  it('reads 1 to 9 fractional digits exactly', () => {
    const digits = '123456789';
    for (let n = 1; n <= 9; n++) {
      const frac = digits.slice(0, n);
      const expected = 1_700_000_000_000_000_000n + BigInt(frac.padEnd(9, '0'));
      expect(toUnixNano(`2023-11-14T22:13:20.${frac}Z`)).toBe(expected);
    }
    expect(toUnixNano('2023-11-14T22:13:20.000000001Z')).toBe(1_700_000_000_000_000_001n);
    expect(toUnixNano('2023-11-14T22:13:20.100Z')).toBe(1_700_000_000_100_000_000n);
  });

  it('applies positive, negative and half-hour offsets', () => {
    expect(toUnixNano('2023-11-15T07:43:20+09:30')).toBe(1_700_000_000_000_000_000n);
    expect(toUnixNano('2023-11-14T17:13:20-05:00')).toBe(1_700_000_000_000_000_000n);
    expect(toUnixNano('2023-11-14T17:13:20.123456789-05:00')).toBe(NS);
    expect(toUnixNano('2023-11-14T22:13:20+00:00')).toBe(1_700_000_000_000_000_000n);
    expect(toUnixNano('2023-11-14T22:13:20-00:00')).toBe(1_700_000_000_000_000_000n);
    expect(toUnixNano('2023-11-14T12:58:20-09:15')).toBe(1_700_000_000_000_000_000n);
  });

  it('accepts lower-case t and z and a space separator', () => {
    expect(toUnixNano('2023-11-14t22:13:20z')).toBe(1_700_000_000_000_000_000n);
    expect(toUnixNano('2023-11-14 22:13:20Z')).toBe(1_700_000_000_000_000_000n);
  });

  it('handles day, month, year and leap-day boundaries', () => {
    expect(toUnixNano('2023-12-31T23:59:59.999999999Z')).toBe(1_704_067_199_999_999_999n);
    expect(toUnixNano('2024-01-01T00:00:00Z')).toBe(1_704_067_200_000_000_000n);
    expect(toUnixNano('2024-02-29T12:00:00Z')).toBe(1_709_208_000_000_000_000n);
    expect(toUnixNano('2000-02-29T00:00:00Z')).toBe(951_782_400_000_000_000n);
    expect(toUnixNano('2024-01-01T00:30:00+01:00')).toBe(1_704_065_400_000_000_000n); // previous year in UTC
  });

  it('reads a leap second :60 as the first instant of the next minute', () => {
    expect(toUnixNano('2016-12-31T23:59:60Z')).toBe(toUnixNano('2017-01-01T00:00:00Z'));
    expect(toUnixNano('2016-12-31T23:59:60.5Z')).toBe(1_483_228_800_500_000_000n);
  });

  it('agrees with Date.parse at millisecond precision', () => {
    for (const s of ['1999-12-31T23:59:59.999Z', '2038-01-19T03:14:08Z', '2024-06-30T12:00:00.5+05:45']) {
      expect(toUnixNano(s)).toBe(BigInt(Date.parse(s)) * 1_000_000n);
    }
  });

  it('reads dates before 1970 as negative nanoseconds', () => {
    expect(toUnixNano('1969-12-31T23:59:59.999999999Z')).toBe(-1n);
  });
});

describe('toUnixNano with RFC 1123 header dates', () => {
  it('reads OriginResponseHTTPExpires / LastModified text', () => {
    expect(toUnixNano('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(1_445_412_480_000_000_000n);
    expect(toUnixNano('Thu, 01 Jan 1970 00:00:01 GMT')).toBe(1_000_000_000n);
  });

  it('accepts a one-digit day, no weekday, UTC and numeric zones', () => {
    expect(toUnixNano('Sun, 6 Nov 1994 08:49:37 GMT')).toBe(784_111_777_000_000_000n);
    expect(toUnixNano('06 Nov 1994 08:49:37 GMT')).toBe(784_111_777_000_000_000n);
    expect(toUnixNano('Sun, 06 Nov 1994 08:49:37 UTC')).toBe(784_111_777_000_000_000n);
    expect(toUnixNano('Sun, 06 Nov 1994 09:49:37 +0100')).toBe(784_111_777_000_000_000n);
    expect(toUnixNano('Sun, 06 Nov 1994 03:49:37 -0500')).toBe(784_111_777_000_000_000n);
  });
});

describe('toUnixNano with absent values', () => {
  it('returns undefined for null, undefined, empty string and zero', () => {
    for (const v of [null, undefined, '', 0, 0n, '0', '0000000000000000000']) {
      expect(toUnixNano(v)).toBeUndefined();
    }
  });
});

describe('toUnixNano with invalid values', () => {
  const invalid: unknown[] = [
    'yesterday',
    '-1',
    '12:00',
    ' 1700000000',
    '1700000000 ',
    '17000000001.5',
    '2023-11-14',
    '2023-11-14T22:13:20',
    '2023-11-14T22:13:20.Z',
    '2023-11-14T22:13:20.1234567891Z',
    '2023-11-14T22:13:20+0900',
    '2023-11-14T22:13:20+24:00',
    '2023-11-14T22:13:20Zjunk',
    '2023-13-01T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2023-04-31T00:00:00Z',
    '2023-11-14T24:00:00Z',
    '2023-11-14T22:60:00Z',
    '2023-11-14T22:13:61Z',
    '2023/11/14T22:13:20Z',
    'Wed, 21 Foo 2015 07:28:00 GMT',
    'Wed, 21 Oct 2015 07:28:00 PST',
    'Xyz, 21 Oct 2015 07:28:00 GMT',
    'Wed, 21 Oct 2015 07:28 GMT',
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -5n,
    true,
    {},
    [1700000000],
  ];
  for (const v of invalid) {
    it(`rejects ${typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v)}`, () => {
      let caught: unknown;
      try {
        toUnixNano(v);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TimestampError);
      expect((caught as TimestampError).value).toBe(v);
    });
  }

  it('names the value and what was expected in the message', () => {
    expect(() => toUnixNano('2023-13-01T00:00:00Z')).toThrow(/expected a timestamp.*"2023-13-01T00:00:00Z"/);
    expect(() => toUnixNano('x'.repeat(500))).toThrow(/"x{64}…"$/);
  });
});

describe('formatRfc3339Nano', () => {
  it('prints nine fractional digits in UTC', () => {
    expect(formatRfc3339Nano(NS)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(formatRfc3339Nano(0n)).toBe('1970-01-01T00:00:00.000000000Z');
    expect(formatRfc3339Nano(1n)).toBe('1970-01-01T00:00:00.000000001Z');
    expect(formatRfc3339Nano(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
  });

  it('round-trips rfc3339ns strings digit for digit', () => {
    const samples = [
      '2023-11-14T22:13:20.123456789Z',
      '2024-02-29T23:59:59.999999999Z',
      '2000-01-01T00:00:00.000000000Z',
      '1999-12-31T23:59:59.000000001Z',
      '2100-03-01T00:00:00.500000000Z',
      '9999-12-31T23:59:59.999999999Z',
      '0001-01-01T00:00:00.000000000Z',
    ];
    for (const s of samples) {
      const ns = toUnixNano(s);
      expect(ns).toBeDefined();
      expect(formatRfc3339Nano(ns ?? 0n)).toBe(s);
    }
  });

  it('round-trips every nanosecond value through toUnixNano', () => {
    let x = 1_600_000_000_000_000_000n;
    for (let i = 0; i < 2000; i++) {
      x += 987_654_321_987n + BigInt(i);
      expect(toUnixNano(formatRfc3339Nano(x))).toBe(x);
    }
  });

  it('formats timestamps close in time (same second, alternating seconds, before 1970) like Date does', () => {
    // Independent reference: the milliseconds from Date, the remaining six digits from the bigint itself.
    const viaDate = (ns: bigint): string => {
      const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n);
      const sub = ns - ms * 1_000_000n;
      return `${new Date(Number(ms)).toISOString().slice(0, 23)}${String(sub).padStart(6, '0')}Z`;
    };
    const starts = [1_704_067_199_999_000_000n, -2_000_000_001n, 1_709_251_199_000_000_500n];
    for (const start of starts) {
      let x = start;
      for (let i = 0; i < 3000; i++) {
        // Steps from 1 ns to ~0.9 s, forwards and sometimes back: hits and misses of the per-second prefix.
        x += BigInt((i * 7_919_993) % 900_000_001) * (i % 5 === 4 ? -1n : 1n) + 1n;
        expect(formatRfc3339Nano(x)).toBe(viaDate(x));
      }
    }
    // A record's start and end, the end up to 0.9 s later: alternating between two seconds near a boundary.
    for (let i = 0; i < 2000; i++) {
      const begin = 1_704_067_199_000_000_000n + BigInt(i) * 3_456_789n;
      const finish = begin + BigInt((i * 7_919_993) % 900_000_000);
      expect(formatRfc3339Nano(begin)).toBe(viaDate(begin));
      expect(formatRfc3339Nano(finish)).toBe(viaDate(finish));
    }
    expect(formatRfc3339Nano(999_999_999n)).toBe('1970-01-01T00:00:00.999999999Z');
    expect(formatRfc3339Nano(1_000_000_000n)).toBe('1970-01-01T00:00:01.000000000Z');
  });

  it('refuses years beyond 9999', () => {
    expect(() => formatRfc3339Nano(253_402_300_800_000_000_000n)).toThrow(RangeError);
  });
});
