// Prints the Worker's bundle size and the CPU time it takes per 1,000 Logpush records, measured in workerd (run
// through Miniflare) as the CPU time of the workerd process (Linux /proc), pushing gzip batches of each seed
// dataset to a loopback OTLP receiver that only counts. The figure includes everything the runtime does for a push:
// HTTP, gunzip, parsing, mapping, protobuf encoding, gzip, the OTLP requests.
//
//   node --conditions=logpush-otel-source scripts/bench.ts [--records 20000] [--rounds 5]
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { generateRecords, seedDatasets } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { startWorker } from '../test/helpers.ts';
import { buildWorker } from './build.ts';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Pids of the workerd processes started by this process. */
function workerdPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm.startsWith('workerd') && ppid === process.pid) pids.push(Number(name));
    } catch {
      // The process ended while listing.
    }
  }
  return pids;
}

/** User + system CPU seconds used so far by `pids`. */
function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

const records = option('records', 20_000);
const rounds = option('rounds', 5);
const built = await buildWorker();
console.log(
  `bundle dist/worker.js: ${(built.bytes / 1024).toFixed(1)} KiB, ${(built.gzipBytes / 1024).toFixed(1)} KiB gzip`,
);

const receiver = await startOtlpReceiver({ decode: 'count' });
const worker = await startWorker({ LOGPUSH_SECRET: 'bench', OTLP_ENDPOINT: receiver.url });
try {
  const pids = workerdPids();
  if (pids.length === 0) throw new Error('no workerd process found (this bench reads /proc: Linux only)');
  console.log(`workerd pids ${pids.join(', ')}; ${records} records per push, ${rounds} pushes per dataset`);
  console.log('dataset          gzip KiB  CPU ms / 1,000 records  wall ms / push');
  for (const dataset of seedDatasets) {
    const body = gzipSync(`${[...generateRecords({ dataset, count: records, seed: 1 })].join('\n')}\n`);
    const push = async (): Promise<void> => {
      const response = await worker.dispatchFetch('http://logpush.test/', {
        method: 'POST',
        headers: { 'x-cf-secret': 'bench' },
        body,
      });
      const report = (await response.json()) as { delivered: number };
      if (response.status !== 200 || report.delivered !== records) {
        throw new Error(`push answered ${response.status}: ${JSON.stringify(report)}`);
      }
    };
    await push(); // warm-up: compiles the code paths
    const cpuBefore = cpuSeconds(pids);
    const wallBefore = performance.now();
    for (let i = 0; i < rounds; i++) await push();
    const wall = (performance.now() - wallBefore) / rounds;
    const cpu = cpuSeconds(pids) - cpuBefore;
    const perThousand = ((cpu * 1000) / (records * rounds)) * 1000;
    console.log(
      `${dataset.padEnd(16)} ${(body.length / 1024).toFixed(0).padStart(8)}  ${perThousand.toFixed(1).padStart(22)}  ${wall.toFixed(0).padStart(14)}`,
    );
  }
  console.log(`records at the receiver: ${receiver.acceptedCount()}`);
} finally {
  await worker.dispose();
  await receiver.close();
}
