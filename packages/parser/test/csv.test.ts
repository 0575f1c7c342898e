import { describe, expect, it } from 'vitest';
import { parseLine } from '@logpush-otel/parser';
import { chunked, collect, enc } from './helpers.ts';

const header =
  'ClientIP,ClientRequestHost,ClientRequestMethod,EdgeResponseStatus,EdgeStartTimestamp,RayID,SecurityActions,ZoneName';
const row1 =
  '"192.0.2.1","example.com","GET",200,1700000000123456789,"8a1b2c3d4e5f6a7b","[""block"",""log""]","007"';
const row2 = '"192.0.2.2","say ""hi"", friend","POST",,1700000000123456790,"8a1b2c3d4e5f6a7c",,"example.com"';

describe('CSV', () => {
  it('reads CSV with a header line, typing values per schema and keeping big integers exact', async () => {
    const { ok, failures, summary } = await collect(enc(`${header}\n${row1}\n${row2}\n`), {
      source: 'x.csv',
    });
    expect(failures).toEqual([]);
    expect(ok.map((r) => r.line)).toEqual([2, 3]);
    expect(ok[0]?.dataset).toBe('http_requests');
    expect(ok[0]?.record).toEqual({
      ClientIP: '192.0.2.1',
      ClientRequestHost: 'example.com',
      ClientRequestMethod: 'GET',
      EdgeResponseStatus: 200,
      EdgeStartTimestamp: 1700000000123456789n,
      RayID: '8a1b2c3d4e5f6a7b',
      SecurityActions: ['block', 'log'],
      ZoneName: '007',
    });
    expect(ok[0]?.timeUnixNano).toBe(1700000000123456789n);
    expect(ok[1]?.record['ClientRequestHost']).toBe('say "hi", friend');
    expect('EdgeResponseStatus' in (ok[1]?.record ?? {})).toBe(false);
    expect('SecurityActions' in (ok[1]?.record ?? {})).toBe(false);
    expect(summary.lines).toBe(3);
  });

  it('reads CSV without header given the field names (Logpush field_names)', async () => {
    const names = header.split(',');
    const { ok } = await collect(chunked(enc(`${row1}\r\n${row2}`), 17), {
      fieldNames: names,
      dataset: 'http_requests',
    });
    expect(ok.map((r) => r.line)).toEqual([1, 2]);
    expect(ok[1]?.record['EdgeStartTimestamp']).toBe(1700000000123456790n);
    const one = parseLine(row1, { fieldNames: names });
    expect(one.ok && one.record['EdgeStartTimestamp']).toBe(1700000000123456789n);
  });

  it('reads a quoted digit-string timestamp exactly', async () => {
    const { ok } = await collect(
      enc(
        `EdgeStartTimestamp,ClientIP,RayID,ClientRequestHost\n"1700000000123456789","192.0.2.1","8a","h"\n`,
      ),
    );
    expect(ok[0]?.record['EdgeStartTimestamp']).toBe('1700000000123456789');
    expect(ok[0]?.timeUnixNano).toBe(1700000000123456789n);
  });

  it('rejects rows with the wrong number of fields or broken quotes, alone', async () => {
    const text = `${header}\n"only","three",1\n"192.0.2.9","unterminated,"GET",200,1,"r","","z"\n"a"b,1,2,3,4,5,6,7\n${row1}\n`;
    const { results } = await collect(enc(text));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'invalid-csv',
      'invalid-csv',
      'invalid-csv',
      'ok',
    ]);
    const first = results[0];
    if (first?.ok !== false) throw new Error('expected a failure');
    expect(first.error.reason).toBe('expected 8 CSV fields (the header or fieldNames), found 3');
  });

  it('reads the header from line 1 when resuming later in the file', async () => {
    const text = `${header}\n${row1}\n${row2}\n`;
    const offset = header.length + 1 + row1.length + 1;
    const { ok } = await collect(chunked(enc(text), 5), { resumeFrom: { offset, line: 2 } });
    expect(ok.map((r) => [r.line, r.record['ClientIP']])).toEqual([[3, '192.0.2.2']]);
  });

  it('needs field names to read a CSV line on its own', () => {
    const r = parseLine(row1, { format: 'csv' });
    expect(!r.ok && r.error.code).toBe('invalid-csv');
  });
});

describe('CSV without a header line', () => {
  const row = '1700000000123456789,97.80.7.63,8a1b,example.com,200';

  it('refuses a first data row as the header, naming field_names, and refuses every later line', async () => {
    const { ok, failures, summary } = await collect(enc(`${row}\n${row}\n`), { source: 'x.csv' });
    expect(ok).toEqual([]);
    expect(summary.failed).toBe(2);
    expect(failures[0]?.error.code).toBe('invalid-csv');
    expect(failures[0]?.error.reason).toMatch(
      /^expected a CSV header line of field names: the first line is not a CSV header of field names \("1700000000123456789", "97\.80\.7\.63", "8a1b"\); Logpush CSV has no header line unless the job adds one: give the job's field_names/,
    );
    expect(failures[1]?.error.reason).toMatch(/^expected CSV field names: .*field_names/);
    expect(failures.map((f) => f.error.raw)).toEqual([row, row]); // kept whole, for dead letters
  });

  it('refuses a header of words that are not Logpush fields, and accepts one that is', async () => {
    const words = await collect(enc('name,address,city\nann,1 main st,paris\n'));
    expect(words.ok).toEqual([]);
    expect(words.failures[0]?.error.reason).toMatch(
      /not fields of any Logpush dataset \("name", "address", "city"\)/,
    );
    const real = await collect(
      enc('EdgeStartTimestamp,ClientIP,RayID,ClientRequestHost,EdgeResponseStatus\n' + `${row}\n`),
    );
    expect(real.failures).toEqual([]);
    expect(real.ok[0]?.timeUnixNano).toBe(1700000000123456789n);
  });

  it('reads header-less rows with the job field_names', async () => {
    const names = ['EdgeStartTimestamp', 'ClientIP', 'RayID', 'ClientRequestHost', 'EdgeResponseStatus'];
    const { ok } = await collect(enc(`${row}\n`), { fieldNames: names, dataset: 'http_requests' });
    expect(ok[0]?.record['ClientIP']).toBe('97.80.7.63');
    expect(ok[0]?.dataset).toBe('http_requests');
  });
});
