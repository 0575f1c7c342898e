// A worker thread that runs out of its heap (worker_heap_limit) on a file of very large records: the receiver
// reads the rest of the file on the main thread and every record reaches the backend exactly once.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMapper } from '@logpush-otel/otlp';
import { createTestHost } from '@logpush-otel/pipeline/testing';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpExporter, otlpExporterFactory } from '../src/exporters/index.ts';
import { logpushFileReceiverFactory } from '../src/receivers/logpush-file/index.ts';
import { WorkerPool } from '../src/workers/pool.ts';
import { line, ndjson, removeAll, tempDir } from './helpers/receiver-harness.ts';

const cleanup: string[] = [];
let backend: OtlpReceiver | undefined;
afterEach(async () => {
  await backend?.close();
  backend = undefined;
  await removeAll(cleanup);
});

describe('logpush_file workers with a heap limit', { timeout: 120_000 }, () => {
  it('reads a file on the main thread once its worker ran out of memory, delivering each record once', async () => {
    const work = await tempDir('logpush-otel-heap-', cleanup);
    const input = join(work, 'in');
    // 500 records of 48 KB: one batch of them needs far more than the 32 MiB old generation the workers get.
    const big = 'x'.repeat(48 * 1024);
    const ids = Array.from({ length: 500 }, (_, i) => `big-${i}`);
    await mkdir(input);
    await writeFile(
      join(input, 'big.log'),
      ndjson(ids.map((id) => line(id, `,"ClientRequestUserAgent":"${big}"`))),
    );
    backend = await startOtlpReceiver();
    const host = createTestHost('otlp');
    const exporterConfig = otlpExporterFactory.validate(
      { endpoint: backend.url, max_request_size: '64MiB' },
      'exporters.otlp',
    );
    if (!exporterConfig.ok) throw new Error(JSON.stringify(exporterConfig.issues));
    const exporter = new OtlpExporter(host, exporterConfig.config);
    const receiverConfig = logpushFileReceiverFactory.validate(
      {
        directory: input,
        checkpoint_dir: join(work, 'checkpoints'),
        poll_interval: '25ms',
        batch_size: 500,
        worker_heap_limit: '32MiB',
      },
      'receivers.logpush_file',
    );
    if (!receiverConfig.ok) throw new Error(JSON.stringify(receiverConfig.issues));
    const map = createMapper({});
    const settings = {
      id: 'logpush_file',
      logger: host.logger,
      metrics: host.metrics,
      deadLetters: host.deadLetters,
    };
    // The main-thread path maps and exports as the service's pipeline would.
    const receiver = logpushFileReceiverFactory.create(settings, receiverConfig.config, {
      consume: (batch) => exporter.consume({ entries: batch.entries.map((e) => map(e)) }),
    });
    receiver.useWorkers({
      pool: new WorkerPool(1, { heapLimitMb: receiverConfig.config.worker_heap_limit / (1024 * 1024) }),
      mapping: {},
      mapComponent: 'processors/cloudflare',
      encoding: exporter.encoding,
      deliver: (batch) => exporter.consumeEncoded(batch),
    });
    await exporter.start(host);
    await receiver.start(host);
    try {
      await receiver.drained();
      const got = backend
        .records()
        .map((r) => r.attributes['cloudflare.ray_id'] as string)
        .sort();
      expect(got).toEqual([...ids].sort());
      const warned = host.messages.filter((m) => m.message.includes('a worker thread ran out of memory'));
      expect(warned.map((m) => m.fields['file'])).toEqual([join(input, 'big.log')]);
    } finally {
      await receiver.shutdown();
      await exporter.shutdown();
    }
  });
});
