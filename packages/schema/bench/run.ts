// Timestamp conversion and dataset detection throughput (prints numbers; never gates CI).
//   npm run bench            (in packages/schema)
import { datasets, detectDataset, formatRfc3339Nano, toUnixNano } from '../src/index.ts';

function measure(name: string, inputs: readonly unknown[], fn: (v: unknown) => unknown): void {
  const rounds = 20;
  let sink = 0;
  for (const v of inputs) if (fn(v) !== undefined) sink++; // warm-up
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const v of inputs) if (fn(v) !== undefined) sink++;
  const ns = Number(process.hrtime.bigint() - start);
  const perSec = (inputs.length * rounds) / (ns / 1e9);
  console.log(`${name.padEnd(34)} ${(perSec / 1e6).toFixed(2).padStart(7)} M/s  (${sink} results)`);
}

const n = 50_000;
const base = 1_700_000_000_000_000_000n;
const nanos = Array.from({ length: n }, (_, i) => base + BigInt(i) * 1_234_567_891n);
measure('toUnixNano unixnano digit string', nanos.map(String), (v) => toUnixNano(v));
measure('toUnixNano bigint', nanos, (v) => toUnixNano(v));
measure(
  'toUnixNano unix seconds number',
  nanos.map((x) => Number(x / 1_000_000_000n)),
  (v) => toUnixNano(v),
);
measure(
  'toUnixNano rfc3339 (seconds)',
  nanos.map((x) => formatRfc3339Nano(x).slice(0, 19) + 'Z'),
  (v) => toUnixNano(v),
);
measure('toUnixNano rfc3339ns', nanos.map(formatRfc3339Nano), (v) => toUnixNano(v));
measure('toUnixNano rfc1123', ['Wed, 21 Oct 2015 07:28:00 GMT', 'Sun, 06 Nov 1994 08:49:37 GMT'], (v) =>
  toUnixNano(v),
);
measure('formatRfc3339Nano (1.2 s apart)', nanos, (v) => formatRfc3339Nano(v as bigint));
// As in a Logpush file: records a few milliseconds apart, most sharing their second with the one before.
const close = Array.from({ length: n }, (_, i) => base + BigInt(i) * 3_456_789n);
measure('formatRfc3339Nano (3.5 ms apart)', close, (v) => formatRfc3339Nano(v as bigint));
// Start and end times of each record, the end up to 0.9 s after the start: pairs that straddle a second boundary.
const pairs = close.flatMap((start, i) => [start, start + BigInt((i * 7_919_993) % 900_000_000)]);
measure('formatRfc3339Nano (start/end pairs)', pairs, (v) => formatRfc3339Nano(v as bigint));
const keySets = Object.values(datasets).map((d) => d.fields.map((f) => f.name));
measure('detectDataset (full field lists)', keySets, (v) => detectDataset(v as string[]));
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
