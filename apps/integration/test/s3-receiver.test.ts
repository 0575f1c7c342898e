// The `logpush_s3` receiver against a real S3-compatible store (VersityGW, built by the repo's scripts), through
// the real `logpush-otel run` command exporting to a loopback OTLP receiver: exactly-once delivery from a bucket,
// new objects while running, kill -9 and resume inside an object, a store that restarts or answers 503, three
// shards, pagination over 2,000 objects, and deleting acknowledged objects.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { DecodedLogRecord, OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBucket,
  filesUnder,
  listKeys,
  putObject,
  s3SidecarConfig,
  startFlakyProxy,
  startStore,
  uploadDirectory,
} from '../src/s3.ts';
import type { RunningStore, S3SidecarOptions } from '../src/s3.ts';
import { canConnect, freePort, startProcess, waitUntil } from '../src/processes.ts';
import { REPO_ROOT, tempDir } from '../src/services.ts';
import { runSidecarOnce, startSidecar, writeSidecarConfig } from '../src/sidecar.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

const BUCKET = 'logpush';
const PREFIX = 'http_requests/';

let backend: OtlpReceiver | undefined;
afterEach(async () => {
  await backend?.close();
  backend = undefined;
});

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Where each generated line comes from: object key and 1-based line. */
type Origins = Map<string, { readonly key: string; readonly line: number }>;

/** Generates `objects` Logpush files of `perObject` records under `dir` and maps every line to its key. */
async function generate(
  dir: string,
  objects: number,
  perObject: number,
  options: { readonly seed?: number; readonly startUnixNano?: bigint; readonly gzip?: boolean } = {},
): Promise<{ files: string[]; origins: Origins }> {
  const files = await writeLogpushDirectory(dir, {
    dataset: 'http_requests',
    count: objects * perObject,
    files: objects,
    seed: options.seed ?? 7,
    gzip: options.gzip ?? true,
    ...(options.startUnixNano === undefined ? {} : { startUnixNano: options.startUnixNano }),
  });
  const origins: Origins = new Map();
  for (const rel of await filesUnder(dir)) {
    const bytes = await readFile(join(dir, rel));
    const text = (rel.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    text.split('\n').forEach((raw, i) => {
      if (raw !== '') origins.set(raw, { key: PREFIX + rel, line: i + 1 });
    });
  }
  expect(origins.size).toBe(objects * perObject);
  return { files, origins };
}

function bodies(records: readonly DecodedLogRecord[]): string[] {
  return records.map((r) => {
    if (typeof r.body !== 'string') throw new Error('expected the original line as the body');
    return r.body;
  });
}

/** Every origin received exactly once, nothing else. */
function expectExactlyOnce(received: readonly string[], origins: Origins): void {
  const counts = new Map<string, number>();
  for (const raw of received) counts.set(raw, (counts.get(raw) ?? 0) + 1);
  const foreign = [...counts.keys()].filter((raw) => !origins.has(raw));
  const twice = [...counts.entries()].filter(([, n]) => n > 1);
  expect(foreign.length, 'records that were never written').toBe(0);
  expect(twice.length, `records delivered more than once, e.g. ${twice[0]?.[0].slice(0, 80)}`).toBe(0);
  expect(counts.size, 'distinct records delivered').toBe(origins.size);
}

/** The checkpoints a sidecar saved (snapshot, then journal, deletions applied), by object key. */
async function savedCheckpoints(
  state: string,
  name = 'logpush_s3',
): Promise<Map<string, { line: number; done: boolean }>> {
  const file = join(state, 'checkpoints', `${name}.checkpoints.json`);
  const out = new Map<string, { line: number; done: boolean; version: number }>();
  const take = (e: { id: string; path: string; line: number; done: boolean; version?: number }): void => {
    const seen = out.get(e.path);
    if (e.id !== '@listing' && (seen === undefined || seen.version <= (e.version ?? 0)))
      out.set(e.path, { line: e.line, done: e.done, version: e.version ?? 0 });
  };
  const snapshot = await readFile(file, 'utf8').catch(() => '');
  if (snapshot !== '')
    for (const e of (JSON.parse(snapshot) as { files: Parameters<typeof take>[0][] }).files) take(e);
  const text = await readFile(`${file}.journal`, 'utf8').catch(() => '');
  // Complete lines only: a line may be in the middle of being appended while a running sidecar is polled.
  const journal = text.slice(0, text.lastIndexOf('\n') + 1);
  for (const line of journal.split('\n')) {
    if (line === '') continue;
    const parsed = JSON.parse(line) as {
      set?: Parameters<typeof take>[0];
      delete?: string;
      version?: number;
    };
    if (parsed.set !== undefined) take(parsed.set);
    // Object entries are keyed by the object key: a delete names it.
    const gone = parsed.delete === undefined ? undefined : out.get(parsed.delete);
    if (parsed.delete !== undefined && gone !== undefined && gone.version < (parsed.version ?? 0))
      out.delete(parsed.delete);
  }
  return out;
}

/** Polls `check` every 50 ms until true; fails with `what` after `timeoutMs`. */
async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Setup {
  readonly root: string;
  readonly store: RunningStore;
  readonly backend: OtlpReceiver;
}

async function setup(name: string): Promise<Setup> {
  guardProcesses();
  const root = await tempDir(name);
  const store = await startStore(services().versitygw);
  await createBucket(store.client, BUCKET);
  backend = await startOtlpReceiver();
  return { root, store, backend };
}

async function configFile(
  s: Setup,
  name: string,
  options: Partial<S3SidecarOptions> = {},
): Promise<{ file: string; dir: string; state: string }> {
  const dir = join(s.root, name);
  await mkdir(dir, { recursive: true });
  const state = join(dir, 'state');
  const config = s3SidecarConfig({
    endpoint: s.store.endpoint,
    bucket: BUCKET,
    prefix: PREFIX,
    stateDir: state,
    otlpUrl: s.backend.url,
    ...options,
  });
  return { file: await writeSidecarConfig(dir, config), dir, state };
}

describe.skipIf(skipReason !== undefined)('logpush_s3 receiver against VersityGW', () => {
  it('run --once delivers 12 objects of 2,500 records exactly once and skips the ownership challenge', async () => {
    const s = await setup('s3-once');
    const { origins } = await generate(join(s.root, 'input'), 12, 2500);
    const keys = await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    expect(keys).toHaveLength(12);
    await putObject(s.store.client, BUCKET, `${PREFIX}ownership-challenge-0a1b2c3d.txt`, 'challenge token');
    await putObject(s.store.client, BUCKET, `${PREFIX}test.txt.gz`, new Uint8Array([0x1f, 0x8b]));

    const { file, dir } = await configFile(s, 'run');
    const started = Date.now();
    const { status, process } = await runSidecarOnce(file, dir, 180_000);
    const seconds = (Date.now() - started) / 1000;
    expect(status.code, process.report()).toBe(0);
    expectExactlyOnce(bodies(s.backend.records()), origins);
    console.log(`[s3] run --once: ${origins.size} records from 12 objects in ${seconds.toFixed(1)} s`);
  });
  it('picks up objects added while it runs within one poll interval', async () => {
    const s = await setup('s3-live');
    const first = await generate(join(s.root, 'first'), 2, 500, { seed: 21 });
    const later = await generate(join(s.root, 'later'), 2, 500, {
      seed: 22,
      startUnixNano: 1_704_153_600_000_000_000n,
    });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'first'), PREFIX);
    const pollMs = 4000;
    const port = await freePort();
    const { file, dir } = await configFile(s, 'run', {
      pollInterval: `${pollMs}ms`,
      telemetryAddress: `127.0.0.1:${port}`,
    });
    const sidecar = startSidecar(file, dir, { once: false });
    await s.backend.waitForRecords(first.origins.size, 60_000);
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'later'), PREFIX);
    const uploaded = Date.now();
    await s.backend.waitForRecords(first.origins.size + later.origins.size, 30_000);
    // The first request carrying a new record left the sidecar within one poll interval of the upload (plus
    // the time to read and export one batch on a busy machine: up to 3 s under CI load, still well short of a
    // second poll interval).
    const firstNew = s.backend.records().find((r) => typeof r.body === 'string' && later.origins.has(r.body));
    const arrived = s.backend.requests[firstNew?.request ?? -1]?.receivedAt ?? Number.POSITIVE_INFINITY;
    expect(arrived - uploaded, sidecar.report()).toBeLessThan(pollMs + 3000);

    // The lag metric: now minus the window end named in the newest finished key.
    const newestEnd = Math.max(
      ...[...later.origins.values()].map((o) => {
        const m = /_(\d{8})T(\d{2})(\d{2})(\d{2})Z_[^/]*$/.exec(o.key);
        if (m === null) throw new Error(`no window in ${o.key}`);
        const [, day = '', hh, mm, ss] = m;
        return Date.UTC(
          +day.slice(0, 4),
          +day.slice(4, 6) - 1,
          +day.slice(6, 8),
          +(hh ?? 0),
          +(mm ?? 0),
          +(ss ?? 0),
        );
      }),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const lag = Number(/logpush_otel_receiver_s3_lag_seconds\{[^}]*\} ([\d.e+]+)/.exec(metrics)?.[1]);
    expect(Math.abs(lag - (Date.now() - newestEnd) / 1000), metrics).toBeLessThan(60);

    expect((await sidecar.stop()).code, sidecar.report()).toBe(0);
    expectExactlyOnce(bodies(s.backend.records()), new Map([...first.origins, ...later.origins]));
  });

  it.each([
    ['plain NDJSON, resumed with a ranged GET', false],
    ['gzip, decompressed from the start with the delivered part skipped', true],
  ])(
    'killed with SIGKILL inside an object, restarted: nothing lost, nothing before the checkpoint resent (%s)',
    async (_name, gzip) => {
      const s = await setup('s3-kill');
      const { origins } = await generate(join(s.root, 'input'), 4, 3000, { seed: 31, gzip });
      await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
      const answered = 8;
      s.backend.respondWith((n) => (n >= answered ? { status: 200, delayMs: 120_000 } : undefined));
      const { file, dir, state } = await configFile(s, 'run', {
        batchSize: 200,
        maxInFlightBatches: 4,
        maxObjectsInFlight: 1,
      });
      const first = startSidecar(file, dir, { once: false });
      await until(
        'requests held by the backend',
        () => s.backend.requests.length >= answered + 2 || !!first.exitStatus,
      );
      // The acknowledged positions reach the disk (polled: a fixed sleep may be too short on a busy machine).
      await until('a position inside an object saved', async () =>
        [...(await savedCheckpoints(state)).values()].some((c) => !c.done && c.line > 0),
      );
      await first.kill();
      const firstRun = bodies(s.backend.records());
      expect(firstRun.length).toBeGreaterThan(0);
      expect(firstRun.length).toBeLessThan(origins.size);
      const saved = await savedCheckpoints(state);
      const partial = [...saved.entries()].filter(([, c]) => !c.done && c.line > 0);
      expect(partial.length, 'an object checkpointed in its middle').toBeGreaterThan(0);

      const before = s.backend.records().length;
      s.backend.respondWith(() => undefined);
      // The restart goes through a proxy that records the Range headers.
      const proxy = await startFlakyProxy(s.store.port);
      const resumed = await configFile(s, 'run', {
        endpoint: proxy.endpoint,
        batchSize: 200,
        maxInFlightBatches: 4,
        maxObjectsInFlight: 1,
      });
      const { status, process } = await runSidecarOnce(resumed.file, resumed.dir, 120_000).finally(() =>
        proxy.close(),
      );
      expect(status.code, process.report()).toBe(0);
      const ranged = proxy.ranges.filter((r) => /^bytes=[1-9]\d*-$/.test(r));
      if (gzip) expect(ranged, 'gzip objects are read from their first byte').toEqual([]);
      else expect(ranged.length, proxy.ranges.join(', ')).toBeGreaterThan(0);
      const secondRun = bodies(s.backend.records().slice(before));
      expect(new Set([...firstRun, ...secondRun]).size).toBe(origins.size);
      for (const raw of secondRun) {
        const o = origins.get(raw);
        expect(o).toBeDefined();
        if (o === undefined) continue;
        const cp = saved.get(o.key);
        expect(cp?.done ?? false, `${o.key} was finished before the kill but read again`).toBe(false);
        expect(
          o.line,
          `${o.key}:${o.line} re-sent though the checkpoint was at line ${cp?.line}`,
        ).toBeGreaterThan(cp?.line ?? 0);
      }
    },
  );

  it('loses nothing when the store restarts mid-run', async () => {
    const s = await setup('s3-store-restart');
    const { origins } = await generate(join(s.root, 'input'), 6, 4000, { seed: 41 });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    // A slow backend keeps the run going while the store restarts.
    s.backend.respondWith(() => ({ status: 200, delayMs: 40 }));
    const { file, dir } = await configFile(s, 'run', { batchSize: 200, maxInFlightBatches: 2 });
    const sidecar = startSidecar(file, dir);
    await s.backend.waitForRecords(2000, 60_000);
    await s.store.process.stop();
    // Down until the sidecar has run into it (a fixed 1.5 s could pass before a busy sidecar asked the store).
    await until('the sidecar noticing the store is down', () =>
      /failed; will (retry|resume)/.test(sidecar.output()),
    );
    await startStore(services().versitygw, { root: s.store.root, port: s.store.port });
    const status = await sidecar.exited;
    expect(status.code, sidecar.report()).toBe(0);
    expect(sidecar.output()).toMatch(/failed; will (retry|resume)/);
    expectExactlyOnce(bodies(s.backend.records()), origins);
  });

  it('loses nothing while the store answers 503 SlowDown for a while', async () => {
    const s = await setup('s3-slowdown');
    const { origins } = await generate(join(s.root, 'input'), 4, 2500, { seed: 51 });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    const proxy = await startFlakyProxy(s.store.port);
    try {
      proxy.failing = true;
      const { file, dir } = await configFile(s, 'run', { endpoint: proxy.endpoint });
      const sidecar = startSidecar(file, dir);
      // Refuse for a while once the sidecar asks (its SDK retries, then the receiver backs off and retries).
      await until('requests refused', () => proxy.refused >= 4, 60_000);
      await sleep(2000);
      proxy.failing = false;
      const status = await sidecar.exited;
      expect(status.code, sidecar.report()).toBe(0);
      expect(proxy.refused).toBeGreaterThan(0);
      expectExactlyOnce(bodies(s.backend.records()), origins);
    } finally {
      await proxy.close();
    }
  });

  it('three replicas with shards 0/3, 1/3, 2/3 deliver every record exactly once together', async () => {
    const s = await setup('s3-shards');
    const { origins } = await generate(join(s.root, 'input'), 12, 1000, { seed: 61 });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    const replicas = await Promise.all(
      [0, 1, 2].map(async (index) => {
        const { file, dir } = await configFile(s, `replica-${index}`, { shard: { index, count: 3 } });
        return startSidecar(file, dir);
      }),
    );
    for (const r of replicas) expect((await r.exited).code, r.report()).toBe(0);
    const received = bodies(s.backend.records());
    expectExactlyOnce(received, origins);
    // Each replica took a share (12 keys hashed over 3 shards).
    const perReplica = replicas.map((r) => /"recordsRead":(\d+)/.exec(r.output())?.[1]);
    expect(perReplica.filter((n) => n !== undefined && Number(n) > 0).length).toBeGreaterThan(1);
  });

  it('reads 2,000 small objects over several listing pages, in key order', async () => {
    const s = await setup('s3-pages');
    const { origins } = await generate(join(s.root, 'input'), 2000, 3, { seed: 71 });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX, 16);
    // One object at a time and one export request at a time: the backend sees records in reading order.
    const { file, dir } = await configFile(s, 'run', {
      maxObjectsInFlight: 1,
      batchSize: 1000,
      exporterConcurrency: 1,
    });
    const { status, process } = await runSidecarOnce(file, dir, 240_000);
    expect(status.code, process.report()).toBe(0);
    const received = bodies(s.backend.records());
    expectExactlyOnce(received, origins);
    const keys = received.map((raw) => origins.get(raw)?.key ?? '');
    const outOfOrder = keys.findIndex((k, i) => i > 0 && k < (keys[i - 1] ?? ''));
    expect(outOfOrder, `key ${keys[outOfOrder]} arrived after ${keys[outOfOrder - 1]}`).toBe(-1);
  });

  it('after_ack: delete removes only the objects whose records were all acknowledged', async () => {
    const s = await setup('s3-delete');
    const { origins } = await generate(join(s.root, 'input'), 4, 1000, { seed: 81 });
    const keys = await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    // The first requests are answered, the later ones held: some objects finish, the rest cannot.
    const answered = 3;
    s.backend.respondWith((n) => (n >= answered ? { status: 200, delayMs: 120_000 } : undefined));
    const { file, dir } = await configFile(s, 'run', {
      afterAck: 'delete',
      batchSize: 500,
      maxObjectsInFlight: 1,
      maxInFlightBatches: 2,
    });
    const sidecar = startSidecar(file, dir, { once: false });
    await until(
      'a finished object deleted',
      async () => (await listKeys(s.store.client, BUCKET)).length < keys.length,
    );
    await sleep(500);
    const left = new Set(await listKeys(s.store.client, BUCKET));
    const acked = new Map<string, number>();
    for (const raw of bodies(s.backend.records())) {
      const key = origins.get(raw)?.key ?? '';
      acked.set(key, (acked.get(key) ?? 0) + 1);
    }
    for (const key of keys) {
      if (left.has(key)) expect(acked.get(key) ?? 0, `${key} kept`).toBeLessThan(1000);
      else expect(acked.get(key), `${key} deleted though not all its records were acknowledged`).toBe(1000);
    }
    expect(left.size).toBeGreaterThan(0);
    await sidecar.kill();
  });

  it('wrong credentials or a missing bucket: one clear error, not ready, nothing marked done', async () => {
    const s = await setup('s3-config-fault');
    const { origins } = await generate(join(s.root, 'input'), 2, 500, { seed: 91 });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    const port = await freePort();
    const wrong = await configFile(s, 'run', {
      secretKey: 'not-the-secret',
      telemetryAddress: `127.0.0.1:${port}`,
      receiver: { retry_max_interval: '300ms' },
    });
    const sidecar = startSidecar(wrong.file, wrong.dir, { once: false });
    const readyz = async (): Promise<number> =>
      (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status ?? 0;
    await until('/readyz answering 503', async () => (await readyz()) === 503);
    await until(
      'a few attempts',
      () => (sidecar.output().match(/SignatureDoesNotMatch|InvalidAccessKeyId/g) ?? []).length > 0,
    );
    // Several retries with backoff (counted in the metrics; waited for, not assumed after a fixed time).
    const configAttempts = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const m = /logpush_otel_receiver_s3_request_errors_total\{[^}]*kind="config"[^}]*\} (\d+)/.exec(text);
      return Number(m?.[1] ?? 0);
    };
    await until('several attempts', async () => (await configAttempts()) > 2);
    expect(await readyz()).toBe(503);
    const errors = sidecar
      .output()
      .split('\n')
      .filter((l) => l.includes('check the credentials'));
    expect(errors, sidecar.report()).toHaveLength(1);
    expect(errors[0]).toMatch(/SignatureDoesNotMatch|InvalidAccessKeyId/);
    // It kept trying (with backoff) and says so in its metrics.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const attempts = /logpush_otel_receiver_s3_request_errors_total\{[^}]*kind="config"[^}]*\} (\d+)/.exec(
      metrics,
    );
    expect(Number(attempts?.[1] ?? 0), metrics).toBeGreaterThan(2);
    expect(metrics).toMatch(/logpush_otel_receiver_s3_config_fault\{[^}]*\} 1/);
    expect((await sidecar.stop()).code).toBe(0);
    expect(s.backend.records()).toHaveLength(0);
    expect([...(await savedCheckpoints(wrong.state)).values()].filter((c) => c.done)).toHaveLength(0);

    // A missing bucket stops `run --once` with the store's answer instead of waiting forever.
    const missing = await configFile(s, 'missing', {
      bucket: 'no-such-bucket',
      receiver: { retry_max_interval: '200ms' },
    });
    const once = await runSidecarOnce(missing.file, missing.dir, 60_000);
    expect(once.status.code, once.process.report()).toBe(1);
    expect(once.process.output()).toMatch(/NoSuchBucket/);

    // With the right credentials and the same state, everything is read.
    const right = await configFile(s, 'run', {});
    const fixed = await runSidecarOnce(right.file, right.dir, 60_000);
    expect(fixed.status.code, fixed.process.report()).toBe(0);
    expectExactlyOnce(bodies(s.backend.records()), origins);
  });

  it('the example Collector gateway (examples/collector-gateway/gateway.yaml) passes every record on', async () => {
    const s = await setup('s3-gateway');
    const { origins } = await generate(join(s.root, 'input'), 4, 1000, { seed: 101 });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    const [http, grpc] = [await freePort(), await freePort()];
    const gateway = startProcess({
      name: 'otelcol-gateway',
      command: services().otelcol,
      args: [`--config=file:${join(REPO_ROOT, 'examples/collector-gateway/gateway.yaml')}`],
      logFile: join(s.root, 'gateway.log'),
      cwd: s.root,
      env: {
        ...process.env,
        GATEWAY_ENDPOINT: `127.0.0.1:${http}`,
        GATEWAY_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
        BACKEND_ENDPOINT: s.backend.url,
        GATEWAY_METRICS_HOST: '127.0.0.1',
        GATEWAY_METRICS_PORT: String(await freePort()),
      },
    });
    await waitUntil(
      gateway,
      'ready',
      async () => gateway.output().includes('Everything is ready') && (await canConnect(http)),
    );
    const { file, dir } = await configFile(s, 'run', { otlpUrl: `http://127.0.0.1:${http}` });
    const run = await runSidecarOnce(file, dir, 120_000);
    expect(run.status.code, run.process.report()).toBe(0);
    // The sidecar's batches were acknowledged by the gateway; the gateway's exporter delivers them shortly after.
    await s.backend.waitForRecords(origins.size, 30_000);
    expectExactlyOnce(bodies(s.backend.records()), origins);
  });

  it('reads an object again from the start when its ETag changed, and says so', async () => {
    const s = await setup('s3-etag');
    const { origins } = await generate(join(s.root, 'input'), 2, 300, { seed: 111 });
    const keys = await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    const { file, dir } = await configFile(s, 'run');
    const first = await runSidecarOnce(file, dir, 60_000);
    expect(first.status.code, first.process.report()).toBe(0);
    expectExactlyOnce(bodies(s.backend.records()), origins);
    // The first object is replaced by other content under the same key.
    const replaced = keys[0] ?? '';
    const other = await generate(join(s.root, 'other'), 1, 200, { seed: 112, gzip: false });
    const [otherFile] = await filesUnder(join(s.root, 'other'));
    await putObject(s.store.client, BUCKET, replaced, await readFile(join(s.root, 'other', otherFile ?? '')));
    const before = s.backend.records().length;
    const second = await runSidecarOnce(file, dir, 60_000);
    expect(second.status.code, second.process.report()).toBe(0);
    expect(second.process.output()).toMatch(
      /object changed since it was read \(new ETag\); reading it again/,
    );
    const again = bodies(s.backend.records().slice(before));
    expect(new Set(again)).toEqual(new Set(other.origins.keys()));
    expect(again).toHaveLength(200);
  });

  it('after_ack: tag marks every finished object with logpush-otel=done', async () => {
    const s = await setup('s3-tag');
    const { origins } = await generate(join(s.root, 'input'), 3, 200, { seed: 121 });
    const keys = await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    const { file, dir } = await configFile(s, 'run', { afterAck: 'tag' });
    const run = await runSidecarOnce(file, dir, 60_000);
    expect(run.status.code, run.process.report()).toBe(0);
    expectExactlyOnce(bodies(s.backend.records()), origins);
    for (const key of keys) {
      const tags = await s.store.client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
      expect(tags.TagSet, key).toEqual([{ Key: 'logpush-otel', Value: 'done' }]);
    }
  });

  it('lists after the watermark once objects are finished and settled, forgetting their checkpoints', async () => {
    const s = await setup('s3-watermark');
    const first = await generate(join(s.root, 'first'), 3, 100, { seed: 131 });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'first'), PREFIX);
    // relist_window 0: finished objects count as settled at once, so the watermark moves over them.
    const { file, dir, state } = await configFile(s, 'run', { receiver: { relist_window: 0 } });
    const one = await runSidecarOnce(file, dir, 60_000);
    expect(one.status.code, one.process.report()).toBe(0);
    // A second run lists again: the watermark (set by the second listing) covers the three finished objects.
    const two = await runSidecarOnce(file, dir, 60_000);
    expect(two.status.code, two.process.report()).toBe(0);
    const journal = await readFile(join(state, 'checkpoints', 'logpush_s3.checkpoints.json.journal'), 'utf8');
    const watermarks = journal
      .split('\n')
      .filter((l) => l.includes('"@listing"'))
      .map((l) => (JSON.parse(l) as { set: { path: string } }).set.path);
    const lastKey = [...first.origins.values()]
      .map((o) => o.key)
      .sort()
      .at(-1);
    expect(watermarks.at(-1)).toBe(lastKey);
    expect(
      [...(await savedCheckpoints(state)).keys()],
      'finished entries below the watermark are dropped',
    ).toEqual([]);
    expectExactlyOnce(bodies(s.backend.records()), first.origins);

    // New objects after the watermark are read; nothing before it is listed again.
    const later = await generate(join(s.root, 'later'), 2, 100, {
      seed: 132,
      startUnixNano: 1_704_153_600_000_000_000n,
    });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'later'), PREFIX);
    const three = await runSidecarOnce(file, dir, 60_000);
    expect(three.status.code, three.process.report()).toBe(0);
    expectExactlyOnce(bodies(s.backend.records()), new Map([...first.origins, ...later.origins]));
  });

  it('downloads refused (403) while listing works: one error, not ready, then everything once allowed', async () => {
    const s = await setup('s3-denied');
    const { origins } = await generate(join(s.root, 'input'), 3, 300, { seed: 141 });
    await uploadDirectory(s.store.client, BUCKET, join(s.root, 'input'), PREFIX);
    const proxy = await startFlakyProxy(s.store.port);
    try {
      proxy.denyObjects = true;
      const port = await freePort();
      const { file, dir } = await configFile(s, 'run', {
        endpoint: proxy.endpoint,
        telemetryAddress: `127.0.0.1:${port}`,
        receiver: { retry_max_interval: '300ms' },
      });
      const sidecar = startSidecar(file, dir, { once: false });
      const readyz = async (): Promise<number> =>
        (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status ?? 0;
      await until('downloads refused a few times', () => proxy.denied >= 6);
      expect(await readyz()).toBe(503);
      const errors = sidecar
        .output()
        .split('\n')
        .filter((l) => l.includes('cannot read objects of'));
      expect(errors, sidecar.report()).toHaveLength(1);
      expect(errors[0]).toMatch(/AccessDenied/);
      expect(s.backend.records()).toHaveLength(0);

      proxy.denyObjects = false;
      await s.backend.waitForRecords(origins.size, 60_000);
      await until('/readyz answering 200', async () => (await readyz()) === 200);
      expect(sidecar.output()).toContain('the bucket can be read again');
      expect((await sidecar.stop()).code, sidecar.report()).toBe(0);
      expectExactlyOnce(bodies(s.backend.records()), origins);
    } finally {
      await proxy.close();
    }
  });
});
