// Bucket vs disk: the same gzip Logpush files read by `logpush-otel run --once` (a) from a bucket of a loopback
// VersityGW with the `logpush_s3` receiver and (b) from a directory with the `logpush_file` receiver, exporting
// to the same loopback OTLP receiver (which only counts records). Alternates the two for a few rounds and prints
// records/s, CPU seconds and peak RSS of the sidecar for each, with the machine's load average. Not a CI gate.
//
//   npm run bench:s3 -w @logpush-otel/integration -- [--records 240000] [--objects 24] [--rounds 2]
//
// Needs the services built (npm run build-services -w @logpush-otel/integration, or a run of the test suite).
import { loadavg } from 'node:os';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { procUsage, stopAllProcesses } from '../src/processes.ts';
import { createBucket, s3SidecarConfig, startStore, uploadDirectory } from '../src/s3.ts';
import { readBuiltServices, tempDir } from '../src/services.ts';
import { sidecarConfig, startSidecar, writeSidecarConfig } from '../src/sidecar.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '240000' },
    objects: { type: 'string', default: '24' },
    rounds: { type: 'string', default: '2' },
  },
});
const RECORDS = Number(args.records);
const OBJECTS = Number(args.objects);
const ROUNDS = Number(args.rounds);

async function main(): Promise<void> {
  const paths = await readBuiltServices();
  if (paths?.versitygw === undefined) {
    throw new Error('no VersityGW built: run `npm run build-services -w @logpush-otel/integration` first');
  }
  const root = await tempDir('bench-s3');
  const input = join(root, 'input');
  await writeLogpushDirectory(join(input, 'http_requests'), {
    dataset: 'http_requests',
    count: RECORDS,
    files: OBJECTS,
    seed: 5,
  });
  const store = await startStore(paths.versitygw);
  await createBucket(store.client, 'logpush');
  await uploadDirectory(store.client, 'logpush', input, '');
  const backend = await startOtlpReceiver({ decode: 'count' });
  const results: { source: string; seconds: number; cpu: number; rss: number }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const source of ['bucket', 'disk'] as const) {
        const dir = join(root, `${source}-${round}`);
        await mkdir(dir, { recursive: true });
        const state = join(dir, 'state');
        // The same processors and exporter for both: only the receiver differs.
        const diskConfig = sidecarConfig({ directory: input, stateDir: state, endpoint: backend.url });
        const config =
          source === 'disk'
            ? diskConfig
            : {
                ...s3SidecarConfig({
                  endpoint: store.endpoint,
                  bucket: 'logpush',
                  stateDir: state,
                  otlpUrl: backend.url,
                  batchSize: 1000,
                }),
                processors: diskConfig['processors'],
                exporters: diskConfig['exporters'],
              };
        const file = await writeSidecarConfig(dir, config);
        const before = backend.acceptedCount();
        const started = process.hrtime.bigint();
        const proc = startSidecar(file, dir);
        let cpu = 0;
        let rss = 0;
        const sampler = setInterval(() => {
          if (proc.pid === undefined) return;
          void procUsage(proc.pid).then((u) => {
            cpu = u?.cpuSeconds ?? cpu;
            rss = Math.max(rss, u?.peakRssBytes ?? 0); // an exited (zombie) process reports none
          });
        }, 50);
        const status = await proc.exited;
        clearInterval(sampler);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const got = backend.acceptedCount() - before;
        if (status.code !== 0 || got < RECORDS) {
          throw new Error(`${source}: exit ${status.code}, ${got} of ${RECORDS} records\n${proc.report()}`);
        }
        results.push({ source, seconds, cpu, rss });
        console.log(
          `round ${round + 1} ${source.padEnd(6)} ${RECORDS} records in ${seconds.toFixed(2)} s = ` +
            `${Math.round(RECORDS / seconds)} records/s, sidecar CPU ${cpu.toFixed(2)} s, peak RSS ${Math.round(rss / 1048576)} MiB`,
        );
      }
    }
  } finally {
    await backend.close();
    await stopAllProcesses();
    for (const dir of [root, store.root]) await rm(dir, { recursive: true, force: true });
  }
  const best = (source: string): number =>
    Math.min(...results.filter((r) => r.source === source).map((r) => r.seconds));
  const bucket = best('bucket');
  const disk = best('disk');
  console.log(
    `best of ${ROUNDS}: bucket ${Math.round(RECORDS / bucket)} records/s, disk ${Math.round(RECORDS / disk)} ` +
      `records/s, bucket/disk ${(disk / bucket).toFixed(2)}x; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
}

await main();
