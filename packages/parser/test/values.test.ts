import { describe, expect, it } from 'vitest';
import { parseJsonExact, parseLine } from '@logpush-otel/parser';
import type { ParseOk, ParseResult } from '@logpush-otel/parser';
import { collect, enc, httpLine } from './helpers.ts';

function ok(r: ParseResult): ParseOk {
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

describe('exact integers', () => {
  it('reads EdgeStartTimestamp as unix nanoseconds, digit for digit', () => {
    const r = ok(
      parseLine(
        '{"EdgeStartTimestamp":1700000000123456789,"ClientIP":"192.0.2.1","RayID":"8a","ClientRequestHost":"a.example"}',
        { dataset: 'http_requests' },
      ),
    );
    expect(r.record['EdgeStartTimestamp']).toBe(1700000000123456789n);
    expect(r.timeUnixNano).toBe(1700000000123456789n);
  });

  it('keeps safe integers as numbers and unsafe ones as bigint, at any depth', () => {
    expect(parseJsonExact('{"a":9007199254740991,"b":9007199254740993,"c":-9007199254740993}')).toEqual({
      a: 9007199254740991,
      b: 9007199254740993n,
      c: -9007199254740993n,
    });
    expect(parseJsonExact('{"n":{"x":[1,18446744073709551615]},"t":1700000000000000001}')).toEqual({
      n: { x: [1, 18446744073709551615n] },
      t: 1700000000000000001n,
    });
    expect(parseJsonExact('[12345678901234567890]')).toEqual([12345678901234567890n]);
    expect(parseJsonExact('12345678901234567890')).toBe(12345678901234567890n);
  });

  it('leaves float literals beyond 2^53 as numbers', () => {
    expect(parseJsonExact('{"f":1e20,"g":12345678901234567890.5}')).toEqual({
      f: 1e20,
      g: Number('12345678901234567890.5'),
    });
  });

  it('is not fooled by the same key or digits inside strings', () => {
    const line = '{"note":"\\"t\\":1700000000000000999","t":1700000000000000123}';
    expect(parseJsonExact(line)).toEqual({ note: '"t":1700000000000000999', t: 1700000000000000123n });
    const dup = '{"t":1700000000000000999,"t":1700000000000000123}';
    expect(parseJsonExact(dup)).toEqual({ t: 1700000000000000123n });
    const nested = '{"o":{"t":5},"t":1700000000000000123}';
    expect(parseJsonExact(nested)).toEqual({ o: { t: 5 }, t: 1700000000000000123n });
    const spaced = '{ "t" : 1700000000000000123 }';
    expect(parseJsonExact(spaced)).toEqual({ t: 1700000000000000123n });
    const after = '{"t":1700000000000000123,"o":{"t":1700000000000000999}}';
    expect(parseJsonExact(after)).toEqual({ t: 1700000000000000123n, o: { t: 1700000000000000999n } });
    // The same cases through the record path (which also cuts empty members).
    for (const [text, expected] of [
      [line, { note: '"t":1700000000000000999', t: 1700000000000000123n }],
      [dup, { t: 1700000000000000123n }],
      [nested, { o: { t: 5 }, t: 1700000000000000123n }],
      [spaced, { t: 1700000000000000123n }],
      [after, { t: 1700000000000000123n, o: { t: 1700000000000000999n } }],
      [
        '{"a":"","t":1700000000000000123,"b":null,"f":12345678901234567.5}',
        { t: 1700000000000000123n, f: 12345678901234568 },
      ],
    ] as const) {
      const r = parseLine(text, { dataset: 'unknown' });
      expect(r.ok && r.record).toEqual(expected);
    }
  });

  it('keeps __proto__ as a plain key', () => {
    const v = parseJsonExact('{"__proto__":{"polluted":1},"a":1}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('coercion per schema', () => {
  const base =
    '"ClientIP":"192.0.2.1","ClientRequestHost":"a.example","RayID":"8a1b","EdgeStartTimestamp":1700000000123456789';
  const rec = (fields: string) => ok(parseLine(`{${base},${fields}}`, { dataset: 'http_requests' })).record;

  it('turns int fields given as digit strings into numbers, or bigint when big', () => {
    const r = rec(
      '"EdgeResponseStatus":"404","CacheResponseBytes":"12345678901234567890","ClientSrcPort":443',
    );
    expect(r['EdgeResponseStatus']).toBe(404);
    expect(r['CacheResponseBytes']).toBe(12345678901234567890n);
    expect(r['ClientSrcPort']).toBe(443);
  });

  it('keeps int fields that are not integers as given', () => {
    expect(rec('"EdgeResponseStatus":"n/a"')['EdgeResponseStatus']).toBe('n/a');
    expect(rec('"EdgeResponseStatus":"1.5"')['EdgeResponseStatus']).toBe('1.5');
  });

  it('turns float and bool strings into numbers and booleans', () => {
    const r = rec(
      '"EdgeResponseCompressionRatio":"1.25","CacheReserveUsed":"true","WorkerSubrequest":"false","CacheTieredFill":"yes"',
    );
    expect(r['EdgeResponseCompressionRatio']).toBe(1.25);
    expect(r['CacheReserveUsed']).toBe(true);
    expect(r['WorkerSubrequest']).toBe(false);
    expect(r['CacheTieredFill']).toBe('yes');
  });

  it("keeps 'int or string' fields as given", () => {
    const r = rec('"EdgeEndTimestamp":"2023-11-14T22:13:20Z"');
    expect(r['EdgeEndTimestamp']).toBe('2023-11-14T22:13:20Z');
    expect(rec('"EdgeEndTimestamp":"1700000000123456789"')['EdgeEndTimestamp']).toBe('1700000000123456789');
  });

  it('wraps a scalar where an array is expected, and types array[int] items', () => {
    const r = rec(
      '"SecurityActions":"block","BotDetectionIDs":"42","ContentScanObjSizes":["1","2",3],"SecurityRuleIDs":[]',
    );
    expect(r['SecurityActions']).toEqual(['block']);
    expect(r['BotDetectionIDs']).toEqual([42]);
    expect(r['ContentScanObjSizes']).toEqual([1, 2, 3]);
    expect(r['SecurityRuleIDs']).toEqual([]);
  });

  it('removes null and empty-string members at every depth, known or unknown, keeping array items', () => {
    const r = rec(
      '"EdgeServerIP":"","ZoneName":null,"SomethingNew":null,"AlsoNew":"","RequestHeaders":{"x":"","y":"1"},"Deep":{"a":[{"b":null,"c":2},"",null]}',
    );
    expect('EdgeServerIP' in r).toBe(false);
    expect('ZoneName' in r).toBe(false);
    expect('SomethingNew' in r).toBe(false);
    expect('AlsoNew' in r).toBe(false);
    expect(r['RequestHeaders']).toEqual({ y: '1' });
    expect(r['Deep']).toEqual({ a: [{ c: 2 }, '', null] });
  });

  it('removes empty members however the JSON is spaced or escaped', () => {
    for (const line of [
      '{ "a" : "" , "b":1, "c" :null}',
      '{"\\u0061":"","b":1,"c":null}',
      '{"a":"","b":1,"c":null,"big":{"n":12345678901234567890,"e":""}}',
      '{"c":null,"a":"","b":1}',
      '{ "c":null, "a":"", "b":1, "d":""}',
      '{"b":1, "a":""}',
      '{"b":1,\t"a":"" }',
    ]) {
      const v = parseLine(line, { dataset: 'unknown' });
      if (!v.ok) throw new Error(v.error.message);
      expect(v.record['b']).toBe(1);
      expect('a' in v.record || 'c' in v.record).toBe(false);
    }
    const nested = parseLine('{"b":1,"big":{"n":12345678901234567890,"e":""}}', { dataset: 'unknown' });
    expect(nested.ok && nested.record['big']).toEqual({ n: 12345678901234567890n });
  });

  it('does not touch "":"" or null inside string values', () => {
    const line = '{"q":"x\\":\\"\\",y","r":"{\\"k\\":null}","b":1}';
    const v = parseLine(line, { dataset: 'unknown' });
    expect(v.ok && v.record).toEqual({ q: 'x":"",y', r: '{"k":null}', b: 1 });
  });

  it('keeps unknown fields as they are', () => {
    const r = rec('"BrandNewField":{"a":[1,"2"]},"OtherNew":"17"');
    expect(r['BrandNewField']).toEqual({ a: [1, '2'] });
    expect(r['OtherNew']).toBe('17');
  });
});

describe('event time', () => {
  it('reads every timestamp form of the timestamp field', () => {
    const t = (v: string) =>
      ok(
        parseLine(`{"ClientIP":"192.0.2.1","RayID":"8a","EdgeStartTimestamp":${v}}`, {
          dataset: 'http_requests',
        }),
      ).timeUnixNano;
    expect(t('1700000000123456789')).toBe(1700000000123456789n);
    expect(t('"1700000000123456789"')).toBe(1700000000123456789n);
    expect(t('1700000000')).toBe(1700000000000000000n);
    expect(t('"2023-11-14T22:13:20Z"')).toBe(1700000000000000000n);
    expect(t('"2023-11-14T22:13:20.123456789Z"')).toBe(1700000000123456789n);
    expect(t('"2023-11-14T23:13:20.5+01:00"')).toBe(1700000000500000000n);
    expect(t('null')).toBeUndefined();
    expect(t('""')).toBeUndefined();
    expect(t('0')).toBeUndefined();
  });

  it('uses the unit the schema gives for the timestamp field', () => {
    const r = ok(
      parseLine('{"EventTimestampMs":1700000000123,"Outcome":"ok","ScriptName":"w"}', {
        dataset: 'workers_trace_events',
      }),
    );
    expect(r.timeUnixNano).toBe(1700000000123000000n);
  });

  it('rejects an invalid event timestamp, naming the field', () => {
    const r = parseLine('{"ClientIP":"192.0.2.1","EdgeStartTimestamp":"yesterday"}', {
      dataset: 'http_requests',
      source: 'a.log',
      line: 7,
      offset: 99,
    });
    if (r.ok) throw new Error('expected a failure');
    expect(r.error.code).toBe('invalid-timestamp');
    expect(r.error.field).toBe('EdgeStartTimestamp');
    expect(r.error.excerpt).toBe('yesterday');
    expect(r.error.message).toMatch(
      /^a\.log:7 \(byte 99\): http_requests: expected a timestamp.* \[field EdgeStartTimestamp\]: yesterday$/,
    );
  });

  it('gives unknown records the time of a timestamp-like field, if any', () => {
    expect(
      ok(parseLine('{"Timestamp":"2023-11-14T22:13:20Z","x":1}', { dataset: 'unknown' })).timeUnixNano,
    ).toBe(1700000000000000000n);
    expect(ok(parseLine('{"Timestamp":"soon","x":1}', { dataset: 'unknown' })).timeUnixNano).toBeUndefined();
    expect(ok(parseLine('{"x":1}', { dataset: 'unknown' })).timeUnixNano).toBeUndefined();
  });
});

describe('datasets', () => {
  it('accepts dataset aliases', () => {
    expect(ok(parseLine(httpLine(1), { dataset: 'Cloudflare.HttpRequest' })).dataset).toBe('http_requests');
  });

  it('detects the dataset from the first record, and again for a record whose fields do not fit it', async () => {
    const text = `${httpLine(1)}\n{"Datetime":"2023-11-14T22:13:20Z","Action":"block","RuleID":"r1","Source":"firewallrules","ClientIP":"192.0.2.1"}\n`;
    const { ok: records } = await collect(enc(text));
    expect(records.map((r) => r.dataset)).toEqual(['http_requests', 'firewall_events']);
    // the firewall record keeps its own event time (Datetime), which http_requests does not have
    expect(records[1]?.timeUnixNano).toBe(1700000000000000000n);
    const firewall = await collect(enc(text.split('\n').reverse().join('\n')));
    expect(firewall.ok[0]?.dataset).toBe('firewall_events');
  });

  it('rejects an unknown dataset name as a programming error', () => {
    expect(() => parseLine('{}', { dataset: 'no_such_dataset' })).toThrow(RangeError);
  });
});

describe('bad lines', () => {
  it('reports invalid JSON and non-objects, and never affects neighbours', async () => {
    const text = `${httpLine(1)}\n{"broken":\n[1,2]\n"text"\n42\nnull\n${httpLine(2)}\n`;
    const { results } = await collect(enc(text), { format: 'ndjson', source: 'b.log' });
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'invalid-json',
      'not-an-object',
      'not-an-object',
      'not-an-object',
      'not-an-object',
      'ok',
    ]);
    const second = results[1];
    if (second?.ok !== false) throw new Error('expected a failure');
    expect(second.error).toMatchObject({
      source: 'b.log',
      line: 2,
      offset: httpLine(1).length + 1,
      raw: '{"broken":',
    });
    expect(
      second.error.message.startsWith(`b.log:2 (byte ${httpLine(1).length + 1}): expected a JSON object`),
    ).toBe(true);
  });

  it('truncates excerpts to 200 characters', () => {
    const r = parseLine(`{"x":"${'a'.repeat(500)}`);
    if (r.ok) throw new Error('expected a failure');
    expect(r.error.excerpt).toHaveLength(200);
    expect(r.error.raw).toHaveLength(506);
  });

  it('parseLine reports a blank line and strips a trailing newline', () => {
    expect(parseLine('  ').ok).toBe(false);
    expect(ok(parseLine(`${httpLine(3)}\r\n`)).raw).toBe(httpLine(3));
  });
});

describe('datasets of a mixed stream', () => {
  it('keeps records with a field newer than the catalogue in their dataset, and still spots a foreign record', async () => {
    const extra = (n: number): string => httpLine(n).replace(/^\{/, '{"SomeFieldNotInTheCatalogue":"x",');
    const firewall =
      '{"Datetime":"2023-11-14T22:13:20Z","Action":"block","RuleID":"r1","Source":"firewallrules","ClientIP":"192.0.2.1"}';
    const { ok } = await collect(enc(`${extra(1)}\n${extra(2)}\n${firewall}\n${extra(3)}\n`));
    expect(ok.map((r) => r.dataset)).toEqual([
      'http_requests',
      'http_requests',
      'firewall_events',
      'http_requests',
    ]);
    expect(typeof ok[3]?.timeUnixNano).toBe('bigint'); // read as http_requests again: EdgeStartTimestamp
    expect(ok[3]?.record['SomeFieldNotInTheCatalogue']).toBe('x');
  });
});
