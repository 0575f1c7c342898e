// Golden fixtures: each seed dataset's input.ndjson (written here) parsed, compared with expected.json
// (bigints written as strings with an `n` suffix so exactness is visible).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collect } from './helpers.ts';

function serialise(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), 2)}\n`;
}

describe('golden fixtures', () => {
  for (const dataset of ['http_requests', 'firewall_events', 'spectrum_events']) {
    it(`parses the ${dataset} fixture exactly as recorded`, async () => {
      const input = readFileSync(new URL(`fixtures/${dataset}/input.ndjson`, import.meta.url));
      const { results, summary } = await collect(input, { source: `${dataset}/input.ndjson` });
      await expect(serialise({ summary, results })).toMatchFileSnapshot(`fixtures/${dataset}/expected.json`);
    });
  }
});
