// The backend goes away mid-run: the Collector is stopped while the sidecar is shipping and started again on the
// same address a moment later. The sidecar must retry and deliver every record (duplicates allowed: delivery
// is at least once; nothing may be missing).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCollectorOutput } from '../src/collector-output.ts';
import { countBy, EVENT_NAMES, writeDatasets } from '../src/dataset-dir.ts';
import { startCollector, tempDir } from '../src/services.ts';
import { sidecarConfig, startSidecar, writeSidecarConfig } from '../src/sidecar.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe.skipIf(skipReason !== undefined)('sidecar with a Collector restarted mid-run', () => {
  it('retries while the Collector is down and loses no record', async () => {
    guardProcesses();
    const root = await tempDir('collector-restart');
    const input = await writeDatasets(join(root, 'logpush'), [
      { dataset: 'http_requests', count: 12_000, files: 4 },
    ]);
    const first = await startCollector(services(), { dir: join(root, 'first') });
    const config = await writeSidecarConfig(
      root,
      sidecarConfig({
        directory: join(root, 'logpush'),
        stateDir: join(root, 'state'),
        endpoint: first.otlpUrl,
        batchSize: 200,
        retryInitialMs: 100,
        retryMaxMs: 500,
      }),
    );
    const sidecar = startSidecar(config, root);

    // Stop the Collector once it has written some records, while the sidecar is still sending.
    const firstOut = join(first.dir, 'logs.jsonl');
    const deadline = Date.now() + 60_000;
    while ((await readCollectorOutput(firstOut)).length === 0) {
      if (Date.now() > deadline || sidecar.exitStatus)
        throw new Error('no record reached the first Collector');
      await sleep(20);
    }
    await first.process.stop();
    expect(sidecar.exitStatus, 'the sidecar was still shipping when the Collector stopped').toBeUndefined();
    const before = (await readCollectorOutput(firstOut)).length;
    expect(before).toBeLessThan(input.length);
    await sleep(1500);

    const second = await startCollector(services(), { dir: join(root, 'second'), otlpPort: first.otlpPort });
    const status = await sidecar.exited;
    expect(status, sidecar.report()).toEqual({ code: 0, signal: null });
    await second.process.stop(); // flushes the file exporter
    const after = await readCollectorOutput(join(second.dir, 'logs.jsonl'));
    expect(after.length).toBeGreaterThan(0);

    const delivered = countBy(
      [...(await readCollectorOutput(firstOut)), ...after],
      (r) => `${r.eventName} ${r.timeUnixNano}`,
    );
    const missing = input.filter((i) => !delivered.has(`${EVENT_NAMES.http_requests} ${i.timeUnixNano}`));
    expect(missing.map((i) => `${i.file}:${i.line}`)).toEqual([]);
    expect(sidecar.output()).toMatch(/retry|retrying|unavailable|ECONNREFUSED/i);
  });
});
