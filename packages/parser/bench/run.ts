// Parser benchmark (prints numbers; never gates CI). Generated http_requests records (unixnano timestamps),
// plain and gzip, side by side with a bare `split('\n')` + `JSON.parse` loop over the same bytes.
//   node bench/run.ts [records]        (default 200000; BENCH_RECORDS also works)
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { generateRecords } from '@logpush-otel/testdata/generator';
import { parseBatches } from '@logpush-otel/parser';

// Child mode: stream one gzip file from disk through the parser and report this process's peak RSS only.
if (process.argv[2] === '--rss-of') {
  const file = process.argv[3] ?? '';
  let n = 0;
  for await (const batch of parseBatches(createReadStream(file), { source: file })) n += batch.length;
  // VmHWM is this process's own high-water mark; getrusage's maxRSS can carry the parent's over fork and exec.
  let peakKb = process.resourceUsage().maxRSS;
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm?.[1] !== undefined) peakKb = Number(hwm[1]);
  } catch {
    // Not Linux: keep maxRSS.
  }
  console.log(`${n} ${Math.round(peakKb / 1024)}`);
  process.exit(0);
}

const count = Number(process.argv[2] ?? process.env['BENCH_RECORDS'] ?? 200_000);
const CHUNK = 65_536;
const ROUNDS = 5;

function* chunksOf(bytes: Buffer): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
}
async function* asyncChunks(bytes: Buffer): AsyncGenerator<Buffer> {
  for (const c of chunksOf(bytes)) yield await Promise.resolve(c);
}

function bare(bytes: Buffer, gz: boolean): number {
  const text = (gz ? gunzipSync(bytes) : bytes).toString('utf8');
  let n = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const v = JSON.parse(line) as Record<string, unknown>;
    if (v['RayID'] !== undefined) n++;
  }
  return n;
}

async function parser(bytes: Buffer): Promise<number> {
  let n = 0;
  const it = parseBatches(asyncChunks(bytes), { source: 'bench' });
  for (;;) {
    const r = await it.next();
    if (r.done === true) {
      if (!r.value.complete || r.value.failed > 0)
        throw new Error(`unexpected summary ${JSON.stringify(r.value)}`);
      return n;
    }
    for (const x of r.value) if (x.ok && x.timeUnixNano !== undefined) n++;
  }
}

interface Timing {
  wall: number;
  cpu: number;
}

/** One run, by wall time and by CPU time (user + system, all threads: zlib works off-thread). */
async function timed(label: string, run: () => number | Promise<number>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const n = await run();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  if (n !== count) throw new Error(`${label}: expected ${count} records, got ${n}`);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

// Generate into one buffer, 1000 lines at a time, so the input costs little memory beyond its bytes.
const parts: Buffer[] = [];
let batch: string[] = [];
for (const line of generateRecords({
  dataset: 'http_requests',
  count,
  seed: 1,
  timestampFormat: 'unixnano',
})) {
  batch.push(line);
  if (batch.length === 1000) {
    parts.push(Buffer.from(`${batch.join('\n')}\n`, 'utf8'));
    batch = [];
  }
}
if (batch.length > 0) parts.push(Buffer.from(`${batch.join('\n')}\n`, 'utf8'));
const plain = Buffer.concat(parts);
parts.length = 0;
const gz = gzipSync(plain);
const mb = plain.length / 1e6;

console.log(
  `records: ${count}, ${(plain.length / count).toFixed(0)} bytes a line, ${mb.toFixed(1)} MB plain, ${(gz.length / 1e6).toFixed(1)} MB gzip`,
);
console.log(
  `node ${process.version}, load average ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const row = (name: string, t: Timing): string =>
  `${name.padEnd(36)} ${((count / t.wall) | 0).toLocaleString('en-US').padStart(9)} records/s ${(mb / t.wall).toFixed(1).padStart(6)} MB/s wall | ${((count / t.cpu) | 0).toLocaleString('en-US').padStart(9)} records/s ${(mb / t.cpu).toFixed(1).padStart(6)} MB/s CPU`;

for (const gzip of [false, true]) {
  const input = gzip ? gz : plain;
  const kind = gzip ? 'gzip ' : 'plain';
  // Interleaved rounds, best of each: other processes share the CPUs, so compare like with like.
  let b: Timing = { wall: Infinity, cpu: Infinity };
  let p: Timing = { wall: Infinity, cpu: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    const tb = await timed('bare', () => bare(input, gzip));
    const tp = await timed('parser', () => parser(input));
    b = { wall: Math.min(b.wall, tb.wall), cpu: Math.min(b.cpu, tb.cpu) };
    p = { wall: Math.min(p.wall, tp.wall), cpu: Math.min(p.cpu, tp.cpu) };
  }
  console.log(row(`${kind} bare split + JSON.parse`, b));
  console.log(row(`${kind} parseBatches (exact, coerced)`, p));
  console.log(
    `${kind} ratio parser/bare: ${(b.wall / p.wall).toFixed(2)}x wall, ${(b.cpu / p.cpu).toFixed(2)}x CPU`,
  );
}
console.log(
  `peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (holds the ${mb.toFixed(0)} MB input, its gzip, and the bare loop's copies)`,
);

// The parser's own footprint: a fresh process streams the gzip file from disk.
const dir = await mkdtemp(join(tmpdir(), 'parser-bench-'));
try {
  const file = join(dir, 'http_requests.log.gz');
  await writeFile(file, gz);
  const out = execFileSync(
    process.execPath,
    ['--conditions=logpush-otel-source', fileURLToPath(import.meta.url), '--rss-of', file],
    { encoding: 'utf8' },
  ).trim();
  const [records = '?', rss = '?'] = out.split(' ');
  console.log(
    `peak RSS streaming the ${(gz.length / 1e6).toFixed(1)} MB gzip file from disk (${records} records): ${rss} MB`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
