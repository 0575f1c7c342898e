// Delivery through the real parts: logpush_file receiver → mapping → otlp exporter → loopback OTLP receiver that
// is down (503) for a while. Reading must pause (bounded records in flight), and once the backend is back every
// record must arrive exactly once, with its exact time. On the main thread (workers: 1: records mapped, then
// encoded by the exporter) and in 2 worker threads (records mapped and encoded in the workers, the exporter
// sending the bodies they built).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createMapper } from '@logpush-otel/otlp';
import type { Consumer, LogBatch } from '@logpush-otel/pipeline';
import { createTestHost } from '@logpush-otel/pipeline/testing';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { FileDeadLetterStore } from '../src/dead-letter.ts';
import { OtlpExporter, otlpExporterFactory } from '../src/exporters/index.ts';
import { logpushFileReceiverFactory } from '../src/receivers/logpush-file/index.ts';
import type { EncodedBatch } from '../src/workers/encoded.ts';
import { WorkerPool } from '../src/workers/pool.ts';
import { until } from './helpers/receiver-harness.ts';

const cleanup: string[] = [];
let backend: OtlpReceiver | undefined;
afterEach(async () => {
  await backend?.close();
  backend = undefined;
  for (const d of cleanup.splice(0)) await rm(d, { recursive: true, force: true });
});

/** `rayId|timeUnixNano` of every line of the written files. */
async function expectedRecords(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    for (const l of gunzipSync(await readFile(p))
      .toString('utf8')
      .split('\n')) {
      if (l === '') continue;
      const ray = /"RayID":"([^"]+)"/.exec(l)?.[1];
      const time = /"EdgeStartTimestamp":(\d+)/.exec(l)?.[1];
      out.push(`${ray}|${time}`);
    }
  }
  return out.sort();
}

describe.each([1, 2])('delivery during a backend outage (workers: %i)', (workers) => {
  it('pauses reading while the backend answers 503 and delivers every record exactly once when it is back', async () => {
    const work = await mkdtemp(join(tmpdir(), 'logpush-otel-outage-'));
    cleanup.push(work);
    const input = join(work, 'logpush');
    const paths = await writeLogpushDirectory(input, {
      dataset: 'http_requests',
      count: 3000,
      seed: 7,
      files: 3,
      gzip: true,
      timestampFormat: 'unixnano',
    });
    const expected = await expectedRecords(paths);
    expect(expected).toHaveLength(3000);

    backend = await startOtlpReceiver();
    let outage = true;
    backend.respondWith(() => (outage ? { status: 503 } : undefined));

    const host = createTestHost('otlp');
    const exporterConfig = otlpExporterFactory.validate(
      {
        endpoint: backend.url,
        concurrency: 2,
        retry_on_failure: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '60s' },
      },
      'exporters.otlp',
    );
    if (!exporterConfig.ok) throw new Error(JSON.stringify(exporterConfig.issues));
    const exporter = new OtlpExporter(host, exporterConfig.config);

    const map = createMapper();
    let read = 0;
    let acknowledged = 0;
    let maxOutstanding = 0;
    const mapping: Consumer = {
      async consume(batch: LogBatch) {
        read += batch.entries.length;
        maxOutstanding = Math.max(maxOutstanding, read - acknowledged);
        await exporter.consume({ entries: batch.entries.map((e) => map(e)) });
        acknowledged += batch.entries.length;
      },
    };

    const batchSize = 100;
    const maxInFlightBatches = 2;
    const receiverConfig = logpushFileReceiverFactory.validate(
      {
        directory: input,
        checkpoint_dir: join(work, 'checkpoints'),
        poll_interval: '25ms',
        batch_size: batchSize,
        max_in_flight_batches: maxInFlightBatches,
      },
      'receivers.logpush_file',
    );
    if (!receiverConfig.ok) throw new Error(JSON.stringify(receiverConfig.issues));
    const deadLetters = new FileDeadLetterStore(join(work, 'dead-letters'));
    const settings = { id: 'logpush_file', logger: host.logger, metrics: host.metrics, deadLetters };
    const fileReceiver = logpushFileReceiverFactory.create(settings, receiverConfig.config, mapping);
    if (workers > 1) {
      fileReceiver.useWorkers({
        pool: new WorkerPool(workers),
        mapping: {},
        mapComponent: 'processors/cloudflare',
        encoding: exporter.encoding,
        async deliver(batch: EncodedBatch) {
          read += batch.records;
          maxOutstanding = Math.max(maxOutstanding, read - acknowledged);
          await exporter.consumeEncoded(batch);
          acknowledged += batch.records;
        },
      });
    }
    await exporter.start(host);
    const started = Date.now();
    await fileReceiver.start({ logger: host.logger, metrics: host.metrics, deadLetters });
    try {
      // At least 1.5 s of outage (time for an unbounded reader to run far past the bound) and several refused
      // attempts: a fixed sleep alone may see fewer attempts on a busy machine.
      const b = backend;
      await until(
        'refused attempts during the outage',
        () => b.requests.length > 4 && read > 0 && Date.now() - started >= 1500,
        30_000,
      );
      // The outage: nothing acknowledged, and the reader stopped after a bounded number of records.
      expect(acknowledged).toBe(0);
      expect(backend.requests.length).toBeGreaterThan(4);
      expect(read).toBeLessThanOrEqual(batchSize * maxInFlightBatches);
      expect(read).toBeGreaterThan(0);

      outage = false;
      await fileReceiver.drained();
      const delivered = backend
        .records()
        .map((r) => `${r.attributes['cloudflare.ray_id'] as string}|${r.timeUnixNano}`)
        .sort();
      expect(delivered).toEqual(expected);
      expect(maxOutstanding).toBeLessThanOrEqual(batchSize * maxInFlightBatches);
      expect(host.letters).toEqual([]);
    } finally {
      await fileReceiver.shutdown();
      await exporter.shutdown();
    }
  }, 60_000);
});
