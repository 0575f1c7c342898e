// Peer benchmark: the same directory of gzip Logpush http_requests files shipped (a) by the sidecar and (b) by
// the OpenTelemetry Collector's filelog receiver (JSON parser, gzip) with its OTLP/HTTP exporter, one after the
// other, to the same loopback OTLP receiver (which only counts records). Prints records/s, CPU seconds, records
// per CPU second and peak RSS of each, and the ratios. Not a CI gate.
//
//   npm run bench -w @logpush-otel/integration -- [--records 1000000] [--files 20] [--rounds 3]
//     [--collector-queue N] [--node-flags=...]
//
// Needs the services built (npm run build-services -w @logpush-otel/integration, or a run of the test suite).
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { procUsage, startProcess, stopAllProcesses } from '../src/processes.ts';
import type { ManagedProcess } from '../src/processes.ts';
import { buildServices, REPO_ROOT, startCollectorWithConfig, tempDir } from '../src/services.ts';
import type { ServicePaths } from '../src/services.ts';
import { SIDECAR_BIN, sidecarConfig, writeSidecarConfig } from '../src/sidecar.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    files: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    /** Bound the Collector exporter's sending queue to N batches, blocking the reader when full (0: default queue). */
    'collector-queue': { type: 'string', default: '0' },
    /** Extra node flags for the sidecar, e.g. --node-flags=--max-old-space-size=160 */
    'node-flags': { type: 'string', default: '' },
  },
});
const RECORDS = Number(args.records);
const FILES = Number(args.files);
const ROUNDS = Number(args.rounds);
const COLLECTOR_QUEUE = Number(args['collector-queue']);
const NODE_FLAGS = (args['node-flags'] ?? '').split(' ').filter((f) => f !== '');

/** What one shipper did in one round. */
interface Measurement {
  readonly shipper: 'sidecar' | 'collector';
  readonly records: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
}

/** Samples CPU and peak RSS of `proc` every 50 ms; the last sample before exit is kept. */
function sampleUsage(proc: ManagedProcess): { stop(): { cpuSeconds: number; peakRssBytes: number } } {
  let last = { cpuSeconds: 0, peakRssBytes: 0 };
  let running = true;
  const loop = async (): Promise<void> => {
    while (running && proc.pid !== undefined && !proc.exitStatus) {
      const usage = await procUsage(proc.pid);
      if (usage)
        last = {
          cpuSeconds: usage.cpuSeconds,
          peakRssBytes: Math.max(last.peakRssBytes, usage.peakRssBytes),
        };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const done = loop();
  return {
    stop() {
      running = false;
      void done;
      return last;
    },
  };
}

/** Runs a command under GNU time (`-f '%U %S %M'`) for exact CPU and peak RSS once it exits. */
function withGnuTime(
  command: string,
  cmdArgs: string[],
  statsFile: string,
): { command: string; args: string[] } {
  if (existsSync('/usr/bin/time')) {
    return { command: '/usr/bin/time', args: ['-f', '%U %S %M', '-o', statsFile, command, ...cmdArgs] };
  }
  return { command, args: cmdArgs };
}

async function runSidecar(dir: string, receiver: OtlpReceiver, round: number): Promise<Measurement> {
  const work = await tempDir(`peer-sidecar-${round}`);
  const config = await writeSidecarConfig(
    work,
    sidecarConfig({ directory: dir, stateDir: work, endpoint: receiver.url, dataset: 'http_requests' }),
  );
  const before = receiver.acceptedCount();
  const statsFile = join(work, 'time.txt');
  const cmd = withGnuTime(
    process.execPath,
    [...NODE_FLAGS, SIDECAR_BIN, 'run', '--config', config, '--once'],
    statsFile,
  );
  const started = performance.now();
  const proc = startProcess({ name: 'sidecar', ...cmd, logFile: join(work, 'sidecar.log'), cwd: REPO_ROOT });
  const sampler = sampleUsage(proc);
  const status = await proc.exited;
  const seconds = (performance.now() - started) / 1000;
  let usage = sampler.stop();
  if (existsSync(statsFile)) {
    const [user, sys, maxKb] = (await readFile(statsFile, 'utf8'))
      .trim()
      .split('\n')
      .at(-1)!
      .split(' ')
      .map(Number);
    usage = { cpuSeconds: (user ?? 0) + (sys ?? 0), peakRssBytes: (maxKb ?? 0) * 1024 };
  }
  const records = receiver.acceptedCount() - before;
  if (status.code !== 0 || records < RECORDS) {
    throw new Error(
      `sidecar round ${round}: exit ${status.code ?? status.signal}, ${records}/${RECORDS} records\n${proc.report()}`,
    );
  }
  await rm(work, { recursive: true, force: true });
  return { shipper: 'sidecar', records, seconds, ...usage };
}

async function runCollector(
  paths: ServicePaths,
  dir: string,
  receiver: OtlpReceiver,
  round: number,
): Promise<Measurement> {
  const work = await tempDir(`peer-collector-${round}`);
  const config = {
    receivers: {
      file_log: {
        include: [join(dir, '**', '*.log.gz')],
        start_at: 'beginning',
        compression: 'gzip',
        max_log_size: '1MiB',
        operators: [
          {
            type: 'json_parser',
            timestamp: { parse_from: 'attributes.EdgeStartTimestamp', layout_type: 'epoch', layout: 'ns' },
          },
        ],
      },
    },
    processors: { batch: { send_batch_size: 2000, timeout: '200ms' } },
    exporters: {
      otlp_http: {
        endpoint: receiver.url,
        encoding: 'proto',
        compression: 'gzip',
        retry_on_failure: { enabled: true },
        ...(COLLECTOR_QUEUE > 0
          ? { sending_queue: { queue_size: COLLECTOR_QUEUE, block_on_overflow: true } }
          : {}),
      },
    },
    service: {
      telemetry: { logs: { level: 'info' }, metrics: { level: 'none' } },
      pipelines: { logs: { receivers: ['file_log'], processors: ['batch'], exporters: ['otlp_http'] } },
    },
  };
  const before = receiver.acceptedCount();
  const started = performance.now();
  const proc = await startCollectorWithConfig(paths, work, config, {
    name: 'otelcol-filelog',
    timeoutMs: 60_000,
  });
  const sampler = sampleUsage(proc);
  const deadline = Date.now() + 30 * 60_000;
  while (receiver.acceptedCount() - before < RECORDS) {
    if (proc.exitStatus || Date.now() > deadline) {
      throw new Error(
        `collector round ${round}: ${receiver.acceptedCount() - before}/${RECORDS} records\n${proc.report()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  // Exact figures at the moment the last record arrived.
  const usage = (proc.pid === undefined ? undefined : await procUsage(proc.pid)) ?? sampler.stop();
  sampler.stop();
  await proc.stop();
  await rm(work, { recursive: true, force: true });
  return { shipper: 'collector', records: receiver.acceptedCount() - before, seconds, ...usage };
}

function describeMachine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  let go = 'no go';
  try {
    go = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    // Go is optional for describing the machine.
  }
  return `${cpus().length} CPUs (${model}), Node ${process.version}, ${go}`;
}

function line(m: Measurement): string {
  return [
    m.shipper.padEnd(9),
    `${Math.round(m.records / m.seconds)
      .toLocaleString('en-US')
      .padStart(9)} records/s`,
    `${m.seconds.toFixed(1).padStart(6)} s`,
    `${m.cpuSeconds.toFixed(1).padStart(6)} CPU s`,
    `${Math.round(m.records / m.cpuSeconds)
      .toLocaleString('en-US')
      .padStart(9)} records/CPU s`,
    `${(m.peakRssBytes / 1_048_576).toFixed(0).padStart(5)} MB peak RSS`,
  ].join('  ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] ?? Number.NaN;
  return ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

async function main(): Promise<void> {
  const built = buildServices();
  if (!built.ok) throw new Error(`cannot build the reference services: ${built.reason}`);
  const dataDir = join(REPO_ROOT, '.cache', 'bench-peer', `http_requests-${RECORDS}-${FILES}`);
  if (!existsSync(join(dataDir, '.complete'))) {
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    console.log(`generating ${RECORDS} http_requests records in ${FILES} .log.gz files under ${dataDir}`);
    await writeLogpushDirectory(dataDir, {
      dataset: 'http_requests',
      count: RECORDS,
      seed: 7,
      files: FILES,
      gzip: true,
    });
    await (await import('node:fs/promises')).writeFile(join(dataDir, '.complete'), '');
  }
  console.log(`peer benchmark: ${RECORDS} records, ${FILES} files, ${ROUNDS} rounds; ${describeMachine()}`);
  console.log(
    `collector sending queue: ${COLLECTOR_QUEUE > 0 ? `${COLLECTOR_QUEUE} batches, blocking when full` : 'default (1000 batches, not blocking)'}`,
  );
  const receiver = await startOtlpReceiver({ decode: 'count' });
  const results: Measurement[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const run of [
        () => runSidecar(dataDir, receiver, round),
        () => runCollector(built.paths, dataDir, receiver, round),
      ]) {
        const m = await run();
        results.push(m);
        console.log(`round ${round}  ${line(m)}`);
      }
    }
  } finally {
    await stopAllProcesses();
    await receiver.close();
  }
  const summary = (shipper: Measurement['shipper']): Measurement => {
    const of = results.filter((m) => m.shipper === shipper);
    return {
      shipper,
      records: RECORDS,
      seconds: median(of.map((m) => m.seconds)),
      cpuSeconds: median(of.map((m) => m.cpuSeconds)),
      peakRssBytes: median(of.map((m) => m.peakRssBytes)),
    };
  };
  const s = summary('sidecar');
  const c = summary('collector');
  console.log('\nmedians');
  console.log(`         ${line(s)}`);
  console.log(`         ${line(c)}`);
  const perCpu = s.records / s.cpuSeconds / (c.records / c.cpuSeconds);
  console.log(
    `\nsidecar / collector: ${(c.seconds / s.seconds).toFixed(2)}x records/s, ${perCpu.toFixed(2)}x records per CPU second, ` +
      `${(s.peakRssBytes / c.peakRssBytes).toFixed(2)}x peak RSS (goal: >= 1.5x per CPU second, < 1x RSS)`,
  );
}

await main();
