// The sidecar against a real log store: records shipped over OTLP to VictoriaLogs must be findable by
// attribute and by time, in the numbers the input implies.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRfc3339Nano } from '@logpush-otel/schema';
import { writeDatasets } from '../src/dataset-dir.ts';
import type { InputRecord } from '../src/input.ts';
import { flushVictoriaLogs, queryLogs, startVictoriaLogs, tempDir } from '../src/services.ts';
import type { RunningVictoriaLogs } from '../src/services.ts';
import { runSidecarOnce, sidecarConfig, writeSidecarConfig } from '../src/sidecar.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

async function count(victoria: RunningVictoriaLogs, filter: string): Promise<number> {
  const rows = await queryLogs(victoria, `${filter} | stats count() as n`);
  return Number(rows[0]?.['n'] ?? 0);
}

/** Whole milliseconds as RFC 3339, for LogsQL time ranges. */
function isoMillis(unixNano: bigint): string {
  return new Date(Number(unixNano / 1_000_000n)).toISOString();
}

describe.skipIf(skipReason !== undefined)('sidecar → VictoriaLogs', () => {
  it('makes records queryable by attribute and time in the numbers the input implies', async () => {
    guardProcesses();
    const root = await tempDir('sidecar-victorialogs');
    const input = await writeDatasets(join(root, 'logpush'), [
      { dataset: 'http_requests', count: 3000, files: 3 },
      { dataset: 'firewall_events', count: 600, files: 2 },
    ]);
    const victoria = await startVictoriaLogs(services());
    const config = await writeSidecarConfig(
      root,
      sidecarConfig({
        directory: join(root, 'logpush'),
        stateDir: join(root, 'state'),
        endpoint: victoria.otlpLogsUrl,
        logsEndpoint: true,
        protocol: 'http/protobuf',
        compression: 'gzip',
        batchSize: 500,
      }),
    );
    const { status, process: sidecar } = await runSidecarOnce(config, root);
    expect(status, sidecar.report()).toEqual({ code: 0, signal: null });
    await flushVictoriaLogs(victoria);

    expect(await count(victoria, '*')).toBe(input.length);
    expect(await count(victoria, '"cloudflare.dataset":=http_requests')).toBe(
      input.filter((i) => i.dataset === 'http_requests').length,
    );

    // http_requests with a 5xx status inside a time window, counted from the input with exact times.
    const http = input
      .filter((i) => i.dataset === 'http_requests')
      .sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : 1));
    const from = ((http[500]?.timeUnixNano ?? 0n) / 1_000_000n) * 1_000_000n;
    const to = ((http[2200]?.timeUnixNano ?? 0n) / 1_000_000n) * 1_000_000n;
    const expected5xx = http.filter(
      (i) => i.timeUnixNano >= from && i.timeUnixNano < to && Number(i.record['EdgeResponseStatus']) >= 500,
    ).length;
    expect(expected5xx).toBeGreaterThan(0);
    expect(
      await count(
        victoria,
        `_time:[${isoMillis(from)}, ${isoMillis(to)}) "cloudflare.dataset":=http_requests "http.response.status_code":>=500`,
      ),
    ).toBe(expected5xx);

    // One ray id across http_requests and firewall_events.
    const rays = new Map<string, InputRecord[]>();
    for (const i of input) {
      const ray = i.record['RayID'];
      if (typeof ray === 'string') rays.set(ray, [...(rays.get(ray) ?? []), i]);
    }
    const [ray, sharing] = [...rays].find(([, list]) => new Set(list.map((i) => i.dataset)).size === 2) ?? [];
    expect(ray, 'the generator gives firewall events the ray ids of http requests').toBeDefined();
    const found = await queryLogs(victoria, `"cloudflare.ray_id":=${JSON.stringify(ray)}`);
    expect(found.map((row) => `${row['cloudflare.dataset']} ${row['_time']}`).sort()).toEqual(
      (sharing ?? []).map((i) => `${i.dataset} ${formatRfc3339Nano(i.timeUnixNano)}`).sort(),
    );
  });
});
