// Cost of each enricher, in records/s, on generated http_requests records, and of the default enrichment chain
// (colo, derived, indicators, user agent with cache) relative to parse + map alone.
// Usage: node bench/run.ts [--count 20000] [--rounds 3]
// Rates use the process's CPU time (user + system), steadier than wall time on a shared machine. Never gates CI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '@logpush-otel/pipeline';
import { createMapper } from '@logpush-otel/otlp';
import { parseLine } from '@logpush-otel/parser';
import { generateRecords } from '@logpush-otel/testdata/generator';
import { GeoIpDatabase, PrivacyRules, privacyPreset } from '../src/index.ts';
import { UserAgentCache, enrichUserAgent } from '../src/user-agent.ts';
import { applySampleRate } from '../src/sample-weight.ts';
import { enrichColo } from '../src/colo.ts';
import { enrichDerived } from '../src/derived.ts';
import { enrichGeo } from '../src/geoip.ts';
import { enrichIndicators } from '../src/indicators.ts';
import { filterKeeps, filterProcessorFactory } from '../src/filter.ts';
import { sampleKeeps, sampleProcessorFactory } from '../src/sample.ts';
import { buildMmdb } from '../test/support/mmdb-writer.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const count = Number(option('count', '20000'));
const rounds = Number(option('rounds', '3'));

const lines = [...generateRecords({ dataset: 'http_requests', count, seed: 1, timestampFormat: 'unixnano' })];
const observed = 1_763_780_000_000_000_000n;

function parseAll(): LogEntry[] {
  const out: LogEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const r = parseLine(lines[i] ?? '', { dataset: 'http_requests', line: i + 1 });
    if (!r.ok) throw new Error(r.error.message);
    out.push({
      dataset: r.dataset,
      record: r.record,
      timeUnixNano: r.timeUnixNano,
      observedUnixNano: observed,
      raw: r.raw,
      position: { source: 'bench', line: r.line, offset: r.offset },
      attributes: {},
    });
  }
  return out;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Best CPU time per record (µs) of `run` over `rounds` rounds, after one warm-up round. */
function measure(prepare: () => LogEntry[], run: (entries: LogEntry[]) => void): number {
  let best = Infinity;
  for (let round = 0; round <= rounds; round++) {
    const entries = prepare();
    const start = cpuMs();
    run(entries);
    const ms = cpuMs() - start;
    if (round > 0) best = Math.min(best, ms);
  }
  return (best * 1000) / count;
}

const parsed = parseAll();
const fresh = (): LogEntry[] => parsed.map((e) => ({ ...e, attributes: {} }));
const cloned = (): LogEntry[] =>
  parsed.map((e) => ({ ...e, record: structuredClone(e.record), attributes: {} }));
const each =
  (f: (e: LogEntry) => void) =>
  (entries: LogEntry[]): void => {
    for (const e of entries) f(e);
  };

const dir = mkdtempSync(join(tmpdir(), 'enrichment-bench-'));
const dbPath = join(dir, 'bench.mmdb');
// A test-built database covering the generator's client address ranges broadly (/8 networks).
writeFileSync(
  dbPath,
  buildMmdb(
    Array.from({ length: 223 }, (_, i) => [
      `${i + 1}.0.0.0/8`,
      {
        country: { iso_code: 'DE' },
        city: { names: { en: `City ${i}` } },
        location: { latitude: 50 + i / 100, longitude: 8 },
        autonomous_system_number: 64_512 + i,
      },
    ]),
  ),
);
const geo = [new GeoIpDatabase(dbPath)];

const uaCache = new UserAgentCache(10_000);
const privacyDefault = new PrivacyRules(privacyPreset('default'));
const privacyStrict = new PrivacyRules(privacyPreset('strict'));
const filterConfig = filterProcessorFactory.validate(
  {
    exclude: {
      conditions: [
        { field: 'ClientRequestPath', regex: '^/health' },
        { field: 'EdgeResponseStatus', gte: 500 },
      ],
      match: 'any',
    },
  },
  'bench',
);
const sampleConfig = sampleProcessorFactory.validate(
  { ...sampleProcessorFactory.defaultConfig(), rate: 0.1 },
  'bench',
);
if (!filterConfig.ok || !sampleConfig.ok) throw new Error('bench config invalid');
let sink = 0;

const mapper = createMapper();
const parseUs = measure(
  () => [],
  () => {
    sink += parseAll().length;
  },
);
const parseMapUs = measure(
  () => [],
  () => {
    for (const e of parseAll()) mapper(e);
  },
);

const enrichers: [string, () => LogEntry[], (entries: LogEntry[]) => void][] = [
  ['colo', fresh, each((e) => enrichColo(e))],
  ['derived', fresh, each((e) => enrichDerived(e))],
  ['indicators', fresh, each(enrichIndicators)],
  ['user_agent (LRU cache 10k)', fresh, each((e) => enrichUserAgent(e, uaCache))],
  ['user_agent (no cache)', fresh, each((e) => enrichUserAgent(e, new UserAgentCache(0)))],
  ['geoip (test MMDB, 223 networks)', fresh, each((e) => enrichGeo(e, geo))],
  ['privacy default', cloned, each((e) => privacyDefault.apply(e))],
  ['privacy strict', cloned, each((e) => privacyStrict.apply(e))],
  ['sample_weight', fresh, each((e) => applySampleRate(e, 0.1, true))],
  ['filter (regex + gte, any)', fresh, each((e) => (sink += filterKeeps(e, filterConfig.config) ? 1 : 0))],
  ['sample (hash by RayID, 10%)', fresh, each((e) => (sink += sampleKeeps(e, sampleConfig.config) ? 1 : 0))],
];

const rate = (us: number): string => `${Math.round(1e6 / us).toLocaleString('en-US')} records/s`;
console.log(
  `enrichment benchmark: ${count} generated http_requests records, best of ${rounds} rounds, CPU time`,
);
console.log(`  parse (parseLine)            ${rate(parseUs).padStart(22)}  ${parseUs.toFixed(2)} µs/record`);
console.log(
  `  parse + map (createMapper)   ${rate(parseMapUs).padStart(22)}  ${parseMapUs.toFixed(2)} µs/record`,
);
for (const [name, prepare, run] of enrichers) {
  const us = measure(prepare, run);
  console.log(`  ${name.padEnd(29)}${rate(us).padStart(22)}  ${us.toFixed(2)} µs/record`);
}
const chainUs = measure(
  fresh,
  each((e) => {
    enrichColo(e);
    enrichDerived(e);
    enrichIndicators(e);
    enrichUserAgent(e, uaCache);
  }),
);
console.log(`  default chain (colo, derived, indicators, user_agent cached)`);
console.log(`                               ${rate(chainUs).padStart(22)}  ${chainUs.toFixed(2)} µs/record`);
console.log(
  `  chain cost relative to parse + map: ${((chainUs / parseMapUs) * 100).toFixed(1)}% (goal < 25%); ` +
    `relative to parse alone: ${((chainUs / parseUs) * 100).toFixed(1)}%`,
);
console.log(
  `  user agent cache: ${uaCache.size} distinct agents, ${uaCache.hits} hits, ${uaCache.misses} misses`,
);
console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
rmSync(dir, { recursive: true, force: true });
if (sink < 0) console.log(sink);
