// The `logpush_http` receiver against the reference OTLP implementation: the sidecar runs as a Logpush HTTP
// destination; the generated Logpush files of the three seed datasets are POSTed to it the way Logpush pushes
// them (gzip, the secret header, the dataset in the path, the validation upload first), concurrently; a real
// OpenTelemetry Collector must receive every record, exact to the nanosecond.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { waitForCollectorRecords } from '../src/collector-output.ts';
import { countBy, EVENT_NAMES, writeDatasets } from '../src/dataset-dir.ts';
import { canConnect, freePort, waitUntil } from '../src/processes.ts';
import { startCollector, tempDir } from '../src/services.ts';
import { sidecarConfig, startSidecar, writeSidecarConfig } from '../src/sidecar.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

const SECRET = 'integration-secret';

describe.skipIf(skipReason !== undefined)('logpush_http sidecar → OpenTelemetry Collector', () => {
  it('delivers every record pushed over HTTP, concurrently, with exact event times', async () => {
    guardProcesses();
    const root = await tempDir('sidecar-http-collector');
    const input = await writeDatasets(join(root, 'logpush'), [
      { dataset: 'http_requests', count: 1500, files: 4 },
      { dataset: 'firewall_events', count: 400, files: 2 },
      { dataset: 'spectrum_events', count: 300, files: 2 },
    ]);
    const collector = await startCollector(services());
    const port = await freePort();
    const base = sidecarConfig({
      directory: join(root, 'logpush'),
      stateDir: join(root, 'state'),
      endpoint: collector.otlpUrl,
      compression: 'gzip',
    });
    const pipelines = (base['service'] as { pipelines: { logs: Record<string, unknown> } }).pipelines;
    const config = await writeSidecarConfig(root, {
      ...base,
      receivers: { logpush_http: { endpoint: `127.0.0.1:${port}`, secret: SECRET } },
      service: {
        ...(base['service'] as Record<string, unknown>),
        pipelines: { logs: { ...pipelines.logs, receivers: ['logpush_http'] } },
      },
    });
    const sidecar = startSidecar(config, root, { once: false });
    await waitUntil(sidecar, `listening on ${port}`, () => canConnect(port));
    const url = `http://127.0.0.1:${port}`;
    const push = async (path: string, body: Uint8Array): Promise<number> => {
      const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'X-CF-Secret': SECRET } });
      await res.arrayBuffer();
      return res.status;
    };

    // Creating a Logpush job uploads test.txt.gz first; it must be answered 2xx (and is not forwarded).
    expect(await push('/', gzipSync('{"content":"tests"}'))).toBe(200);

    const pushes: Promise<number>[] = [];
    for (const dataset of ['http_requests', 'firewall_events', 'spectrum_events']) {
      const dir = join(root, 'logpush', dataset);
      for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.log.gz')) continue;
        const body = await readFile(join(entry.parentPath, entry.name));
        pushes.push(push(`/${dataset}`, body));
      }
    }
    expect(pushes.length).toBe(8);
    expect(await Promise.all(pushes)).toEqual(pushes.map(() => 200));

    const records = await waitForCollectorRecords(join(collector.dir, 'logs.jsonl'), input.length);
    expect(countBy(records, (r) => `${r.eventName} ${r.timeUnixNano}`)).toEqual(
      countBy(input, (i) => `${EVENT_NAMES[i.dataset as keyof typeof EVENT_NAMES]} ${i.timeUnixNano}`),
    );
    expect(new Set(records.map((r) => r.resource['cloudflare.dataset']))).toEqual(
      new Set(['http_requests', 'firewall_events', 'spectrum_events']),
    );

    // Spool files are removed once acknowledged; SIGTERM drains and exits 0.
    const spool = join(root, 'state', 'spool', 'logpush_http');
    await waitUntil(sidecar, 'spool emptied', async () => {
      const left = await readdir(spool, { recursive: true, withFileTypes: true });
      return left.filter((e) => e.isFile()).length === 0;
    });
    expect(await sidecar.stop()).toEqual({ code: 0, signal: null });
    expect(sidecar.output()).not.toMatch(/request refused|dead-letter/i);
  });
});
