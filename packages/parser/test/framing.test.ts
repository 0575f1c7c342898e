import { describe, expect, it } from 'vitest';
import { chunked, collect, enc, httpLine } from './helpers.ts';

describe('line framing', () => {
  it('reads LF and CRLF lines with exact byte offsets', async () => {
    const text = `${httpLine(1)}\r\n${httpLine(2)}\n`;
    const { ok, summary } = await collect(enc(text));
    expect(ok.map((r) => r.line)).toEqual([1, 2]);
    expect(ok[0]?.raw).toBe(httpLine(1));
    expect(ok[0]?.offset).toBe(0);
    expect(ok[0]?.nextOffset).toBe(httpLine(1).length + 2);
    expect(ok[1]?.offset).toBe(httpLine(1).length + 2);
    expect(ok[1]?.nextOffset).toBe(text.length);
    expect(summary).toEqual({
      lines: 2,
      ok: 2,
      failed: 0,
      consumedOffset: text.length,
      consumedLines: 2,
      complete: true,
      invalidUtf8Lines: 0,
    });
  });

  it('emits a final line without newline unless the tail is held back', async () => {
    const text = `${httpLine(1)}\n${httpLine(2)}`;
    const all = await collect(enc(text));
    expect(all.ok.map((r) => r.line)).toEqual([1, 2]);
    expect(all.ok[1]?.nextOffset).toBe(text.length);
    expect(all.summary.complete).toBe(true);

    const held = await collect(enc(text), { holdIncompleteTail: true });
    expect(held.ok.map((r) => r.line)).toEqual([1]);
    expect(held.summary.consumedOffset).toBe(httpLine(1).length + 1);
    expect(held.summary.consumedLines).toBe(1);
    expect(held.summary.complete).toBe(false);
  });

  it('skips blank lines but counts them in line numbers and offsets', async () => {
    const text = `\n${httpLine(1)}\n\r\n   \n${httpLine(2)}\n\n`;
    const { ok, summary } = await collect(enc(text));
    expect(ok.map((r) => r.line)).toEqual([2, 5]);
    expect(ok[1]?.offset).toBe(text.indexOf(httpLine(2)));
    expect(summary.lines).toBe(6);
    expect(summary.consumedOffset).toBe(text.length);
  });

  it('rejects an over-long line without affecting its neighbours, in one chunk or many', async () => {
    const long = `{"a":"${'x'.repeat(5000)}"}`;
    const text = `${httpLine(1)}\n${long}\n${httpLine(2)}\n`;
    for (const size of [text.length, 64, 7]) {
      const { results, summary } = await collect(chunked(enc(text), size), {
        maxLineBytes: 1000,
        source: 's.log',
      });
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
      const bad = results[1];
      if (bad?.ok !== false) throw new Error('expected a failure');
      expect(bad.error.code).toBe('line-too-long');
      expect(bad.error.line).toBe(2);
      expect(bad.error.offset).toBe(httpLine(1).length + 1);
      expect(bad.error.nextOffset).toBe(httpLine(1).length + 2 + long.length);
      expect(bad.error.raw).toBe('');
      expect(bad.error.excerpt.length).toBeLessThanOrEqual(200);
      expect(bad.error.excerpt.startsWith('{"a":"xxx')).toBe(true);
      expect(bad.error.reason).toBe(
        'expected a line of at most 1000 bytes, found 5008 (raise maxLineBytes to read it)',
      );
      expect(summary.consumedOffset).toBe(text.length);
    }
  });

  it('accepts a line of exactly maxLineBytes, with or without CR', async () => {
    const line = `{"a":"${'y'.repeat(100 - 8)}"}`;
    expect(line.length).toBe(100);
    for (const sep of ['\n', '\r\n']) {
      const { ok, failures } = await collect(chunked(enc(`${line}${sep}${line}`), 33), { maxLineBytes: 100 });
      expect(failures).toEqual([]);
      expect(ok).toHaveLength(2);
    }
    const over = await collect(enc(`${line}x\n`), { maxLineBytes: 100 });
    expect(over.failures[0]?.error.code).toBe('line-too-long');
  });

  it('rejects an over-long final line with no newline', async () => {
    const { failures, summary } = await collect(chunked(enc(`${httpLine(1)}\n${'z'.repeat(3000)}`), 100), {
      maxLineBytes: 500,
    });
    expect(failures.map((f) => f.error.code)).toEqual(['line-too-long']);
    expect(summary.consumedOffset).toBe(httpLine(1).length + 1 + 3000);
  });

  it('keeps multi-byte characters whole when a chunk boundary splits them', async () => {
    const line = '{"ClientCity":"Zürich 東京 🚀","ClientRequestPath":"/ünï"}';
    const { ok } = await collect(chunked(enc(`${line}\n${line}\n`), 1), { dataset: 'unknown' });
    expect(ok.map((r) => r.record['ClientCity'])).toEqual(['Zürich 東京 🚀', 'Zürich 東京 🚀']);
    expect(ok[1]?.offset).toBe(enc(line).length + 1);
  });

  it('ignores a UTF-8 byte order mark at the start', async () => {
    const { ok } = await collect(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), enc(`${httpLine(1)}\n`)]));
    expect(ok).toHaveLength(1);
    expect(ok[0]?.offset).toBe(0);
    expect(ok[0]?.nextOffset).toBe(httpLine(1).length + 4);
  });

  it('yields one batch per input chunk', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => httpLine(i)).join('\n');
    const { batches, ok } = await collect(chunked(enc(`${lines}\n`), httpLine(0).length + 1));
    expect(ok).toHaveLength(10);
    expect(batches).toBeGreaterThanOrEqual(9);
  });
});

describe('resuming', () => {
  const text = Array.from({ length: 6 }, (_, i) => httpLine(i)).join('\n') + '\n';

  it('skips exactly to a resume offset and numbers lines from there', async () => {
    const first = await collect(enc(text));
    const third = first.ok[2];
    if (third === undefined) throw new Error('missing line');
    const resumed = await collect(chunked(enc(text), 13), { resumeFrom: { offset: third.offset, line: 2 } });
    expect(resumed.ok.map((r) => r.raw)).toEqual(first.ok.slice(2).map((r) => r.raw));
    expect(resumed.ok.map((r) => [r.line, r.offset, r.nextOffset])).toEqual(
      first.ok.slice(2).map((r) => [r.line, r.offset, r.nextOffset]),
    );
    expect(resumed.summary.consumedOffset).toBe(text.length);
    expect(resumed.summary.consumedLines).toBe(6);
    expect(resumed.summary.lines).toBe(4);
  });

  it('resumes at the end of input with nothing to read', async () => {
    const r = await collect(enc(text), { resumeFrom: { offset: text.length, line: 6 } });
    expect(r.results).toEqual([]);
    expect(r.summary).toMatchObject({ consumedOffset: text.length, consumedLines: 6, complete: true });
  });

  it('chains summaries: parsing in two runs gives what one run gives', async () => {
    const half = enc(text).subarray(0, 300);
    const a = await collect(half, { holdIncompleteTail: true });
    const b = await collect(enc(text), {
      resumeFrom: { offset: a.summary.consumedOffset, line: a.summary.consumedLines },
    });
    const whole = await collect(enc(text));
    expect([...a.ok, ...b.ok].map((r) => [r.line, r.offset, r.raw])).toEqual(
      whole.ok.map((r) => [r.line, r.offset, r.raw]),
    );
  });
});

describe('inputs', () => {
  it('reads a Node Readable, also one that emits strings', async () => {
    const { Readable } = await import('node:stream');
    const text = `${httpLine(1)}\n${httpLine(2)}\n`;
    const bytes = await collect(Readable.from([enc(text.slice(0, 50)), enc(text.slice(50))]));
    expect(bytes.ok.map((r) => r.raw)).toEqual([httpLine(1), httpLine(2)]);
    const strings = Readable.from([enc(text)]);
    strings.setEncoding('utf8');
    const decoded = await collect(strings);
    expect(decoded.ok.map((r) => r.raw)).toEqual([httpLine(1), httpLine(2)]);
  });

  it('reports input that is not bytes as a read error', async () => {
    async function* numbers(): AsyncGenerator<number> {
      await Promise.resolve();
      yield 42;
    }
    const { failures, summary } = await collect(numbers() as unknown as AsyncIterable<Uint8Array>);
    expect(failures.map((f) => f.error.code)).toEqual(['read-error']);
    expect(summary.complete).toBe(false);
  });
});

describe('invalid UTF-8', () => {
  it('reads the line with U+FFFD and counts it, while a real U+FFFD in the input is not counted', async () => {
    const bad = Buffer.concat([
      Buffer.from('{"RayID":"a","ClientRequestPath":"/x'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n{"RayID":"b","ClientRequestPath":"/\uFFFD"}\n'),
    ]);
    const { ok, summary } = await collect(new Uint8Array(bad));
    expect(ok.map((r) => r.record['ClientRequestPath'])).toEqual(['/x\uFFFD\uFFFD', '/\uFFFD']);
    expect(summary.invalidUtf8Lines).toBe(1);
  });
});
