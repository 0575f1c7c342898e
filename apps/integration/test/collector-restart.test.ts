// The backend goes away while the sidecar is running: the Collector is stopped, new Logpush files arrive, and
// the Collector comes back on the same address a moment later. The sidecar must retry and deliver every record
// (duplicates would be allowed, delivery being at least once; nothing may be missing).
import { mkdir, readdir, rename } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCollectorOutput, waitForCollectorRecords } from '../src/collector-output.ts';
import { EVENT_NAMES, writeDatasets } from '../src/dataset-dir.ts';
import { startCollector, tempDir } from '../src/services.ts';
import { sidecarConfig, startSidecar, writeSidecarConfig } from '../src/sidecar.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Moves every file under `from` to the same relative place under `to` (each appears at once: a rename). */
async function moveTree(from: string, to: string): Promise<void> {
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  for (const e of entries.filter((x) => x.isFile())) {
    const target = join(to, relative(from, join(e.parentPath, e.name)));
    await mkdir(dirname(target), { recursive: true });
    await rename(join(e.parentPath, e.name), target);
  }
}

describe.skipIf(skipReason !== undefined)('sidecar with a Collector restarted mid-run', () => {
  it('retries while the Collector is down and loses no record', async () => {
    guardProcesses();
    const root = await tempDir('collector-restart');
    const watched = join(root, 'logpush');
    const before = await writeDatasets(watched, [{ dataset: 'http_requests', count: 3000, files: 3 }]);
    // Files that land while the Collector is down: an hour later, so their times differ from the first ones.
    const staged = join(root, 'staged');
    const during = await writeDatasets(staged, [
      { dataset: 'http_requests', count: 3000, files: 3, startUnixNano: 1_704_070_800_000_000_000n },
    ]);
    const first = await startCollector(services(), { dir: join(root, 'first') });
    const config = await writeSidecarConfig(
      root,
      sidecarConfig({
        directory: watched,
        stateDir: join(root, 'state'),
        endpoint: first.otlpUrl,
        batchSize: 200,
        retryInitialMs: 100,
        retryMaxMs: 500,
      }),
    );
    const sidecar = startSidecar(config, root, { once: false });
    await waitForCollectorRecords(join(first.dir, 'logs.jsonl'), before.length);
    await first.process.stop();

    await moveTree(staged, watched);
    const deadline = Date.now() + 60_000;
    while (!sidecar.output().includes('export failed; retrying')) {
      if (Date.now() > deadline || sidecar.exitStatus)
        throw new Error(`the sidecar never retried\n${sidecar.report()}`);
      await sleep(50);
    }

    const second = await startCollector(services(), { dir: join(root, 'second'), otlpPort: first.otlpPort });
    await waitForCollectorRecords(join(second.dir, 'logs.jsonl'), during.length);
    expect(await sidecar.stop(), sidecar.report()).toEqual({ code: 0, signal: null });
    await second.process.stop(); // flushes the file exporter

    const delivered = new Set(
      [
        ...(await readCollectorOutput(join(first.dir, 'logs.jsonl'))),
        ...(await readCollectorOutput(join(second.dir, 'logs.jsonl'))),
      ].map((r) => `${r.eventName} ${r.timeUnixNano}`),
    );
    const missing = [...before, ...during].filter(
      (i) => !delivered.has(`${EVENT_NAMES.http_requests} ${i.timeUnixNano}`),
    );
    expect(missing.map((i) => `${i.file}:${i.line}`)).toEqual([]);
  });
});
