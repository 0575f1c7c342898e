// Throughput of the mapping and encoding paths, side by side in one run, against bare split + JSON.parse.
// Usage: node bench/run.ts [--dataset http_requests|firewall_events|spectrum_events] [--count 30000] [--rounds 3]
//   [--only <text>] (only the stages whose name contains <text>, beside the baseline)
// Prints records/s, MB/s and the ratio to the baseline; never gates CI. Rates use the process's CPU time (user +
// system), which is steadier than wall time on a shared machine; the wall-clock rate is printed beside it.
import type { LogEntry } from '@logpush-otel/pipeline';
import { parseBatches } from '@logpush-otel/parser';
import type { ParseResult } from '@logpush-otel/parser';
import { generateRecords } from '@logpush-otel/testdata/generator';
import type { SeedDataset } from '@logpush-otel/testdata/generator';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import {
  createDirectEncoder,
  createMapper,
  defaultScope,
  encodeLogsJson,
  encodeLogsProto,
} from '../src/index.ts';
import type { DirectFormat } from '../src/index.ts';
import { toReadableLogRecords } from '../test/helpers.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const dataset = option('dataset', 'http_requests') as SeedDataset;
const count = Number(option('count', '30000'));
const rounds = Number(option('rounds', '3'));
const only = option('only', ''); // run only the stages whose name contains this text (and the baseline)
const BATCH = 1000;

const text = [...generateRecords({ dataset, count, seed: 1, timestampFormat: 'unixnano' })].join('\n') + '\n';
const bytes = new TextEncoder().encode(text);
const mb = bytes.length / 1e6;

function toEntry(r: ParseResult & { ok: true }, observed: bigint): LogEntry {
  return {
    dataset: r.dataset,
    record: r.record,
    timeUnixNano: r.timeUnixNano,
    observedUnixNano: observed,
    raw: r.raw,
    position: { source: 'bench', line: r.line, offset: r.offset },
    attributes: {},
  };
}

let sink = 0;
const utf8 = new TextEncoder();

/** The input in 256 KiB chunks, as the sidecar reads files. */
async function* chunks(): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 262_144) yield await Promise.resolve(bytes.subarray(i, i + 262_144));
}

/** Parses `bytes` and hands every batch of mapped (or only parsed) entries to `onBatch`. */
async function pipeline(map: boolean, onBatch: (entries: LogEntry[]) => void): Promise<void> {
  const mapper = createMapper();
  const observed = process.hrtime.bigint();
  let pending: LogEntry[] = [];
  for await (const batch of parseBatches(chunks(), { dataset })) {
    for (const r of batch) {
      if (!r.ok) throw new Error(r.error.message);
      const entry = toEntry(r, observed);
      if (map) mapper(entry);
      pending.push(entry);
      if (pending.length === BATCH) {
        onBatch(pending);
        pending = [];
      }
    }
  }
  if (pending.length > 0) onBatch(pending);
}

/** Parses `bytes` and maps every record straight into requests of `format` (createDirectEncoder). */
async function direct(format: DirectFormat): Promise<void> {
  const encoder = createDirectEncoder({}, { format });
  const observed = process.hrtime.bigint();
  for await (const batch of parseBatches(chunks(), { dataset })) {
    for (const r of batch) {
      if (!r.ok) throw new Error(r.error.message);
      encoder.add(toEntry(r, observed));
      if (encoder.count === BATCH) sink += encoder.finish().length;
    }
  }
  if (encoder.count > 0) sink += encoder.finish().length;
}

const stages: Record<string, () => Promise<void> | void> = {
  'baseline: split + JSON.parse': () => {
    for (const line of text.split('\n'))
      if (line !== '') sink += Object.keys(JSON.parse(line) as object).length;
  },
  'parse (parser, exact ints)': () => pipeline(false, (e) => (sink += e.length)),
  'parse + map': () => pipeline(true, (e) => (sink += e.length)),
  'parse + map + fast protobuf': () => pipeline(true, (e) => (sink += encodeLogsProto(e).length)),
  // JSON as UTF-8 bytes, as it is sent (the direct JSON stage writes bytes too)
  'parse + map + fast JSON': () => pipeline(true, (e) => (sink += utf8.encode(encodeLogsJson(e)).length)),
  'parse + direct protobuf': () => direct('otlp-proto'),
  'parse + direct JSON': () => direct('otlp-json'),
  'parse + map + official protobuf': () =>
    pipeline(true, (e) => {
      sink += ProtobufLogsSerializer.serializeRequest(toReadableLogRecords(e, defaultScope))?.length ?? 0;
    }),
  'parse + map + official JSON': () =>
    pipeline(true, (e) => {
      sink += JsonLogsSerializer.serializeRequest(toReadableLogRecords(e, defaultScope))?.length ?? 0;
    }),
};

console.log(
  `dataset ${dataset}: ${count} records, ${mb.toFixed(1)} MB, best of ${rounds} rounds, batches of ${BATCH}`,
);
const results: [string, number][] = [];
const wall = new Map<string, number>();
for (const [name, run] of Object.entries(stages)) {
  if (only !== '' && !name.startsWith('baseline') && !name.includes(only)) continue;
  await run(); // warm-up
  let best = Infinity;
  let bestWall = Infinity;
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpu);
    best = Math.min(best, (used.user + used.system) / 1e6);
    bestWall = Math.min(bestWall, Number(process.hrtime.bigint() - start) / 1e9);
  }
  results.push([name, best]);
  wall.set(name, bestWall);
}
const baseline = results[0]?.[1] ?? 1;
const official = results.find(([n]) => n === 'parse + map + official protobuf')?.[1] ?? 1;
for (const [name, seconds] of results) {
  console.log(
    `${name.padEnd(34)} ${Math.round(count / seconds)
      .toLocaleString('en-US')
      .padStart(
        10,
      )} records/s ${(mb / seconds).toFixed(1).padStart(7)} MB/s   ${(baseline / seconds).toFixed(2)}x baseline` +
      `   (wall ${Math.round(count / (wall.get(name) ?? 1)).toLocaleString('en-US')} records/s)`,
  );
}
const fast = results.find(([n]) => n === 'parse + map + fast protobuf')?.[1] ?? 1;
console.log(`fast protobuf path vs official protobuf path: ${(official / fast).toFixed(2)}x`);
console.log(
  `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (sink ${sink > 0 ? 'ok' : 'empty'})`,
);
