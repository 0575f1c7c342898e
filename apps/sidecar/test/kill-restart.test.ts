// End to end through the real command: `logpush-otel run` reads a Logpush directory and exports to a loopback
// OTLP receiver. Killed with SIGKILL while batches are unacknowledged, then run again with --once: no record may
// be missing, and a record may arrive twice only if it lay past the checkpoint saved at the kill. Stopped with
// SIGTERM instead: what was in flight is drained and saved, so the restart sends nothing twice.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_START_UNIX_NANO, writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../src/checkpoint/index.ts';
import { savedLines } from './helpers/checkpoint-files.ts';
import { originsOf } from './helpers/origins.ts';
import type { Origin } from './helpers/origins.ts';
import { until } from './helpers/receiver-harness.ts';

const bin = fileURLToPath(new URL('../bin/logpush-otel.js', import.meta.url));
const cleanup: string[] = [];
const children: ChildProcess[] = [];
let backend: OtlpReceiver | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await backend?.close();
  backend = undefined;
  for (const d of cleanup.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The record's body: the original line (the config uses `body: original`). */
function bodyText(record: { readonly body: unknown }): string {
  if (typeof record.body !== 'string') throw new Error('expected the original line as a string body');
  return record.body;
}

function startSidecar(
  config: string,
  args: readonly string[] = [],
): { child: ChildProcess; exited: Promise<number | string>; stderr: () => string } {
  const child = spawn(process.execPath, [bin, 'run', '--config', config, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' },
  });
  children.push(child);
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (err += d));
  // 'close', not 'exit': the exit can be reported before the last of stderr has been read.
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, exited, stderr: () => err };
}

interface Setup {
  readonly origins: Map<string, Origin>;
  readonly gz: readonly string[];
  readonly state: string;
  readonly config: string;
}

/** Writes a Logpush directory (4 gzip files, then 2 plain files a day later) and a config exporting to `url`. */
async function prepare(url: string, workers: string): Promise<Setup> {
  const work = await mkdtemp(join(tmpdir(), 'logpush-otel-kill-'));
  cleanup.push(work);
  const input = join(work, 'logpush');
  const gz = await writeLogpushDirectory(join(input, 'http_requests'), {
    dataset: 'http_requests',
    count: 4000,
    seed: 11,
    files: 4,
    gzip: true,
  });
  const plain = await writeLogpushDirectory(join(input, 'firewall_events'), {
    dataset: 'firewall_events',
    count: 1500,
    seed: 12,
    files: 2,
    gzip: false,
    // A day later: read after the gzip files (oldest first).
    startUnixNano: DEFAULT_START_UNIX_NANO + 86_400_000_000_000n,
  });
  const origins = await originsOf([...gz, ...plain], (raw) => raw);
  expect(origins.size).toBe(5500);

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
    max_in_flight_batches: 4
    max_open_files: 1
    workers: ${workers}
processors:
  cloudflare:
    body: original
    # the generated records carry cookies: with them allowed, the body is the line as read (the record's identity)
    cookies: true
exporters:
  otlp:
    endpoint: ${JSON.stringify(url)}
    concurrency: 4
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
      address: ''
storage:
  directory: ${JSON.stringify(state)}
`,
  );

  return { origins, gz, state, config };
}

// `auto` reads, maps and encodes in worker threads (on a machine with more than one core): the kill then lands
// while workers hold encoded batches waiting for a slot.
const inWorkers = availableParallelism() > 1;
describe.each(['auto', '1'])(
  'logpush-otel run with workers: %s, stopped mid-stream and restarted',
  (workers) => {
    it('delivers every record; only records past the checkpoint saved at the kill arrive twice', async () => {
      backend = await startOtlpReceiver();
      const { origins, gz, state, config } = await prepare(backend.url, workers);
      // The first requests are answered; later ones are held (never answered before the kill).
      const answered = 6;
      backend.respondWith((n) => (n >= answered ? { status: 200, delayMs: 120_000 } : undefined));

      const first = startSidecar(config);
      const b = backend;
      await until(
        'requests held unanswered by the backend',
        () => first.child.exitCode !== null || b.requests.length >= answered + 2,
        30_000,
      );
      expect(first.child.exitCode, first.stderr()).toBeNull();
      expect(first.stderr().includes('in worker threads')).toBe(workers === 'auto' && inWorkers);
      // The acknowledged position inside the first file is on disk (its save may still be running when the
      // held requests arrive, on a busy machine).
      await until(
        'a position inside the first file saved',
        async () =>
          ((await savedLines(join(state, 'checkpoints'), 'logpush_file')).get(gz[0] ?? '') ?? 0) > 0,
      );
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');

      const firstRun = b.records().map(bodyText);
      expect(firstRun.length).toBeGreaterThan(0);
      expect(firstRun.length).toBeLessThan(origins.size);
      const store = await CheckpointStore.open(join(state, 'checkpoints'), 'logpush_file');
      const saved = new Map([...store.entries()].map((c) => [c.path, c] as const));
      await store.close();
      // One file at a time, oldest first, 4 batches of 100 in flight: the first gzip file was killed mid-way.
      const firstFile = saved.get(gz[0] ?? '');
      expect(firstFile?.done).toBe(false);
      expect(firstFile?.line).toBeGreaterThan(0);
      expect(firstFile?.line).toBeLessThan(1000);

      // Second run: the backend answers everything; --once exits when all that exists is acknowledged.
      const before = b.records().length;
      b.respondWith(() => undefined);
      const second = startSidecar(config, ['--once']);
      expect(await second.exited, second.stderr()).toBe(0);
      const secondRun = b.records().slice(before).map(bodyText);

      // Nothing missing, nothing foreign.
      const seen = new Set([...firstRun, ...secondRun]);
      expect(seen.size).toBe(origins.size);
      for (const raw of seen) expect(origins.has(raw)).toBe(true);
      // Nothing at or before a saved checkpoint is sent again.
      for (const raw of secondRun) {
        const o = origins.get(raw);
        if (o === undefined) continue;
        const line = saved.get(o.file)?.line ?? 0;
        expect(
          o.line,
          `${o.file}:${o.line} re-sent though the checkpoint was at line ${line}`,
        ).toBeGreaterThan(line);
      }
      // Duplicates are bounded by what can be in flight at once (receiver batches).
      const once = new Set(firstRun);
      const duplicates = secondRun.filter((raw) => once.has(raw)).length;
      expect(duplicates).toBeLessThanOrEqual(4 * 100 * 2);
      expect(new Set(secondRun).size).toBe(secondRun.length);
    }, 60_000);

    it('after SIGTERM mid-stream drains what is in flight and saves it: a restart sends nothing twice', async () => {
      backend = await startOtlpReceiver();
      const { origins, config } = await prepare(backend.url, workers);
      // Every request is answered, slowly, so the sidecar is mid-stream when it is told to stop.
      backend.respondWith(() => ({ status: 200, delayMs: 30 }));
      const first = startSidecar(config);
      const b = backend;
      await until(
        'records arriving',
        () => b.acceptedCount() >= 1000 || first.child.exitCode !== null,
        30_000,
      );
      expect(first.child.exitCode, first.stderr()).toBeNull();
      first.child.kill('SIGTERM');
      expect(await first.exited, first.stderr()).toBe(0);
      const firstRun = b.records().map(bodyText);
      expect(firstRun.length).toBeLessThan(origins.size);

      b.respondWith(() => undefined);
      const second = startSidecar(config, ['--once']);
      expect(await second.exited, second.stderr()).toBe(0);
      const secondRun = b.records().slice(firstRun.length).map(bodyText);
      const all = [...firstRun, ...secondRun];
      expect(new Set(all).size).toBe(origins.size);
      expect(all.length).toBe(origins.size);
    }, 60_000);
  },
);
