// Property tests: random bytes, mutated valid records and truncated gzip never throw or hang, always give `ok` or
// a structured error, and keep offsets monotonic and within the input. Seeded, so every run is the same.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseLine } from '@logpush-otel/parser';
import type { ParseFormat, ParseOptions, ParseResult } from '@logpush-otel/parser';
import { chunked, collect } from './helpers.ts';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fixtureLines = ['http_requests', 'firewall_events', 'spectrum_events'].flatMap((d) =>
  readFileSync(new URL(`fixtures/${d}/input.ndjson`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0),
);

const codes = new Set([
  'invalid-json',
  'invalid-csv',
  'not-an-object',
  'line-too-long',
  'invalid-field',
  'invalid-timestamp',
  'truncated-gzip',
  'corrupt-gzip',
  'read-error',
]);

/** True when an object member (at any depth) is null or ''. */
function hasEmptyMember(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasEmptyMember);
  if (typeof v !== 'object' || v === null) return false;
  return Object.values(v).some((x) => x === null || x === '' || hasEmptyMember(x));
}

function checkResult(r: ParseResult, total: number): void {
  if (r.ok) {
    expect(typeof r.dataset).toBe('string');
    expect(typeof r.record).toBe('object');
    expect(r.timeUnixNano === undefined || typeof r.timeUnixNano === 'bigint').toBe(true);
    expect(r.offset).toBeLessThanOrEqual(r.nextOffset);
    expect(r.nextOffset).toBeLessThanOrEqual(total);
    expect(hasEmptyMember(r.record)).toBe(false);
    return;
  }
  const e = r.error;
  expect(codes.has(e.code)).toBe(true);
  // A bug would surface as an 'internal parser error' failure rather than a crash: there must be none.
  expect(e.reason).not.toMatch(/^internal parser error/);
  expect(e.excerpt.length).toBeLessThanOrEqual(200);
  expect(e.message.startsWith(`${e.source}:${e.line} (byte ${e.offset}): ${e.reason}`)).toBe(true);
  expect(e.offset).toBeLessThanOrEqual(e.nextOffset);
  expect(e.nextOffset).toBeLessThanOrEqual(total);
}

async function checkStream(
  bytes: Uint8Array,
  total: number,
  options: ParseOptions,
  chunk: number,
): Promise<void> {
  const { results, summary } = await collect(chunked(bytes, chunk), options);
  let lastOffset = -1;
  let lastLine = 0;
  for (const r of results) {
    checkResult(r, total);
    const at = r.ok ? r : r.error;
    expect(at.offset).toBeGreaterThanOrEqual(lastOffset);
    expect(at.line).toBeGreaterThanOrEqual(lastLine);
    lastOffset = at.offset;
    lastLine = at.line;
  }
  expect(summary.ok + summary.failed).toBe(results.length);
  expect(summary.consumedOffset).toBeLessThanOrEqual(Math.max(total, options.resumeFrom?.offset ?? 0));
  expect(summary.consumedLines).toBeLessThanOrEqual(summary.lines + (options.resumeFrom?.line ?? 0));
  if (summary.complete) expect(summary.consumedOffset).toBe(Math.max(total, options.resumeFrom?.offset ?? 0));
}

function randomOptions(rand: () => number): ParseOptions {
  const formats: ParseFormat[] = ['auto', 'ndjson', 'csv', 'json-array'];
  const options: ParseOptions = {
    format: formats[Math.floor(rand() * formats.length)] ?? 'auto',
    source: 'fuzz',
  };
  if (rand() < 0.3) options.maxLineBytes = 1 + Math.floor(rand() * 600);
  if (rand() < 0.3) options.holdIncompleteTail = true;
  if (rand() < 0.2) options.fieldNames = ['EdgeStartTimestamp', 'ClientIP', 'RayID'];
  if (rand() < 0.3)
    options.dataset =
      ['http_requests', 'unknown', 'auto', 'spectrum_events'][Math.floor(rand() * 4)] ?? 'auto';
  return options;
}

function randomBytes(rand: () => number, n: number): Uint8Array {
  const alphabet = [
    0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x2c, 0x3a, 0x0a, 0x0d, 0x31, 0x5c, 0x1f, 0x8b, 0xc3, 0xa9, 0xff, 0x20,
  ];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = rand() < 0.5 ? (alphabet[Math.floor(rand() * alphabet.length)] ?? 0) : Math.floor(rand() * 256);
  }
  return out;
}

function mutate(rand: () => number, line: string): string {
  let s = line;
  const edits = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < edits; k++) {
    const i = Math.floor(rand() * (s.length + 1));
    const op = rand();
    const pieces = [
      '"',
      ',',
      '}',
      '{',
      '[',
      ']',
      ':',
      '\\',
      '1e999',
      '12345678901234567890',
      'null',
      '""',
      '\n',
      '\r',
      'é',
      '\u0000',
    ];
    const piece = pieces[Math.floor(rand() * pieces.length)] ?? '';
    if (op < 0.3) s = s.slice(0, i) + s.slice(i + 1 + Math.floor(rand() * 10));
    else if (op < 0.6) s = s.slice(0, i) + piece + s.slice(i);
    else if (op < 0.8) s = s.slice(0, i);
    else s = s.slice(0, i) + s.slice(Math.floor(rand() * s.length));
  }
  return s;
}

describe('fuzz', () => {
  it('never throws on random bytes, in any format and chunking', async () => {
    const rand = prng(0xc0ffee);
    for (let round = 0; round < 150; round++) {
      const bytes = randomBytes(rand, Math.floor(rand() * 3000));
      if (rand() < 0.2 && bytes.length >= 2) {
        bytes[0] = 0x1f;
        bytes[1] = 0x8b;
      }
      const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
      const total = gz ? Number.MAX_SAFE_INTEGER : bytes.length;
      await checkStream(bytes, total, randomOptions(rand), 1 + Math.floor(rand() * 700));
    }
  });

  it('reads mutated records as ok or structured errors, line by line', async () => {
    const rand = prng(42);
    for (let round = 0; round < 120; round++) {
      const lines = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => {
        const l = fixtureLines[Math.floor(rand() * fixtureLines.length)] ?? '{}';
        return rand() < 0.7 ? mutate(rand, l) : l;
      });
      const text = lines.join(rand() < 0.5 ? '\n' : '\r\n');
      const bytes = Buffer.from(text, 'utf8');
      const options = randomOptions(rand);
      await checkStream(bytes, bytes.length, options, 1 + Math.floor(rand() * 400));
      for (const l of lines)
        checkResult(parseLine(l, { ...options, holdIncompleteTail: false }), Number.MAX_SAFE_INTEGER);
    }
  });

  it('reads truncated and resumed gzip and plain input consistently', async () => {
    const rand = prng(7);
    const text = `${fixtureLines.join('\n')}\n`;
    const plain = Buffer.from(text, 'utf8');
    const gz = gzipSync(plain);
    for (let round = 0; round < 80; round++) {
      const useGzip = rand() < 0.5;
      const source = useGzip ? gz : plain;
      const cut = Math.floor(rand() * (source.length + 1));
      const options = randomOptions(rand);
      if (rand() < 0.4) {
        const line = Math.floor(rand() * fixtureLines.length);
        options.resumeFrom = {
          offset: Buffer.byteLength(
            fixtureLines
              .slice(0, line)
              .map((l) => `${l}\n`)
              .join(''),
          ),
          line,
        };
      }
      await checkStream(
        source.subarray(0, cut),
        useGzip ? plain.length : cut,
        options,
        1 + Math.floor(rand() * 2000),
      );
    }
  });

  it('parseLine never throws on random text', () => {
    const rand = prng(99);
    for (let round = 0; round < 500; round++) {
      const s = Buffer.from(randomBytes(rand, Math.floor(rand() * 200))).toString('utf8');
      checkResult(parseLine(s, { source: 'line' }), Number.MAX_SAFE_INTEGER);
      checkResult(parseLine(s, { fieldNames: ['A', 'B'] }), Number.MAX_SAFE_INTEGER);
      checkResult(parseLine(s, { format: 'json-array' }), Number.MAX_SAFE_INTEGER);
    }
  });
});

describe('empty-member removal', () => {
  /** The rule, written plainly: drop null and '' object members at every depth; keep array items. */
  function reference(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(reference);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== '') out[k] = reference(x);
    return out;
  }

  function randomValue(rand: () => number, depth: number): unknown {
    const r = rand();
    const strings = ['', 'a', '":""', ',"k":null', '\\', '"', '{', 'null', ' '];
    if (depth > 2 || r < 0.35) {
      const s = rand();
      if (s < 0.3) return '';
      if (s < 0.5) return null;
      if (s < 0.7) return strings[Math.floor(rand() * strings.length)] ?? '';
      return Math.floor(rand() * 1000);
    }
    if (r < 0.55) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    const o: Record<string, unknown> = {};
    const keys = ['a', 'b', 'k', 'x y', ':', ',', '"q', '\\', '', 'null'];
    for (let i = Math.floor(rand() * 6); i > 0; i--)
      o[keys[Math.floor(rand() * keys.length)] ?? 'a'] = randomValue(rand, depth + 1);
    return o;
  }

  it('matches the plain rule on random objects, compact or spaced', () => {
    const rand = prng(2024);
    for (let round = 0; round < 2000; round++) {
      const o: Record<string, unknown> = { id: round };
      for (let i = Math.floor(rand() * 8); i > 0; i--) o[`f${Math.floor(rand() * 5)}`] = randomValue(rand, 0);
      let text = JSON.stringify(o, null, rand() < 0.2 ? 1 : undefined).replace(/\n/g, ' ');
      if (rand() < 0.3) text = text.replace(/,"/g, ', "').replace(/\{"/g, '{ "');
      if (rand() < 0.2) text = text.replace(/": /g, '":');
      const r = parseLine(text, { dataset: 'unknown', format: 'ndjson' });
      if (!r.ok) throw new Error(`${r.error.message} for ${text}`);
      expect(r.record).toEqual(reference(JSON.parse(text)));
    }
  });
});
