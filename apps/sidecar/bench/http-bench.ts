// Load benchmark of the `logpush_http` receiver, loopback only and bounded in time (60 s by default in all).
//
//   node --conditions=logpush-otel-source bench/http-bench.ts [--seconds 40] [--slow-seconds 15]
//        [--clients 8] [--records-per-batch 1250] [--batches 24]
//
// Phase 1: `logpush-otel run` with a logpush_http receiver exporting to a loopback OTLP receiver that counts
// LogRecords; `--clients` Logpush-like clients POST generated gzip batches as fast as they are accepted (a 429 or
// 503 is retried after 250 ms). Prints accepted records/s, exported records/s, p50/p99 time to 2xx, the statuses
// and the sidecar's peak RSS (VmHWM).
// Phase 2: the same with an exporter slower than the pushes (the OTLP receiver answers after 1 s) and a
// 4 MiB spool: the spool fills and the receiver answers 429 with Retry-After instead of growing or crashing.
// Prints numbers; never fails on goals.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DEFAULT_START_UNIX_NANO, generateRecords } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '40' },
    'slow-seconds': { type: 'string', default: '15' },
    clients: { type: 'string', default: '8' },
    'records-per-batch': { type: 'string', default: '1250' },
    batches: { type: 'string', default: '24' },
  },
});
const SECONDS = Math.min(60, Number(args.seconds));
const SLOW_SECONDS = Math.min(60 - SECONDS, Number(args['slow-seconds']));
const CLIENTS = Number(args.clients);
const PER_BATCH = Number(args['records-per-batch']);
const BATCHES = Number(args.batches);
const BIN = fileURLToPath(new URL('../bin/logpush-otel.js', import.meta.url));
const SECRET = 'bench-secret';

function batches(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < BATCHES; i++) {
    const lines = [
      ...generateRecords({
        dataset: 'http_requests',
        count: PER_BATCH,
        seed: 50 + i,
        startUnixNano: DEFAULT_START_UNIX_NANO + BigInt(i) * 3_600_000_000_000n,
      }),
    ];
    out.push(gzipSync(`${lines.join('\n')}\n`));
  }
  return out;
}

interface Sidecar {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

async function startSidecar(
  dir: string,
  otlpUrl: string,
  receiver: Record<string, unknown>,
): Promise<Sidecar> {
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      receivers: { logpush_http: { endpoint: '127.0.0.1:0', secret: SECRET, ...receiver } },
      exporters: { otlp: { endpoint: otlpUrl, timeout: '60s' } },
      service: {
        pipelines: { logs: { receivers: ['logpush_http'], processors: ['cloudflare'], exporters: ['otlp'] } },
        telemetry: { logs: { level: 'info' }, metrics: { address: '' } },
      },
      storage: { directory: join(dir, 'state') },
    }),
  );
  const child = spawn(process.execPath, [BIN, 'run', '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' },
  });
  let err = '';
  child.stderr?.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sidecar did not start:\n${err}`)), 30_000);
    child.stderr?.on('data', (d: string) => {
      err = (err + d).slice(-100_000);
      const m = /"msg":"listening for Logpush pushes".*?"url":"([^"]+)"/.exec(err);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`sidecar exited ${code}:\n${err}`)));
  });
  return { child, url, stderr: () => err };
}

function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Load {
  accepted: number;
  statuses: Map<number, number>;
  latencies: number[];
  alive: boolean;
}

/** `CLIENTS` clients posting for `seconds`; returns what they saw. */
async function load(url: string, bodies: Buffer[], seconds: number, child: ChildProcess): Promise<Load> {
  const end = Date.now() + seconds * 1000;
  const result: Load = { accepted: 0, statuses: new Map(), latencies: [], alive: true };
  let n = 0;
  const client = async (): Promise<void> => {
    while (Date.now() < end) {
      const body = bodies[n++ % bodies.length] as Buffer;
      const started = performance.now();
      const status = await fetch(url, { method: 'POST', body, headers: { 'X-CF-Secret': SECRET } }).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status;
        },
        () => 0,
      );
      result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
      if (status === 200) {
        result.latencies.push(performance.now() - started);
        result.accepted += PER_BATCH;
      } else await new Promise((r) => setTimeout(r, 250));
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, () => client()));
  result.alive = child.exitCode === null && child.signalCode === null;
  result.latencies.sort((a, b) => a - b);
  return result;
}

function report(name: string, r: Load, seconds: number, exported: number, rss: number): void {
  const statuses = [...r.statuses.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, c]) => `${s === 0 ? 'connection error' : s}: ${c}`)
    .join(', ');
  process.stdout.write(
    `${name}\n` +
      `  accepted records/s : ${Math.round(r.accepted / seconds)} (${r.accepted} records in ${seconds} s)\n` +
      `  exported records/s : ${Math.round(exported / seconds)} (acknowledged by the OTLP receiver meanwhile)\n` +
      `  time to 2xx        : p50 ${percentile(r.latencies, 50).toFixed(1)} ms, p99 ${percentile(r.latencies, 99).toFixed(1)} ms\n` +
      `  statuses           : ${statuses}\n` +
      `  sidecar peak RSS   : ${rss.toFixed(0)} MB; still running: ${r.alive}\n`,
  );
}

async function phase(
  name: string,
  seconds: number,
  bodies: Buffer[],
  receiver: Record<string, unknown>,
  slowMs: number,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'logpush-otel-http-bench-'));
  const backend: OtlpReceiver = await startOtlpReceiver({ decode: 'count' });
  if (slowMs > 0) backend.respondWith(() => ({ status: 200, delayMs: slowMs }));
  const sidecar = await startSidecar(dir, backend.url, receiver);
  try {
    const r = await load(`${sidecar.url}/http_requests`, bodies, seconds, sidecar.child);
    report(name, r, seconds, backend.acceptedCount(), peakRssMb(sidecar.child.pid ?? 0));
  } finally {
    sidecar.child.kill('SIGKILL');
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const bodies = batches();
const mb = bodies.reduce((s, b) => s + b.length, 0) / BATCHES / 1024 / 1024;
process.stdout.write(
  `logpush_http load benchmark: ${CLIENTS} clients, batches of ${PER_BATCH} http_requests records ` +
    `(${mb.toFixed(2)} MB gzip each), loopback; load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
);
await phase(
  `phase 1: ${SECONDS} s as fast as accepted (spool 1 GiB, exporter answering at once)`,
  SECONDS,
  bodies,
  {},
  0,
);
if (process.env['HTTP_BENCH_INGEST_ONLY'] === '1')
  await phase(
    'ingest only: exporter never answers (nothing read from the spool competes)',
    8,
    bodies,
    {},
    120_000,
  );
if (SLOW_SECONDS > 0)
  await phase(
    `phase 2: ${SLOW_SECONDS} s with an exporter slower than the pushes (1 s per export, spool bound 4 MiB)`,
    SLOW_SECONDS,
    bodies,
    { max_spool_bytes: '4MiB' },
    1000,
  );
process.stdout.write(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
