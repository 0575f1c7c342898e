// What starting a pool worker thread costs: CPU seconds (every thread of the process) and RSS added until each
// of N workers has loaded its modules, measured in fresh child processes, side by side:
//   - compile cache warm: the default (bin/worker.js enables Node's module compile cache; an earlier start
//     filled it), so a worker of the repository loads its TypeScript sources without stripping them again;
//   - compile cache off (NODE_DISABLE_COMPILE_CACHE=1): every worker strips and compiles every module;
//   - with --baseline=<another checkout's src/workers/pool.ts>: that pool, e.g. an older commit's.
//
//   npm run bench:workers -w logpush-otel -- [--workers 2] [--rounds 3] [--baseline=/path/to/pool.ts]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { WorkerPool } from '../src/workers/pool.ts';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    child: { type: 'string' },
  },
});
const MB = 1024 * 1024;

interface Start {
  cpuSeconds: number;
  rssMb: number;
  wallSeconds: number;
}

/** In the child: start the pool of `pool` with N workers, wait until every worker loaded, print the cost. */
async function child(poolUrl: string, n: number): Promise<void> {
  const { WorkerPool: Pool } = (await import(poolUrl)) as { WorkerPool: typeof WorkerPool };
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const pool = new Pool(n);
  // A task of a kind no worker knows fails once the worker loaded its modules (the task table is imported
  // before the worker reads its first message); N at once occupy every worker.
  await Promise.allSettled(Array.from({ length: n }, () => pool.run('no-such-task', null, () => undefined)));
  const cpu = process.cpuUsage(cpu0);
  const start: Start = {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssMb: (process.memoryUsage().rss - rss0) / MB,
    wallSeconds: (performance.now() - t0) / 1000,
  };
  await pool.close();
  process.stdout.write(JSON.stringify(start));
}

function measure(poolUrl: string, n: number, env: NodeJS.ProcessEnv): Promise<Start> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '--conditions=logpush-otel-source',
        fileURLToPath(import.meta.url),
        `--child=${poolUrl}`,
        `--workers=${n}`,
      ],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (s: string) => (out += s));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}`));
      else resolve(JSON.parse(out) as Start);
    });
  });
}

async function main(): Promise<void> {
  const n = Number(args.workers);
  const rounds = Number(args.rounds);
  const ours = new URL('../src/workers/pool.ts', import.meta.url).href;
  const cacheOff = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };
  const variants: { label: string; url: string; env: NodeJS.ProcessEnv }[] = [
    { label: 'compile cache warm (default)', url: ours, env: process.env },
    { label: 'compile cache off', url: ours, env: cacheOff },
    ...(args.baseline === undefined
      ? []
      : [{ label: 'baseline', url: pathToFileURL(args.baseline).href, env: process.env }]),
  ];
  await measure(ours, n, process.env); // fills the cache
  const load0 = loadavg();
  const results = new Map<string, Start[]>(variants.map((v) => [v.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) results.get(v.label)?.push(await measure(v.url, n, v.env));
  }
  const load1 = loadavg();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const base = median((results.get(variants[0]?.label ?? '') ?? []).map((s) => s.cpuSeconds));
  console.log(`${n} workers started per child process, ${rounds} rounds, medians:`);
  console.log('| variant | CPU s per worker | RSS added per worker | wall s until all loaded | CPU ratio |');
  console.log('|---|---:|---:|---:|---:|');
  for (const v of variants) {
    const s = results.get(v.label) ?? [];
    const cpu = median(s.map((x) => x.cpuSeconds));
    console.log(
      `| ${v.label} | ${(cpu / n).toFixed(3)} | ${(median(s.map((x) => x.rssMb)) / n).toFixed(1)} MB | ` +
        `${median(s.map((x) => x.wallSeconds)).toFixed(2)} | ${(cpu / base).toFixed(2)}x |`,
    );
  }
  console.log(
    `load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}, at end ${load1.map((l) => l.toFixed(2)).join(' ')}`,
  );
}

if (args.child === undefined) await main();
else await child(args.child, Number(args.workers));
