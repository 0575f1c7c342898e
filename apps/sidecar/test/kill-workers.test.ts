// SIGKILL while worker threads hold encoded batches. The real `logpush-otel run` reads gzip Logpush files in a
// pool of 2 worker threads (and, for comparison, on the main thread with workers: 1) and exports to a loopback
// OTLP receiver that answers the first few requests and then holds every answer. The kill lands once the
// sidecar's metrics show encoded request bodies held beyond the requests the backend is sitting on (batches
// encoded by the workers and waiting for a slot). The checkpoint saved at the kill is read, the sidecar is run
// again with --once: every record must arrive at least once, and no record at or before that checkpoint may
// arrive a second time.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../src/checkpoint/index.ts';
import { checkpointSavedPastStart } from './helpers/checkpoint-files.ts';
import { spawnCli } from './helpers/cli.ts';
import type { Running } from './helpers/cli.ts';
import { originsOf } from './helpers/origins.ts';
import { until } from './helpers/receiver-harness.ts';

const cleanup: string[] = [];
const running: Running[] = [];
let backend: OtlpReceiver | undefined;
afterEach(async () => {
  for (const r of running.splice(0)) r.kill('SIGKILL');
  await backend?.close();
  backend = undefined;
  for (const d of cleanup.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The RayIDs of the records `b` accepted, from index `from` of its accepted records on. */
function rays(b: OtlpReceiver, from = 0): string[] {
  return b
    .records()
    .slice(from)
    .map((r) => r.attributes['cloudflare.ray_id'] as string);
}

/** The value of gauge `name` in Prometheus text `text` (0 when absent). */
function gauge(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

function start(config: string, once = false): Running {
  const r = spawnCli(['run', ...(once ? ['--once'] : []), '--config', config]);
  running.push(r);
  return r;
}

describe.each([2, 1])(
  'logpush-otel run with workers: %i, killed while batches are held in flight',
  (workers) => {
    it('a restart delivers every record, and nothing at or before the saved checkpoint twice', async () => {
      const work = await mkdtemp(join(tmpdir(), 'logpush-otel-kill-workers-'));
      cleanup.push(work);
      const input = join(work, 'logpush');
      const files = await writeLogpushDirectory(input, {
        dataset: 'http_requests',
        count: 4500,
        seed: 21,
        files: 3,
        gzip: true,
      });
      const origins = await originsOf(files, (raw) => /"RayID":"([^"]+)"/.exec(raw)?.[1]);
      expect(origins.size).toBe(4500);

      backend = await startOtlpReceiver();
      const b = backend;
      // The first requests are answered; every later one is held past the kill.
      const answered = 4;
      b.respondWith((n) => (n >= answered ? { status: 200, delayMs: 120_000 } : undefined));

      const state = join(work, 'state');
      await mkdir(state);
      const config = join(work, 'config.yaml');
      await writeFile(
        config,
        `receivers:
  logpush_file:
    directory: ${JSON.stringify(input)}
    poll_interval: 100ms
    batch_size: 100
    max_in_flight_batches: 2
    max_open_files: 2
    workers: ${workers}
processors:
  cloudflare: {}
exporters:
  otlp:
    endpoint: ${JSON.stringify(b.url)}
    concurrency: 2
    timeout: 120s
    retry_on_failure:
      initial_interval: 50ms
      max_interval: 200ms
service:
  pipelines:
    logs:
      receivers: [logpush_file]
      processors: [cloudflare]
      exporters: [otlp]
  telemetry:
    logs:
      level: info
    metrics:
      address: 127.0.0.1:0
storage:
  directory: ${JSON.stringify(state)}
`,
      );

      const first = start(config);
      const telemetry = (await first.waitFor('started'))['telemetry'] as string;
      const inWorkers = first.stderr.some((l) => l.includes('in worker threads'));
      expect(inWorkers).toBe(workers > 1);
      // Wait until requests are held by the backend, a checkpoint past the answered records is on disk (saved on
      // the receiver's next scan) and, with workers, the receiver holds more encoded bytes than those requests
      // carry: batches encoded by the workers that wait for a slot.
      let encoded = 0;
      let batches = 0;
      let held = 0;
      await until(
        'encoded batches held in flight',
        async () => {
          const text = await (await fetch(`${telemetry}/metrics`)).text();
          encoded = gauge(text, 'logpush_otel_receiver_encoded_bytes_in_flight');
          batches = gauge(text, 'logpush_otel_batches_in_flight');
          held = b.requests.filter((r) => r.status === 0).reduce((n, r) => n + r.wireBytes, 0);
          if (b.pending() < 2) return false;
          if (!(await checkpointSavedPastStart(join(state, 'checkpoints'), 'logpush_file'))) return false;
          return workers > 1 ? encoded > held : batches >= 2;
        },
        30_000,
      );
      first.kill('SIGKILL');
      expect(await first.exit).toBeNull(); // killed, not exited
      if (workers > 1) expect(encoded).toBeGreaterThan(held);
      else expect(encoded).toBe(0); // the main thread hands records, not encoded bodies

      const firstRun = rays(b);
      expect(firstRun.length).toBe(answered * 100);
      const store = await CheckpointStore.open(join(state, 'checkpoints'), 'logpush_file');
      const saved = new Map([...store.entries()].map((c) => [c.path, c] as const));
      await store.close();
      // Some records are behind a saved checkpoint, and not all: the kill landed mid-stream.
      const behind = [...origins.values()].filter((o) => o.line <= (saved.get(o.file)?.line ?? 0)).length;
      expect(behind).toBeGreaterThan(0);
      expect(behind).toBeLessThan(origins.size);

      b.respondWith(() => undefined);
      const second = start(config, true);
      expect(await second.exit, second.stderr.join('\n')).toBe(0);
      const secondRun = rays(b, firstRun.length);

      // Nothing lost, nothing foreign.
      const seen = new Set([...firstRun, ...secondRun]);
      expect(seen.size).toBe(origins.size);
      for (const ray of seen) expect(origins.has(ray), ray).toBe(true);
      // Nothing at or before the checkpoint saved at the kill is sent again, and the restart sends each record once.
      for (const ray of secondRun) {
        const o = origins.get(ray);
        const line = o === undefined ? 0 : (saved.get(o.file)?.line ?? 0);
        expect(
          o?.line,
          `${ray} (${o?.file}:${o?.line}) re-sent though the checkpoint was at line ${line}`,
        ).toBeGreaterThan(line);
      }
      expect(new Set(secondRun).size).toBe(secondRun.length);
    }, 90_000);
  },
);
