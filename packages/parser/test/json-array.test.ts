import { describe, expect, it } from 'vitest';
import { parseLine } from '@logpush-otel/parser';
import { collect, enc, httpLine } from './helpers.ts';

describe('JSON array documents (batch_prefix [, record_delimiter , and batch_suffix ])', () => {
  it('reads one record per line with the array punctuation around them', async () => {
    for (const text of [
      `[${httpLine(1)},\n${httpLine(2)},\n${httpLine(3)}]\n`,
      `[\n${httpLine(1)}\n,${httpLine(2)}\n,${httpLine(3)}\n]\n`,
      `[\n${httpLine(1)},\n${httpLine(2)},\n${httpLine(3)}\n]`,
    ]) {
      const { ok, failures } = await collect(enc(text));
      expect(failures).toEqual([]);
      expect(ok.map((r) => r.raw)).toEqual([httpLine(1), httpLine(2), httpLine(3)]);
      expect(ok[0]?.record['EdgeStartTimestamp']).toBe(1700000000123456790n);
    }
  });

  it('reads a whole array on one line, each record on its own', async () => {
    const text = `[${httpLine(1)},${httpLine(2)},{"broken":},${httpLine(3)}]`;
    const { results } = await collect(enc(text));
    expect(results.map((r) => (r.ok ? r.raw : r.error.code))).toEqual([
      httpLine(1),
      httpLine(2),
      'invalid-json',
      httpLine(3),
    ]);
    expect(results.every((r) => (r.ok ? r.line : r.error.line) === 1)).toBe(true);
  });

  it('reads an empty array as no records', async () => {
    const { results, summary } = await collect(enc('[]\n'));
    expect(results).toEqual([]);
    expect(summary.complete).toBe(true);
  });

  it('parses one decorated line with parseLine, and refuses a line holding several', () => {
    const r = parseLine(`${httpLine(1)},`, { format: 'json-array' });
    expect(r.ok).toBe(true);
    const several = parseLine(`[${httpLine(1)},${httpLine(2)}]`);
    expect(!several.ok && several.error.reason).toMatch(/found 2/);
  });
});
