import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectInput } from '@logpush-otel/parser';
import { chunked, collect, enc, httpLine } from './helpers.ts';

const lines = Array.from({ length: 2000 }, (_, i) => httpLine(i));
const text = `${lines.join('\n')}\n`;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parser-gzip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gzip', () => {
  it('recognises gzip by its magic bytes', () => {
    expect(detectInput(gzipSync('x')).gzip).toBe(true);
    expect(detectInput(enc('{"a":1}')).gzip).toBe(false);
    expect(detectInput(new Uint8Array([0x1f])).gzip).toBe(false);
    expect(detectInput(new Uint8Array([])).gzip).toBe(false);
  });

  it('detects the format from the first bytes, plain or gzip, with the rule parseBatches uses', () => {
    const csv = 'ClientIP,ClientRequestHost,EdgeStartTimestamp\n1.2.3.4,example.com,1700000000000000000\n';
    const cases: [string, 'ndjson' | 'csv' | 'json-array' | undefined][] = [
      ['{"ClientIP":"1.2.3.4"}\n', 'ndjson'],
      ['\n\n  {"ClientIP":"1.2.3.4"}\n', 'ndjson'],
      ['[{"ClientIP":"1.2.3.4"},\n', 'json-array'],
      [csv, 'csv'],
      ['garbage\n', 'ndjson'],
      ['\n \r\n', undefined],
      ['', undefined],
    ];
    for (const [content, format] of cases) {
      expect(detectInput(enc(content))).toEqual({ gzip: false, format });
      expect(detectInput(gzipSync(content))).toEqual({ gzip: true, format });
    }
    // The head of a large gzip file: only its first bytes are at hand, the stream has no end yet.
    const big = gzipSync(csv.repeat(5000));
    expect(detectInput(big.subarray(0, 64))).toEqual({ gzip: true, format: 'csv' });
    // Too little of the gzip stream to see a line: the format is not known yet.
    expect(detectInput(big.subarray(0, 4))).toEqual({ gzip: true, format: undefined });
  });

  it('reads a gzip file from disk with decompressed offsets', async () => {
    const path = join(dir, '20231114T221320Z_20231114T221420Z_abc.log.gz');
    await writeFile(path, gzipSync(text));
    const { ok, summary } = await collect(createReadStream(path, { highWaterMark: 4096 }), { source: path });
    expect(ok.map((r) => r.raw)).toEqual(lines);
    expect(ok[5]?.offset).toBe(text.indexOf(lines[5] ?? '?'));
    expect(summary).toEqual({
      lines: 2000,
      ok: 2000,
      failed: 0,
      consumedOffset: text.length,
      consumedLines: 2000,
      complete: true,
      invalidUtf8Lines: 0,
    });
  });

  it('reads concatenated gzip members in turn, even split mid-line', async () => {
    const bytes = enc(text);
    const cut1 = 1234;
    const cut2 = 70_001;
    const multi = Buffer.concat([
      gzipSync(bytes.subarray(0, cut1)),
      gzipSync(bytes.subarray(cut1, cut2)),
      gzipSync(bytes.subarray(cut2)),
    ]);
    const { ok, summary } = await collect(chunked(multi, 999));
    expect(ok.map((r) => r.raw)).toEqual(lines);
    expect(summary.complete).toBe(true);
  });

  it('reads a plain file named .gz (served decompressed)', async () => {
    const path = join(dir, 'served-decompressed.log.gz');
    await writeFile(path, text);
    const { ok, summary } = await collect(createReadStream(path), { source: path });
    expect(ok).toHaveLength(2000);
    expect(summary.complete).toBe(true);
  });

  it('emits every complete line before a truncation, then a truncated-gzip failure', async () => {
    const gz = gzipSync(text);
    const truncated = gz.subarray(0, Math.floor(gz.length * 0.6));
    const { ok, failures, summary } = await collect(chunked(truncated, 4096), { source: 'part.log.gz' });
    expect(ok.length).toBeGreaterThan(100);
    expect(ok.map((r) => r.raw)).toEqual(lines.slice(0, ok.length));
    expect(failures).toHaveLength(1);
    const f = failures[0]?.error;
    expect(f?.code).toBe('truncated-gzip');
    expect(f?.offset).toBe(summary.consumedOffset);
    expect(f?.line).toBe(ok.length + 1);
    expect(f?.message).toMatch(/^part\.log\.gz:\d+ \(byte \d+\): gzip data ends before its end marker/);
    expect(summary.complete).toBe(false);
    expect(summary.consumedOffset).toBe(ok.at(-1)?.nextOffset);
  });

  it('reports corrupt gzip as corrupt-gzip after the lines it could read', async () => {
    const gz = Buffer.from(gzipSync(text));
    for (let i = 8000; i < 8100; i++) gz[i] = (gz[i] ?? 0) ^ 0x5a;
    const { ok, failures, summary } = await collect(chunked(gz, 1000));
    // Deflate has no checksum before the member's end: a few lines just before the damage may decode to garbage.
    expect(ok.length).toBeGreaterThan(100);
    expect(ok.slice(0, 100).map((r) => r.raw)).toEqual(lines.slice(0, 100));
    expect(failures.at(-1)?.error.code).toBe('corrupt-gzip');
    expect(failures.at(-1)?.error.offset).toBe(summary.consumedOffset);
    expect(summary.complete).toBe(false);
  });

  it('reports trailing garbage after a gzip member as corrupt-gzip, after the member lines', async () => {
    const gz = gzipSync(text);
    const { ok, failures, summary } = await collect(
      chunked(Buffer.concat([gz, enc('garbage after the member')]), 4096),
    );
    // Lines decompressed from the same (at most 16 KiB) compressed slice as the garbage are not recoverable.
    expect(ok.length).toBeGreaterThan(1500);
    expect(ok.map((r) => r.raw)).toEqual(lines.slice(0, ok.length));
    expect(failures.map((f) => f.error.code)).toEqual(['corrupt-gzip']);
    expect(summary.complete).toBe(false);
  });

  it('emits every decompressible complete line of a truncated file, wherever it is cut', async () => {
    const gz = gzipSync(text);
    for (const cut of [100, 5000, 12_345, gz.length - 9, gz.length - 1]) {
      const { ok, failures } = await collect(chunked(gz.subarray(0, cut), 4096));
      const available = gunzipSync(gz.subarray(0, cut), { finishFlush: constants.Z_SYNC_FLUSH }).toString();
      const complete = available.slice(0, available.lastIndexOf('\n') + 1);
      expect(ok.map((r) => r.raw)).toEqual(complete.split('\n').slice(0, -1));
      expect(failures.map((f) => f.error.code)).toEqual(['truncated-gzip']);
    }
  });

  it('treats the bare magic bytes as a truncated gzip file', async () => {
    const { failures, summary } = await collect(new Uint8Array([0x1f, 0x8b]));
    expect(failures.map((f) => f.error.code)).toEqual(['truncated-gzip']);
    expect(summary.complete).toBe(false);
  });

  it('resumes inside a gzip file at a decompressed offset', async () => {
    const startLine = 1500;
    const offset = text.indexOf(lines[startLine] ?? '?');
    const { ok, summary } = await collect(chunked(gzipSync(text), 777), {
      resumeFrom: { offset, line: startLine },
    });
    expect(ok.map((r) => r.raw)).toEqual(lines.slice(startLine));
    expect(ok[0]?.line).toBe(startLine + 1);
    expect(ok[0]?.offset).toBe(offset);
    expect(summary.consumedLines).toBe(2000);
  });

  it('stops reading and releases the input when the consumer stops early', async () => {
    const { parseStream } = await import('@logpush-otel/parser');
    const gz = gzipSync(text.repeat(20));
    let released = false;
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < gz.length; i += 512) {
          pulled++;
          yield await Promise.resolve(gz.subarray(i, i + 512));
        }
      } finally {
        released = true;
      }
    }
    let n = 0;
    for await (const r of parseStream(source())) {
      expect(r.ok).toBe(true);
      if (++n === 10) break;
    }
    expect(n).toBe(10);
    expect(released).toBe(true);
    expect(pulled).toBeLessThan(Math.ceil(gz.length / 512));
  });
});

describe('read errors', () => {
  it('turns a failing input stream into a read-error failure after the lines read so far', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield enc(`${httpLine(1)}\n${httpLine(2)}\n{"partial`);
      throw new Error('disk went away');
    }
    const { ok, failures, summary } = await collect(failing(), { source: 'x.log' });
    expect(ok).toHaveLength(2);
    expect(failures.map((f) => f.error.code)).toEqual(['read-error']);
    expect(failures[0]?.error.message).toContain('disk went away');
    expect(summary.complete).toBe(false);
    expect(summary.consumedLines).toBe(2);
  });

  it('turns a failing gzip input into a read-error failure', async () => {
    const gz = gzipSync(text);
    async function* failing(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield gz.subarray(0, 20_000);
      throw new Error('connection reset');
    }
    const { ok, failures, summary } = await collect(failing());
    expect(ok.map((r) => r.raw)).toEqual(lines.slice(0, ok.length));
    expect(failures.map((f) => f.error.code)).toEqual(['read-error']);
    expect(summary.complete).toBe(false);
  });
});
