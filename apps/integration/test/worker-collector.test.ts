// The Cloudflare Worker destination (apps/worker, bundled as deployed and run in workerd through Miniflare) in
// front of the real OpenTelemetry Collector: Logpush-style gzip pushes of every seed dataset must arrive, split
// into several OTLP requests, exactly as the sidecar's mapping gives them.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildWorker } from '@logpush-otel/worker/build';
import { mapInNode, startWorker } from '@logpush-otel/worker/testing';
import type { ExpectedRecord } from '@logpush-otel/worker/testing';
import { generateRecords, seedDatasets } from '@logpush-otel/testdata/generator';
import type { CollectedRecord } from '../src/collector-output.ts';
import { waitForCollectorRecords } from '../src/collector-output.ts';
import { startCollector } from '../src/services.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

const COUNTS = { http_requests: 2_500, firewall_events: 1_200, spectrum_events: 1_000 } as const;

function comparable(r: CollectedRecord | ExpectedRecord): Record<string, unknown> {
  const text = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? 'undefined';
  return {
    time: String(r.timeUnixNano),
    severity: [r.severityNumber, r.severityText],
    eventName: r.eventName,
    body: text(r.body),
    attributes: text(Object.fromEntries(Object.entries(r.attributes).sort(([a], [b]) => (a < b ? -1 : 1)))),
    resource: text(Object.fromEntries(Object.entries(r.resource).sort(([a], [b]) => (a < b ? -1 : 1)))),
  };
}

describe.skipIf(skipReason !== undefined)('Cloudflare Worker (workerd) → OpenTelemetry Collector', () => {
  it('delivers every record of every seed dataset, mapped as the sidecar maps it, with exact times', async () => {
    guardProcesses();
    const collector = await startCollector(services());
    await buildWorker();
    const worker = await startWorker({
      LOGPUSH_SECRET: 'integration',
      OTLP_ENDPOINT: collector.otlpUrl,
      MAX_RECORDS_PER_REQUEST: '1000',
    });
    onTestFinished(() => worker.dispose());

    const expected: ExpectedRecord[] = [];
    for (const dataset of seedDatasets) {
      const lines = [...generateRecords({ dataset, count: COUNTS[dataset], seed: 42 })];
      expected.push(...mapInNode(lines));
      const response = await worker.dispatchFetch(`http://logpush.test/${dataset}`, {
        method: 'POST',
        headers: { 'x-cf-secret': 'integration' },
        body: gzipSync(`${lines.join('\n')}\n`),
      });
      const report = (await response.json()) as { delivered: number; requests: number; rejected: number };
      expect(response.status, JSON.stringify(report)).toBe(200);
      expect(report).toMatchObject({
        delivered: COUNTS[dataset],
        requests: Math.ceil(COUNTS[dataset] / 1000),
        rejected: 0,
      });
    }

    const received = await waitForCollectorRecords(join(collector.dir, 'logs.jsonl'), expected.length);
    expect(received).toHaveLength(expected.length);
    // Sorted by every compared field: equal multisets give equal lists, whatever order the requests arrived in.
    const sorted = (list: Record<string, unknown>[]): Record<string, unknown>[] =>
      list
        .map((r) => ({ r, k: JSON.stringify(r) }))
        .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
        .map(({ r }) => r);
    const want = sorted(expected.map(comparable));
    const got = sorted(received.map(comparable));
    for (let i = 0; i < want.length; i++) expect(got[i]).toEqual(want[i]);
    expect(new Set(received.map((r) => r.scopeName))).toEqual(new Set(['@logpush-otel/otlp']));
  });
});
