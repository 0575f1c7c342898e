// The reference path (createMapper + encodeLogsProto/encodeLogsJson) against the direct path (createDirectEncoder)
// on the same parsed records, side by side in one run: records/s (CPU and wall), bytes allocated per record, GC
// count and pause time, and the machine's load average. Parsing is done once, before the timed rounds, so the
// numbers are those of mapping + encoding alone (each round still creates its LogEntry objects, as a receiver
// does). Usage: node bench/direct.ts [--dataset http_requests] [--count 30000] [--rounds 5] [--batch 1000]
// Prints numbers; never gates CI.
import { loadavg } from 'node:os';
import { GCProfiler } from 'node:v8';
import type { LogEntry } from '@logpush-otel/pipeline';
import { parseBatches } from '@logpush-otel/parser';
import type { ParseOk } from '@logpush-otel/parser';
import { generateRecords } from '@logpush-otel/testdata/generator';
import type { SeedDataset } from '@logpush-otel/testdata/generator';
import { createDirectEncoder, createMapper, encodeLogsJson, encodeLogsProto } from '../src/index.ts';
import type { DirectFormat } from '../src/index.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const dataset = option('dataset', 'http_requests') as SeedDataset;
const count = Number(option('count', '30000'));
const rounds = Number(option('rounds', '5'));
const BATCH = Number(option('batch', '1000'));
const only = option('only', ''); // only the stages whose name contains this text

const text = [...generateRecords({ dataset, count, seed: 1, timestampFormat: 'unixnano' })].join('\n') + '\n';
const parsed: ParseOk[] = [];
for await (const batch of parseBatches(new TextEncoder().encode(text), { dataset })) {
  for (const r of batch) {
    if (!r.ok) throw new Error(r.error.message);
    parsed.push(r);
  }
}

const observed = process.hrtime.bigint();
function entryOf(r: ParseOk): LogEntry {
  return {
    dataset: r.dataset,
    record: r.record,
    timeUnixNano: r.timeUnixNano,
    observedUnixNano: observed,
    raw: r.raw,
    position: { source: 'bench', line: r.line, offset: r.offset },
    attributes: { 'log.file.name': 'bench.log.gz' },
  };
}

let sink = 0;
const utf8 = new TextEncoder();

function reference(format: DirectFormat): void {
  const map = createMapper();
  let batch: LogEntry[] = [];
  const flush = (): void => {
    sink +=
      format === 'otlp-proto' ? encodeLogsProto(batch).length : utf8.encode(encodeLogsJson(batch)).length;
    batch = [];
  };
  for (const r of parsed) {
    batch.push(map(entryOf(r)));
    if (batch.length === BATCH) flush();
  }
  if (batch.length > 0) flush();
}

function direct(format: DirectFormat): void {
  const encoder = createDirectEncoder({}, { format });
  for (const r of parsed) {
    encoder.add(entryOf(r));
    if (encoder.count === BATCH) sink += encoder.finish().length;
  }
  if (encoder.count > 0) sink += encoder.finish().length;
}

const stages: [string, () => void][] = [
  ['reference protobuf (map + encode)', () => reference('otlp-proto')],
  ['direct protobuf', () => direct('otlp-proto')],
  ['reference JSON (map + encode)', () => reference('otlp-json')],
  ['direct JSON', () => direct('otlp-json')],
];

interface Measure {
  cpu: number;
  wall: number;
  allocated: number;
  gcs: number;
  gcMs: number;
}

/** One timed round: CPU and wall seconds, and bytes allocated (heap growth between and across GCs). */
async function measure(run: () => void): Promise<Measure> {
  await new Promise((resolve) => setImmediate(resolve));
  const profiler = new GCProfiler();
  profiler.start();
  const heap0 = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  run();
  const cpuUsed = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const heap1 = process.memoryUsage().heapUsed;
  const stats = profiler.stop()?.statistics ?? [];
  // allocated = what each GC found in use minus what the previous one left, plus the growth since the last one
  let allocated = 0;
  let previous = heap0;
  for (const s of stats) {
    allocated += s.beforeGC.heapStatistics.usedHeapSize - previous;
    previous = s.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += heap1 - previous;
  return {
    cpu: (cpuUsed.user + cpuUsed.system) / 1e6,
    wall,
    allocated,
    gcs: stats.length,
    gcMs: stats.reduce((sum, s) => sum + s.cost, 0) / 1000,
  };
}

const load = loadavg().map((n) => n.toFixed(2));
console.log(
  `dataset ${dataset}: ${count} parsed records, batches of ${BATCH}, median of ${rounds} rounds; ` +
    `load average ${load.join(' ')} (before)`,
);
const results: [string, Measure][] = [];
for (const [name, run] of stages) {
  if (!name.includes(only)) continue;
  run(); // warm-up
  const all: Measure[] = [];
  for (let i = 0; i < rounds; i++) all.push(await measure(run));
  all.sort((a, b) => a.cpu - b.cpu);
  results.push([name, all[Math.floor(all.length / 2)] as Measure]);
}
const rate = (m: Measure): number => count / m.cpu;
for (const [name, m] of results) {
  const ref = results.find(([n]) => n.startsWith(`reference ${name.split(' ')[1] ?? ''}`))?.[1] ?? m;
  console.log(
    `${name.padEnd(34)} ${Math.round(rate(m)).toLocaleString('en-US').padStart(9)} records/s CPU ` +
      `(wall ${Math.round(count / m.wall).toLocaleString('en-US')})  ` +
      `${(rate(m) / rate(ref)).toFixed(2)}x  ` +
      `${Math.round(m.allocated / count)
        .toLocaleString('en-US')
        .padStart(
          6,
        )} B allocated/record  ${String(m.gcs).padStart(3)} GCs ${m.gcMs.toFixed(0).padStart(4)} ms GC`,
  );
}
console.log(
  `load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')} (after); sink ${sink > 0 ? 'ok' : 'empty'}`,
);
