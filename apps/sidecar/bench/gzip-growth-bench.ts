// Benchmark of a growing gzip file: one gzip stream of generated http_requests records, `--size-mb` (default
// 100) MB of compressed file, appended to the file `--step-mb` (default 1) MB at a time (cut anywhere: mid
// deflate block, mid line). After each append the logpush_file receiver's file pass runs over the file, with the
// inflate state of the pass before, as the receiver keeps it (`GzipResume`). Prints the compressed bytes fed to
// inflate in total against the file size, passes, records and time; and, for comparison, what re-inflating the
// file from its start on every pass costs: compressed bytes (exact: the sum of the file sizes at each pass) and
// time (passes without the inflate state from the same position, measured every `--sample-every` steps, then
// fitted against the file size and summed over all steps), and the inflate time alone both ways, from the inflate
// throughput of gunzipping the whole file (best of 3). Prints numbers; never fails on goals.
//
//   npm run bench:gzip-growth -w logpush-otel -- [--size-mb 100] [--step-mb 1] [--sample-every 10] [--level 6]
//   (or: node --conditions=logpush-otel-source bench/gzip-growth-bench.ts with the same flags)
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGunzip, createGzip } from 'node:zlib';
import { generateRecords } from '@logpush-otel/testdata/generator';
import type { StreamPosition } from '../src/checkpoint/ack-tracker.ts';
import { readFilePass } from '../src/receivers/logpush-file/file-pass.ts';
import type { GzipResume, PassEnd, PassOptions } from '../src/receivers/logpush-file/file-pass.ts';
import type { GzipCursor } from '../src/receivers/logpush-file/gzip-cursor.ts';

const { values: args } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '100' },
    'step-mb': { type: 'string', default: '1' },
    'sample-every': { type: 'string', default: '10' },
    level: { type: 'string', default: '6' },
  },
});

const MB = 1024 * 1024;
const SIZE = Math.round(Number(args['size-mb']) * MB);
const STEP = Math.round(Number(args['step-mb']) * MB);
const SAMPLE_EVERY = Math.max(1, Number(args['sample-every']));
const LEVEL = Number(args.level);
if (!(SIZE > 0 && STEP > 0 && STEP <= SIZE) || !Number.isInteger(LEVEL)) {
  throw new Error('--size-mb and --step-mb must be positive (step at most size); --level an integer');
}

const options: PassOptions = {
  format: 'auto',
  dataset: 'auto',
  fieldNames: [],
  maxLineBytes: 1 << 20,
  batchSize: 1000,
  flushTail: false,
};

const fmt = (n: number, digits = 1): string => n.toFixed(digits);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Writes one gzip stream of generated records to `path` until it is at least `size` bytes. */
async function writeSource(path: string, size: number): Promise<{ records: number; plain: number }> {
  let compressed = 0;
  let records = 0;
  let plain = 0;
  const gzip = createGzip({ level: LEVEL });
  gzip.on('data', (chunk: Buffer) => (compressed += chunk.length));
  function* lines(): Generator<string> {
    // Batches of generated records (each batch its own seed, so no line repeats) until the stream is big enough.
    for (let seed = 1; compressed < size; seed++) {
      for (const line of generateRecords({ dataset: 'http_requests', count: 10_000, seed })) {
        records++;
        plain += Buffer.byteLength(line) + 1;
        yield `${line}\n`;
        if (records % 1000 === 0 && compressed >= size) return;
      }
    }
  }
  await pipeline(Readable.from(lines()), gzip, createWriteStream(path));
  return { records, plain };
}

interface PassResult {
  records: number;
  end: PassEnd;
  next: StreamPosition;
  ms: number;
}

async function pass(
  path: string,
  start: StreamPosition,
  resume: GzipResume | undefined,
): Promise<PassResult> {
  const st = await stat(path);
  const began = performance.now();
  const it = readFilePass({ path, dev: st.dev, ino: st.ino }, start, options, resume);
  let records = 0;
  let next = start;
  for (;;) {
    const step = await it.next();
    if (step.done === true) return { records, end: step.value, next, ms: performance.now() - began };
    records += step.value.records.length;
    next = step.value.end;
  }
}

/** Least-squares line through (x, y) points. */
function fit(points: readonly (readonly [number, number])[]): { a: number; b: number } {
  const n = points.length;
  const sx = points.reduce((s, [x]) => s + x, 0);
  const sy = points.reduce((s, [, y]) => s + y, 0);
  const sxx = points.reduce((s, [x]) => s + x * x, 0);
  const sxy = points.reduce((s, [x, y]) => s + x * y, 0);
  const d = n * sxx - sx * sx;
  if (n < 2 || d === 0) return { a: 0, b: n > 0 ? sy / sx : 0 };
  const b = (n * sxy - sx * sy) / d;
  return { a: (sy - b * sx) / n, b };
}

const work = await mkdtemp(join(tmpdir(), 'logpush-otel-gzip-growth-'));
try {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `gzip growth bench: ${fmt(SIZE / MB)} MB gzip stream (level ${LEVEL}) appended in ${fmt(STEP / MB, 2)} MB steps\n` +
      `machine: ${availableParallelism()} cores (${cpu}), Node ${process.version}, load average ${load()}\n`,
  );
  const source = join(work, 'source.log.gz');
  const generated = performance.now();
  const { records, plain } = await writeSource(source, SIZE);
  const total = (await stat(source)).size;
  process.stdout.write(
    `generated ${records} records: ${fmt(plain / MB)} MB of NDJSON, ${fmt(total / MB)} MB gzip ` +
      `(${fmt(plain / total, 2)}x) in ${fmt((performance.now() - generated) / 1000)} s\n`,
  );

  const path = join(work, 'growing.log.gz');
  await writeFile(path, '');
  const src = await open(source, 'r');
  const resume: GzipResume = { cursor: undefined };
  let cursor: GzipCursor | undefined;
  let start: StreamPosition = { offset: 0, line: 0 };
  let written = 0;
  let passes = 0;
  let read = 0;
  let incrementalMs = 0;
  let alternativeBytes = 0; // compressed bytes re-inflating from the start would feed inflate
  const sizes: number[] = [];
  const samples: [number, number][] = []; // (file size, ms of a pass without the inflate state)
  let last: PassEnd | undefined;
  try {
    const slice = Buffer.alloc(STEP);
    while (written < total) {
      const { bytesRead } = await src.read(slice, 0, Math.min(STEP, total - written), written);
      await appendFile(path, slice.subarray(0, bytesRead));
      written += bytesRead;
      sizes.push(written);
      alternativeBytes += written;
      if ((passes + 1) % SAMPLE_EVERY === 0 || written === total) {
        // The alternative from the same position: no inflate state, so the stream is inflated from its start.
        const alt = await pass(path, start, undefined);
        samples.push([written, alt.ms]);
      }
      const r = await pass(path, start, resume);
      passes++;
      read += r.records;
      incrementalMs += r.ms;
      start = r.next;
      last = r.end;
      cursor ??= resume.cursor;
      if (resume.cursor !== cursor) throw new Error(`pass ${passes}: the inflate state was not carried on`);
    }
  } finally {
    await src.close();
  }
  const complete = last?.kind === 'read' && last.complete && last.streamError === undefined;
  if (read !== records || !complete) {
    throw new Error(`read ${read} of ${records} records; last pass ${JSON.stringify(last)}`);
  }
  // Inflate alone over the whole file, best of 3 (the machine may be shared): what a compressed MB costs here.
  let inflateMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const began = performance.now();
    await pipeline(
      createReadStream(source, { highWaterMark: 1 << 18 }),
      createGunzip({ chunkSize: 1 << 17 }),
      new Writable({ write: (_c, _e, done) => done() }),
    );
    inflateMs = Math.min(inflateMs, performance.now() - began);
  }
  const inflateMsPerByte = inflateMs / total;
  const inflated = cursor?.inflated ?? 0;
  const line = fit(samples);
  const alternativeMs = sizes.reduce((s, size) => s + Math.max(0, line.a + line.b * size), 0);
  const rows = [
    ['', 'compressed bytes inflated', 'x file size', 'passes', 'time (s)', 'records/s'],
    [
      'with the inflate state (receiver)',
      `${fmt(inflated / MB)} MB`,
      fmt(inflated / total, 3),
      String(passes),
      fmt(incrementalMs / 1000, 2),
      String(Math.round(read / (incrementalMs / 1000))),
    ],
    [
      're-inflating from the start',
      `${fmt(alternativeBytes / MB)} MB`,
      fmt(alternativeBytes / total, 1),
      String(passes),
      `${fmt(alternativeMs / 1000, 1)} (est.)`,
      String(Math.round(read / (alternativeMs / 1000))),
    ],
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) {
    process.stdout.write(
      `${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}\n`,
    );
  }
  process.stdout.write(
    `file: ${fmt(total / MB)} MB gzip, ${fmt(plain / MB)} MB decompressed, ${read} records, every one read once\n` +
      `re-inflating estimate: ${samples.length} passes without the inflate state measured ` +
      `(${samples.map(([s, ms]) => `${fmt(s / MB, 0)} MB: ${fmt(ms / 1000, 2)} s`).join(', ')}), ` +
      `fitted as ${fmt(line.a, 0)} ms + ${fmt(line.b * MB, 1)} ms per MB of file, summed over the ${passes} passes\n` +
      `inflate alone (the whole file gunzipped, best of 3: ${fmt((inflateMsPerByte * total) / 1000, 2)} s, ` +
      `${fmt(1000 / (inflateMsPerByte * MB), 0)} compressed MB/s): ${fmt((inflateMsPerByte * inflated) / 1000, 1)} s ` +
      `with the inflate state, ${fmt((inflateMsPerByte * alternativeBytes) / 1000, 1)} s re-inflating\n` +
      `load average at the end: ${load()}\n`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
