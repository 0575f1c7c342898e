// Deterministic, realistic Cloudflare Logpush records for tests, benchmarks and the demo.
//
// Records are built as JSON text directly (never through JSON.stringify of an object), so unixnano timestamps
// come out as exact 19-digit integers. Every request i of a seed has a "core" (time, client, host, path, user
// agent, ray id, security verdict) drawn from its own PRNG stream, so http_requests and firewall_events generated
// with the same seed describe the same requests: a firewall event carries the RayID of its http request.
// The parts: generator/rng.ts (PRNG), generator/vocabulary.ts, generator/clock.ts (timestamps), generator/lines.ts
// (one record as JSON text); this file drives them and writes Logpush directories.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Clock, GAP_NS } from './generator/clock.ts';
import type { TimestampFormat } from './generator/clock.ts';
import { drawCore, firewallLine, httpLine, newCore, SALT_FIREWALL, spectrumLine } from './generator/lines.ts';
import { Rng } from './generator/rng.ts';
import { logRule } from './generator/vocabulary.ts';

/** The datasets of the seed tables, the ones the generator knows. */
export type SeedDataset = 'http_requests' | 'firewall_events' | 'spectrum_events';

/** What to generate. */
export interface GenerateOptions {
  dataset: SeedDataset;
  /** Number of records (lines). */
  count: number;
  /** PRNG seed (default 1): the same options give the same bytes. */
  seed?: number;
  /** Default 'unixnano' (19-digit integers). */
  timestampFormat?: TimestampFormat;
  /** Time of the first request; default 2024-01-01T00:00:00Z. Requests follow about 1 ms apart. */
  startUnixNano?: bigint;
}

/** The seed datasets, for CLIs and tests. */
export const seedDatasets: readonly SeedDataset[] = ['http_requests', 'firewall_events', 'spectrum_events'];
/** The timestamp formats, for CLIs and tests. */
export const timestampFormats: readonly TimestampFormat[] = ['unixnano', 'unix', 'rfc3339', 'rfc3339ns'];
/** Default start time: 2024-01-01T00:00:00Z in unix nanoseconds. */
export const DEFAULT_START_UNIX_NANO = 1_704_067_200_000_000_000n;

export type { TimestampFormat } from './generator/clock.ts';

function checkOptions(options: GenerateOptions): void {
  if (!seedDatasets.includes(options.dataset))
    throw new TypeError(`dataset must be one of ${seedDatasets.join(', ')}, got ${String(options.dataset)}`);
  if (!Number.isSafeInteger(options.count) || options.count < 0)
    throw new TypeError(`count must be a non-negative integer, got ${options.count}`);
  const format = options.timestampFormat ?? 'unixnano';
  if (!timestampFormats.includes(format))
    throw new TypeError(
      `timestampFormat must be one of ${timestampFormats.join(', ')}, got ${String(format)}`,
    );
}

interface TimedLine {
  line: string;
  /** Whole unix seconds of the record's event time. */
  seconds: number;
}

function* timedRecords(options: GenerateOptions): Generator<TimedLine> {
  checkOptions(options);
  const seed = options.seed ?? 1;
  const clock = new Clock(
    options.timestampFormat ?? 'unixnano',
    options.startUnixNano ?? DEFAULT_START_UNIX_NANO,
  );
  const r = new Rng();
  const item: TimedLine = { line: '', seconds: 0 };
  if (options.dataset === 'spectrum_events') {
    for (let i = 0; i < options.count; i++) {
      item.line = spectrumLine(r, seed, i, clock);
      item.seconds = clock.seconds(i * GAP_NS);
      yield item;
    }
    return;
  }
  const core = newCore();
  if (options.dataset === 'http_requests') {
    for (let i = 0; i < options.count; i++) {
      drawCore(r, seed, i, core, false);
      item.line = httpLine(core, r, seed, i, clock);
      item.seconds = clock.seconds(core.offsetNs);
      yield item;
    }
    return;
  }
  let emitted = 0;
  for (let i = 0; emitted < options.count; i++) {
    if (!drawCore(r, seed, i, core, true)) continue;
    const rule = core.rule;
    if (rule === undefined) continue;
    r.reseed(seed, i, SALT_FIREWALL);
    item.seconds = clock.seconds(core.offsetNs);
    // A managed 'log' match often precedes the terminating rule of the same request.
    if (core.logFirst && emitted + 1 < options.count) {
      item.line = firewallLine(core, logRule, 0, r, clock);
      yield item;
      emitted++;
      item.line = firewallLine(core, rule, 1, r, clock);
    } else item.line = firewallLine(core, rule, 0, r, clock);
    yield item;
    emitted++;
  }
}

/**
 * Generates `count` NDJSON lines (without newline) of realistic records of a seed dataset. Deterministic: the same
 * options give the same bytes. http_requests and firewall_events with the same seed and start describe the same
 * requests (a firewall event's RayID, client and path are those of an http request). Throws TypeError for bad
 * options.
 */
export function* generateRecords(options: GenerateOptions): Generator<string> {
  for (const item of timedRecords(options)) yield item.line;
}

function compactUtc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replaceAll('-', '').replaceAll(':', '') + 'Z';
}

/**
 * Writes the records into `dir` the way Logpush lays out a storage destination:
 * `{YYYYMMDD}/<start>_<end>_<hash>.log.gz` with compact UTC times (20240101T000000Z) of the file's first and last
 * records and 8 hex chars of the content's SHA-1. `files` (default 1) splits the records evenly; `gzip: false`
 * writes plain `.log` files. Resolves with the written paths in order; rejects on I/O errors.
 */
export async function writeLogpushDirectory(
  dir: string,
  options: GenerateOptions & { files?: number; gzip?: boolean },
): Promise<string[]> {
  const files = options.files ?? 1;
  if (!Number.isSafeInteger(files) || files < 1)
    throw new TypeError(`files must be a positive integer, got ${files}`);
  const gzip = options.gzip ?? true;
  checkOptions(options);
  await mkdir(dir, { recursive: true });
  const records = timedRecords(options);
  const written: string[] = [];
  let previousEnd = 0;
  for (let f = 0; f < files; f++) {
    const n = Math.floor((options.count * (f + 1)) / files) - Math.floor((options.count * f) / files);
    if (n === 0) continue;
    const tmp = join(dir, `.partial-${process.pid}-${f}.log`);
    const hash = createHash('sha1');
    let first = -1;
    let last = 0;
    const source = function* (): Generator<string> {
      let buffer = '';
      for (let k = 0; k < n; k++) {
        const next = records.next();
        if (next.done === true) break;
        if (first < 0) first = next.value.seconds;
        last = next.value.seconds;
        buffer += next.value.line + '\n';
        if (buffer.length >= 1 << 20) {
          hash.update(buffer);
          yield buffer;
          buffer = '';
        }
      }
      hash.update(buffer);
      yield buffer;
    };
    try {
      if (gzip) await pipeline(source, createGzip(), createWriteStream(tmp));
      else await pipeline(source, createWriteStream(tmp));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    // Consecutive, non-overlapping windows: a file starts where the previous one ended.
    const start = Math.max(first, previousEnd);
    const end = Math.max(last + 1, start + 1);
    previousEnd = end;
    const day = compactUtc(start).slice(0, 8);
    const name = `${compactUtc(start)}_${compactUtc(end)}_${hash.digest('hex').slice(0, 8)}.log${gzip ? '.gz' : ''}`;
    await mkdir(join(dir, day), { recursive: true });
    const path = join(dir, day, name);
    await rename(tmp, path);
    written.push(path);
  }
  return written;
}
