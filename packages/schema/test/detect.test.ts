import { describe, expect, it } from 'vitest';
import { datasets, detectDataset } from '../src/index.ts';

/** A deterministic subset of a dataset's fields (every k-th, starting at `start`). */
function every(id: string, k: number, start: number): string[] {
  const names = datasets[id]?.fields.filter((f) => !f.legacy).map((f) => f.name) ?? [];
  return names.filter((_, i) => i % k === start % k);
}

describe('detectDataset', () => {
  it('recognises every dataset from its full field list', () => {
    for (const [id, d] of Object.entries(datasets)) {
      expect(detectDataset(d.fields.map((f) => f.name)), id).toBe(id);
    }
  });

  it('recognises every dataset from its current (non-legacy) fields, in any order', () => {
    for (const [id, d] of Object.entries(datasets)) {
      const keys = d.fields
        .filter((f) => !f.legacy)
        .map((f) => f.name)
        .reverse();
      expect(detectDataset(keys), id).toBe(id);
    }
  });

  it('recognises the larger datasets from every third field', () => {
    for (const [id, d] of Object.entries(datasets)) {
      if (d.fields.length < 30) continue;
      for (let start = 0; start < 3; start++) {
        const keys = every(id, 3, start);
        // Without ZoneName, its only own field, a firewall_events@account record reads as the zone dataset.
        const expected =
          id === 'firewall_events@account' && !keys.includes('ZoneName') ? 'firewall_events' : id;
        expect(detectDataset(keys), `${id}/${start}`).toBe(expected);
      }
    }
  });

  it('never names a wrong dataset for random 3- and 5-field subsets (unknown at worst)', () => {
    let state = 12345;
    const rnd = (): number => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    let right = 0;
    for (const size of [3, 5]) {
      for (const [id, d] of Object.entries(datasets)) {
        const names = d.fields.map((f) => f.name);
        for (let t = 0; t < 50; t++) {
          const keys = names
            .map((n) => [rnd(), n] as const)
            .sort((a, b) => a[0] - b[0])
            .slice(0, size)
            .map(([, n]) => n);
          const got = detectDataset(keys);
          const zoneTwin =
            id === 'firewall_events@account' && !keys.includes('ZoneName') ? 'firewall_events' : id;
          expect([zoneTwin, 'unknown'], `${id}: ${keys.join(',')}`).toContain(got);
          if (got !== 'unknown') right++;
        }
      }
    }
    expect(right).toBeGreaterThan(0.9 * 2 * 50 * Object.keys(datasets).length);
  });

  it('ignores keys no dataset knows', () => {
    const keys = [
      ...(datasets['spectrum_events']?.fields.map((f) => f.name) ?? []),
      'SomethingNew',
      'p_row_id',
    ];
    expect(detectDataset(keys)).toBe('spectrum_events');
  });

  it('recognises a typical http_requests job', () => {
    expect(
      detectDataset([
        'ClientIP',
        'ClientRequestHost',
        'ClientRequestMethod',
        'ClientRequestURI',
        'EdgeEndTimestamp',
        'EdgeResponseBytes',
        'EdgeResponseStatus',
        'EdgeStartTimestamp',
        'RayID',
      ]),
    ).toBe('http_requests');
  });

  it('recognises a Panther-era http_requests record with legacy fields', () => {
    expect(
      detectDataset([
        'EdgeStartTimestamp',
        'ClientIP',
        'FirewallMatchesActions',
        'FirewallMatchesRuleIDs',
        'FirewallMatchesSources',
        'WAFAction',
        'WAFProfile',
        'ZoneID',
        'RayID',
      ]),
    ).toBe('http_requests');
  });

  it('recognises a typical firewall_events record and its account variant by ZoneName', () => {
    const keys = [
      'Action',
      'ClientIP',
      'ClientRequestHost',
      'ClientRequestPath',
      'Datetime',
      'RayID',
      'RuleID',
      'Source',
    ];
    expect(detectDataset(keys)).toBe('firewall_events');
    expect(detectDataset([...keys, 'ZoneName'])).toBe('firewall_events@account');
    expect(detectDataset(['Kind', 'MatchIndex', 'Datetime'])).toBe('firewall_events');
  });

  it('recognises spectrum_events with Cloudflare’s ClientAsn and with Panther’s ClientASN', () => {
    expect(detectDataset(['Timestamp', 'Event', 'ClientIP', 'ClientAsn', 'ColoCode', 'Application'])).toBe(
      'spectrum_events',
    );
    expect(detectDataset(['Timestamp', 'Event', 'ClientIP', 'ClientASN', 'ClientBytes', 'OriginBytes'])).toBe(
      'spectrum_events',
    );
  });

  it('tells the zone and account websocket_analytics apart by their key casing', () => {
    expect(detectDataset(['EdgeStartTimestamp', 'ConnectionID', 'BytesSentClient', 'RayID'])).toBe(
      'websocket_analytics',
    );
    expect(detectDataset(['timestampStartNanos', 'connectionId', 'byteSentDownlink', 'rayId'])).toBe(
      'websocket_analytics@account',
    );
  });

  it('recognises account datasets from a few distinctive fields', () => {
    expect(detectDataset(['Datetime', 'QueryName', 'QueryType', 'ResolverDecision'])).toBe('gateway_dns');
    expect(detectDataset(['EventTimestampMs', 'ScriptName', 'Outcome', 'Exceptions', 'Logs'])).toBe(
      'workers_trace_events',
    );
  });

  it('answers unknown when only common fields are present', () => {
    expect(detectDataset(['ClientIP'])).toBe('unknown');
    expect(detectDataset(['ClientIP', 'RayID'])).toBe('unknown');
    expect(detectDataset(['ClientIP', 'ClientRequestHost', 'ClientRequestPath'])).toBe('unknown');
    expect(detectDataset(['Timestamp'])).toBe('unknown');
    expect(detectDataset(['Datetime'])).toBe('unknown');
  });

  it('answers unknown for no keys, unknown keys, or a mix of two datasets', () => {
    expect(detectDataset([])).toBe('unknown');
    expect(detectDataset(['foo', 'bar'])).toBe('unknown');
    expect(detectDataset(['Action', 'Kind', 'EdgeStartTimestamp', 'CacheCacheStatus'])).toBe('unknown');
  });
});
