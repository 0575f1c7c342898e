// The common Logpush line (19-digit timestamps at the top level, empty members) must be read by the fast path:
// one JSON.parse, no exact re-parse. Counted, not timed.
import { describe, expect, it } from 'vitest';
import { generateRecords } from '@logpush-otel/testdata/generator';
import { slowPathStats } from '../src/exact-json.ts';
import { collect, enc } from './helpers.ts';

describe('fast path', () => {
  it('reads generated unixnano records without the slow exact re-parse', async () => {
    for (const dataset of ['http_requests', 'firewall_events', 'spectrum_events'] as const) {
      const lines = [...generateRecords({ dataset, count: 200, seed: 3, timestampFormat: 'unixnano' })];
      const before = slowPathStats.reparses;
      const { ok, failures } = await collect(enc(`${lines.join('\n')}\n`));
      expect(failures).toEqual([]);
      expect(ok).toHaveLength(200);
      expect(ok.every((r) => typeof r.timeUnixNano === 'bigint')).toBe(true);
      expect(slowPathStats.reparses - before).toBe(0);
    }
  });

  it('falls back to the exact re-parse for a big integer nested in an object', async () => {
    const before = slowPathStats.reparses;
    const { ok } = await collect(
      enc('{"EdgeStartTimestamp":1700000000123456789,"X":{"n":18446744073709551615}}\n'),
    );
    expect(ok[0]?.record['X']).toEqual({ n: 18446744073709551615n });
    expect(slowPathStats.reparses - before).toBe(1);
  });
});
