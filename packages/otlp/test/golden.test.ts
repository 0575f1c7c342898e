import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMapper, encodeLogsJson } from '../src/index.ts';
import { FIXTURE_DATASETS, SEED_DATASETS, fixtureEntries, fixtureLines } from './helpers.ts';

// Golden outputs: test/fixtures/<dataset>/expected.otlp.json is the OTLP/JSON request for records.ndjson (observed
// time fixed), pretty-printed. Set UPDATE_GOLDEN=1 to rewrite them after an intended mapping change.
/** A fixed scope, so that a package version bump does not change the goldens. */
const GOLDEN_SCOPE = { name: '@logpush-otel/otlp', version: 'golden' };

describe('golden OTLP/JSON output', () => {
  for (const dataset of FIXTURE_DATASETS) {
    it(`maps the ${dataset} fixtures to the expected OTLP/JSON request`, () => {
      const entries = fixtureEntries(dataset);
      const map = createMapper();
      for (const e of entries) map(e);
      const actual = `${JSON.stringify(JSON.parse(encodeLogsJson(entries, GOLDEN_SCOPE)), null, 2)}\n`;
      const file = new URL(`fixtures/${dataset}/expected.otlp.json`, import.meta.url);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('keeps every unixnano event time unchanged as timeUnixNano', () => {
    for (const dataset of SEED_DATASETS) {
      const entries = fixtureEntries(dataset);
      const map = createMapper();
      for (const e of entries) map(e);
      const request = JSON.parse(encodeLogsJson(entries)) as {
        resourceLogs: { scopeLogs: { logRecords: { timeUnixNano: string }[] }[] }[];
      };
      const times = request.resourceLogs.flatMap((r) =>
        r.scopeLogs.flatMap((s) => s.logRecords.map((l) => l.timeUnixNano)),
      );
      const field = {
        http_requests: 'EdgeStartTimestamp',
        firewall_events: 'Datetime',
        spectrum_events: 'Timestamp',
      }[dataset];
      const expected = fixtureLines(dataset)
        .map((line) => new RegExp(`"${field}":(\\d{19})`).exec(line)?.[1])
        .filter((t): t is string => t !== undefined);
      expect(expected.length).toBeGreaterThan(1);
      for (const t of expected) expect(times).toContain(t);
    }
  });
});
