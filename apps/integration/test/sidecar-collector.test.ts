// The sidecar against the reference OTLP implementation: a generated Logpush directory of the three seed
// datasets shipped by `logpush-otel run --once` to a real OpenTelemetry Collector, whose file exporter output
// is compared with the input.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CollectedRecord } from '../src/collector-output.ts';
import { waitForCollectorRecords } from '../src/collector-output.ts';
import { countBy, EVENT_NAMES, writeDatasets } from '../src/dataset-dir.ts';
import type { InputRecord } from '../src/input.ts';
import { startCollector, tempDir } from '../src/services.ts';
import { runSidecarOnce, sidecarConfig, writeSidecarConfig } from '../src/sidecar.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

function eventNameOf(input: InputRecord): string {
  return EVENT_NAMES[input.dataset as keyof typeof EVENT_NAMES];
}

/** Files left in the sidecar's dead-letter directory (none expected). */
async function deadLetters(stateDir: string): Promise<string[]> {
  try {
    return await readdir(join(stateDir, 'dead-letters'), { recursive: true });
  } catch {
    return [];
  }
}

function expectSemanticHttpAttributes(
  inputs: readonly InputRecord[],
  records: readonly CollectedRecord[],
): void {
  const byRay = new Map<string, CollectedRecord>();
  for (const r of records) {
    const ray = r.attributes['cloudflare.ray_id'];
    if (r.eventName === EVENT_NAMES.http_requests && typeof ray === 'string') byRay.set(ray, r);
  }
  let checked = 0;
  for (const input of inputs) {
    if (input.dataset !== 'http_requests') continue;
    const rec = input.record;
    const got = byRay.get(String(rec['RayID']));
    expect(
      got,
      `http_requests ${input.file}:${input.line} (RayID ${String(rec['RayID'])}) not delivered`,
    ).toBeDefined();
    if (!got) continue;
    const status = Number(rec['EdgeResponseStatus']);
    expect({
      time: got.timeUnixNano,
      status: got.attributes['http.response.status_code'],
      method: got.attributes['http.request.method'],
      client: got.attributes['client.address'],
      severity: [got.severityNumber, got.severityText],
    }).toEqual({
      time: String(input.rawTime),
      status: status > 0 ? BigInt(status) : undefined,
      method: rec['ClientRequestMethod'],
      client: rec['ClientIP'],
      severity: status >= 500 ? [17, 'ERROR'] : status >= 400 ? [13, 'WARN'] : [9, 'INFO'],
    });
    checked++;
  }
  expect(checked).toBeGreaterThan(0);
}

describe.skipIf(skipReason !== undefined)('sidecar → OpenTelemetry Collector', () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`delivers every record of the three seed datasets over ${protocol} with gzip, exact to the nanosecond`, async () => {
      guardProcesses();
      const root = await tempDir('sidecar-collector');
      const input = await writeDatasets(join(root, 'logpush'), [
        { dataset: 'http_requests', count: 1500, files: 3 },
        { dataset: 'firewall_events', count: 400, files: 2 },
        { dataset: 'spectrum_events', count: 300, files: 1, gzip: false },
      ]);
      const collector = await startCollector(services());
      const stateDir = join(root, 'state');
      const config = await writeSidecarConfig(
        root,
        sidecarConfig({
          directory: join(root, 'logpush'),
          stateDir,
          endpoint: collector.otlpUrl,
          protocol,
          compression: 'gzip',
          batchSize: 300,
        }),
      );
      const { status, process: sidecar } = await runSidecarOnce(config, root);
      expect(status, sidecar.report()).toEqual({ code: 0, signal: null });
      expect(await deadLetters(stateDir)).toEqual([]);

      const records = await waitForCollectorRecords(join(collector.dir, 'logs.jsonl'), input.length);
      // Every record exactly once (nothing was retried here), with the event time's exact digits.
      expect(countBy(records, (r) => `${r.eventName} ${r.timeUnixNano}`)).toEqual(
        countBy(input, (i) => `${eventNameOf(i)} ${i.timeUnixNano}`),
      );
      for (const r of records) {
        expect(r.resource['service.name']).toBe('cloudflare');
        expect(r.resource['cloud.provider']).toBe('cloudflare');
        expect(r.severityText).toMatch(/^(INFO|WARN|ERROR|)$/);
      }
      expect(new Set(records.map((r) => r.resource['cloudflare.dataset']))).toEqual(
        new Set(['http_requests', 'firewall_events', 'spectrum_events']),
      );
      expectSemanticHttpAttributes(input, records);
      // A firewall event carries the ray id of its request, so both are found by the same value.
      const firewallRays = new Set(
        records
          .filter((r) => r.eventName === EVENT_NAMES.firewall_events)
          .map((r) => r.attributes['cloudflare.ray_id']),
      );
      expect(firewallRays.size).toBeGreaterThan(0);
      expect(sidecar.output()).not.toMatch(
        /records dead-lettered|partial success|rejected_log_records|rejectedLogRecords/i,
      );
    });
  }
});
