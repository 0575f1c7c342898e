// The logpush_file receiver reading in worker threads, through the real parts: worker pool (read, parse, map,
// encode, gzip) → otlp exporter taking encoded bodies → loopback OTLP receiver. Covers what the main thread
// must still get right without records: a body over max_request_size (split from records read again), a
// partial success (dead letters with the original lines), a refusal and worker threads that die mid-file. The
// 503 outage runs with and without workers in delivery-outage.test.ts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { createMapper } from '@logpush-otel/otlp';
import type { Consumer } from '@logpush-otel/pipeline';
import { createTestHost } from '@logpush-otel/pipeline/testing';
import type { TestHost } from '@logpush-otel/pipeline/testing';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { partialSuccessBody, startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpExporter, otlpExporterFactory } from '../src/exporters/index.ts';
import { logpushFileReceiverFactory } from '../src/receivers/logpush-file/index.ts';
import type { LogpushFileReceiver } from '../src/receivers/logpush-file/receiver.ts';
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

const key = (ray: unknown, time: unknown): string => `${String(ray)}|${String(time)}`;

interface Setup {
  readonly expected: string[];
  /** Every original line, by `rayId|time`. */
  readonly lines: Map<string, string>;
  readonly host: TestHost;
  readonly exporter: OtlpExporter;
  readonly receiver: LogpushFileReceiver;
  /** Records handed to the exporter and acknowledged by it so far, and the most outstanding at once. */
  readonly counts: { handed: number; acknowledged: number; maxOutstanding: number };
  /** Every worker thread the pool started (the first two and any replacements). */
  readonly spawned: Worker[];
  readonly pool: WorkerPool;
}

async function setup(
  url: string,
  exporterSettings: Record<string, unknown>,
  receiverSettings: Record<string, unknown>,
  data: { readonly count: number; readonly files: number } = { count: 1500, files: 3 },
  /** Gets the records of passes run on the main thread (by default there must be none). */
  mainThread: Consumer = {
    consume: () => Promise.reject(new Error('records must arrive encoded, not as entries')),
  },
): Promise<Setup> {
  const work = await mkdtemp(join(tmpdir(), 'logpush-otel-workers-'));
  cleanup.push(work);
  const input = join(work, 'logpush');
  const paths = await writeLogpushDirectory(input, {
    dataset: 'http_requests',
    count: data.count,
    seed: 5,
    files: data.files,
    gzip: true,
    timestampFormat: 'unixnano',
  });
  const lines = new Map<string, string>();
  for (const p of paths) {
    for (const l of gunzipSync(await readFile(p))
      .toString('utf8')
      .split('\n')) {
      if (l === '') continue;
      lines.set(key(/"RayID":"([^"]+)"/.exec(l)?.[1], /"EdgeStartTimestamp":(\d+)/.exec(l)?.[1]), l);
    }
  }
  const host = createTestHost('otlp');
  const exporterConfig = otlpExporterFactory.validate(
    {
      endpoint: url,
      concurrency: 2,
      retry_on_failure: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '60s' },
      ...exporterSettings,
    },
    'exporters.otlp',
  );
  if (!exporterConfig.ok) throw new Error(JSON.stringify(exporterConfig.issues));
  const exporter = new OtlpExporter(host, exporterConfig.config);
  const receiverConfig = logpushFileReceiverFactory.validate(
    {
      directory: input,
      checkpoint_dir: join(work, 'checkpoints'),
      poll_interval: '25ms',
      ...receiverSettings,
    },
    'receivers.logpush_file',
  );
  if (!receiverConfig.ok) throw new Error(JSON.stringify(receiverConfig.issues));
  const settings = {
    id: 'logpush_file',
    logger: host.logger,
    metrics: host.metrics,
    deadLetters: host.deadLetters,
  };
  const receiver = logpushFileReceiverFactory.create(settings, receiverConfig.config, mainThread);
  const counts = { handed: 0, acknowledged: 0, maxOutstanding: 0 };
  const spawned: Worker[] = [];
  const pool = new WorkerPool(2, { onSpawn: (w) => spawned.push(w) });
  receiver.useWorkers({
    pool,
    mapping: { body: 'original' },
    mapComponent: 'processors/cloudflare',
    encoding: exporter.encoding,
    async deliver(batch: EncodedBatch) {
      counts.handed += batch.records;
      counts.maxOutstanding = Math.max(counts.maxOutstanding, counts.handed - counts.acknowledged);
      await exporter.consumeEncoded(batch);
      counts.acknowledged += batch.records;
    },
  });
  await exporter.start(host);
  await receiver.start(host);
  return { expected: [...lines.keys()].sort(), lines, host, exporter, receiver, counts, spawned, pool };
}

function delivered(b: OtlpReceiver): string[] {
  return b
    .records()
    .map((r) => key(r.attributes['cloudflare.ray_id'], r.timeUnixNano))
    .sort();
}

describe('logpush_file in worker threads → otlp exporter with encoded bodies', { timeout: 60_000 }, () => {
  it('replaces worker threads that die mid-file and reads on from where the delivered batches end, each record once', async () => {
    backend = await startOtlpReceiver();
    const b = backend;
    // Answers are held: each file's pass stops mid-file. Bodies are plain OTLP/JSON (large), so a worker holds
    // the most its task credit allows (4 MiB) well before the end of its file: both threads are busy.
    b.stall();
    const s = await setup(
      b.url,
      { protocol: 'http/json', compression: 'none' },
      {
        batch_size: 100,
        max_in_flight_batches: 2,
        max_open_files: 2,
        retry_initial_interval: '20ms',
        retry_max_interval: '100ms',
      },
      { count: 6000, files: 2 },
    );
    try {
      await until('requests held by the stalled backend', () => b.pending() >= 2, 30_000);
      expect(s.counts.handed).toBeGreaterThan(0);
      expect(s.counts.handed).toBeLessThan(s.expected.length);
      // Both threads die as a crash would end them, while their passes are running.
      const first = s.spawned.slice();
      expect(first).toHaveLength(2);
      await Promise.all(first.map((w) => w.terminate()));
      b.resume();
      await s.receiver.drained();
      // Every record arrived, none twice: what was handed on before the deaths was delivered, and the passes
      // that replaced the dead ones started where those batches ended.
      expect(delivered(b)).toEqual(s.expected);
      expect(s.spawned.length).toBeGreaterThan(2);
      const failures = s.host.messages.filter((m) => m.message === 'cannot read file; will retry');
      expect(failures.length).toBeGreaterThan(0);
      for (const f of failures) expect(String(f.fields['error'])).toMatch(/worker thread exited/);
      // Both passes were cut short: the deaths landed mid-task, not between tasks.
      expect(new Set(failures.map((f) => f.fields['file'])).size).toBe(2);
      expect(s.host.letters).toEqual([]);
    } finally {
      await s.receiver.shutdown();
      await s.exporter.shutdown();
    }
  });

  it('reads on the main thread once the pool gives up on threads that keep dying, each record once', async () => {
    backend = await startOtlpReceiver();
    const b = backend;
    b.stall();
    // Passes on the main thread map the records as the workers would, and the exporter encodes them.
    const map = createMapper({ body: 'original' });
    const to: { exporter?: OtlpExporter } = {};
    let onMainThread = 0;
    const s = await setup(
      b.url,
      { protocol: 'http/json', compression: 'none' },
      {
        batch_size: 100,
        max_in_flight_batches: 2,
        max_open_files: 2,
        retry_initial_interval: '20ms',
        retry_max_interval: '100ms',
      },
      { count: 6000, files: 2 },
      {
        async consume(batch) {
          if (to.exporter === undefined) throw new Error('no exporter yet');
          onMainThread += batch.entries.length;
          await to.exporter.consume({ entries: batch.entries.map((e) => map(e)) });
        },
      },
    );
    to.exporter = s.exporter;
    try {
      await until('requests held by the stalled backend', () => b.pending() >= 2, 30_000);
      // Every thread the pool starts dies at once, until the pool stops replacing them.
      const ended = new Set<Worker>();
      await until(
        'the pool giving up',
        async () => {
          for (const w of s.spawned.filter((x) => !ended.has(x))) {
            ended.add(w);
            await w.terminate();
          }
          return s.pool.broken !== undefined;
        },
        30_000,
      );
      b.resume();
      await s.receiver.drained();
      expect(delivered(b)).toEqual(s.expected);
      expect(onMainThread).toBeGreaterThan(0);
      expect(s.counts.handed + onMainThread).toBe(s.expected.length);
      expect(
        s.host.messages.filter((m) =>
          m.message.startsWith('worker threads keep failing; reading on the main'),
        ),
      ).toHaveLength(1);
      expect(s.host.letters).toEqual([]);
    } finally {
      await s.receiver.shutdown();
      await s.exporter.shutdown();
    }
  });

  it('splits a body over max_request_size from the records read again, delivering each record once', async () => {
    backend = await startOtlpReceiver();
    const s = await setup(backend.url, { max_request_size: '64KiB' }, { batch_size: 250 });
    try {
      await s.receiver.drained();
      expect(delivered(backend)).toEqual(s.expected);
      // 6 batches of 250 records (over 64 KiB each before compression) went out in more, smaller requests.
      expect(backend.requests.length).toBeGreaterThan(6);
      expect(s.host.letters).toEqual([]);
    } finally {
      await s.receiver.shutdown();
      await s.exporter.shutdown();
    }
  });

  it('keeps encoded batches while the backend refuses the exporter (401), then delivers each record once', async () => {
    backend = await startOtlpReceiver();
    let refuse = true;
    backend.respondWith(() => (refuse ? { status: 401 } : undefined));
    const retry = {
      initial_interval: '20ms',
      max_interval: '50ms',
      max_elapsed_time: '100ms',
      misconfigured_max_interval: '100ms',
    };
    const s = await setup(
      backend.url,
      { retry_on_failure: retry },
      { batch_size: 100, max_in_flight_batches: 2 },
    );
    try {
      const b = backend;
      // Retried well past max_elapsed_time: a configuration refusal pauses, it never gives up on the records.
      await until('retries while refused', () => b.requests.length > 8, 30_000);
      expect(s.exporter.notReadyReason()).toMatch(/401/);
      expect(s.counts.acknowledged).toBe(0);
      expect(s.host.letters).toEqual([]);
      refuse = false;
      await s.receiver.drained();
      expect(delivered(backend)).toEqual(s.expected);
      expect(s.exporter.notReadyReason()).toBeUndefined();
      expect(s.host.letters).toEqual([]);
    } finally {
      await s.receiver.shutdown();
      await s.exporter.shutdown();
    }
  });

  it('sends an encoded batch answered 413 again in halves, from the records read again', async () => {
    backend = await startOtlpReceiver();
    backend.respondWith((n) => (n === 0 ? { status: 413 } : undefined));
    const s = await setup(backend.url, {}, { batch_size: 100, max_open_files: 1, max_in_flight_batches: 1 });
    try {
      await s.receiver.drained();
      expect(backend.requests[0]?.status).toBe(413);
      // 15 batches of 100 records: the refused one went out as two requests of 50.
      expect(backend.requests.length).toBe(17);
      expect(delivered(backend)).toEqual(s.expected);
      expect(s.host.letters).toEqual([]);
    } finally {
      await s.receiver.shutdown();
      await s.exporter.shutdown();
    }
  });

  it('dead-letters the records of a partially rejected request with their original lines', async () => {
    backend = await startOtlpReceiver();
    backend.respondWith((n) =>
      n === 0 ? { status: 200, body: partialSuccessBody(3, 'too old') } : undefined,
    );
    const s = await setup(backend.url, {}, { batch_size: 100, max_open_files: 1, max_in_flight_batches: 1 });
    try {
      await s.receiver.drained();
      const first = backend.requests[0];
      expect(first?.status).toBe(200);
      const letters = s.host.letters;
      expect(letters).toHaveLength(100);
      const inFirstRequest = new Set(
        backend
          .records()
          .slice(0, 100)
          .map((r) => key(r.attributes['cloudflare.ray_id'], r.timeUnixNano)),
      );
      const originals = new Set([...inFirstRequest].map((k) => s.lines.get(k)));
      for (const l of letters) {
        expect(l.reason).toMatch(/rejected 3 of 100 records .*partial success.*: too old$/);
        expect(originals.has(l.raw)).toBe(true);
        expect(l.source).toMatch(/\.log\.gz$/);
      }
      expect(new Set(letters.map((l) => l.raw)).size).toBe(100);
      expect(delivered(backend)).toEqual(s.expected);
    } finally {
      await s.receiver.shutdown();
      await s.exporter.shutdown();
    }
  });
});
