// A gzip file that grows in steps is decompressed once in total, not once per step: the file pass continues
// from the inflate state of the pass before (issue: growing .log.gz re-inflated from the start on every pass).
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFilePass } from '../src/receivers/logpush-file/file-pass.ts';
import type { GzipResume, PassEnd, PassOptions } from '../src/receivers/logpush-file/file-pass.ts';
import { GzipCursor } from '../src/receivers/logpush-file/gzip-cursor.ts';
import { WorkerPool } from '../src/workers/pool.ts';
import { harnessMode, startReceiver, until } from './helpers/receiver-harness.ts';

const options: PassOptions = {
  format: 'auto',
  dataset: 'auto',
  fieldNames: [],
  maxLineBytes: 1 << 20,
  batchSize: 500,
  flushTail: false,
};

const line = (i: number): string =>
  `{"ClientIP":"192.0.2.${i % 250}","ClientRequestHost":"example.com","ClientRequestURI":"/item/${i}?q=${(i * 7919) % 10007}","EdgeResponseStatus":200,"EdgeStartTimestamp":${1_700_000_000_000_000_000n + BigInt(i)},"RayID":"${i.toString(16).padStart(16, '0')}"}`;

interface Read {
  lines: number[];
  offsets: number[];
  end: PassEnd;
  next: { offset: number; line: number };
}

/** One pass from `start`; the line numbers and offsets of the records read, and where the next pass starts. */
async function pass(
  path: string,
  start: { offset: number; line: number },
  resume: GzipResume,
): Promise<Read> {
  const st = await stat(path);
  const it = readFilePass({ path, dev: st.dev, ino: st.ino }, start, options, resume);
  const out: Read = { lines: [], offsets: [], end: { kind: 'empty' }, next: start };
  for (;;) {
    const step = await it.next();
    if (step.done === true) {
      out.end = step.value;
      return out;
    }
    const b = step.value;
    for (const r of b.records) {
      out.lines.push(b.base.line + r.line);
      out.offsets.push(b.base.offset + r.offset);
    }
    out.next = b.end;
  }
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpush-gzip-growth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A gzip stream written to `path` in steps: `step(text)` appends text and flushes it to the file. */
async function gzipWriter(
  path: string,
): Promise<{ step(text: string): Promise<void>; end(): Promise<void> }> {
  await writeFile(path, '');
  const gzip = createGzip();
  // Appends run one after the other: concurrent appendFile calls may land out of order and corrupt the file.
  let written: Promise<void> = Promise.resolve();
  gzip.on('data', (chunk: Buffer) => {
    written = written.then(() => appendFile(path, chunk));
  });
  return {
    async step(text) {
      gzip.write(text);
      await new Promise<void>((r) => gzip.flush(constants.Z_SYNC_FLUSH, () => r()));
      await written;
    },
    async end() {
      gzip.end();
      await new Promise<void>((r) => gzip.on('end', () => r()));
      await written;
    },
  };
}

describe('a growing gzip file', () => {
  it('one gzip stream written in 25 steps: every record once, and inflate work about the file size', async () => {
    const path = join(dir, 'growing.log.gz');
    await writeFile(path, '');
    const gzip = createGzip();
    // Appends run one after the other: concurrent appendFile calls may land out of order and corrupt the file.
    let written: Promise<void> = Promise.resolve();
    gzip.on('data', (chunk: Buffer) => {
      written = written.then(() => appendFile(path, chunk));
    });
    const flushed = (): Promise<void> =>
      new Promise<void>((r) => gzip.flush(constants.Z_SYNC_FLUSH, () => r())).then(() => written);

    const steps = 25;
    const perStep = 400;
    let text = '';
    const resume: GzipResume = { cursor: undefined };
    let cursor: GzipCursor | undefined;
    let start = { offset: 0, line: 0 };
    const lines: number[] = [];
    const offsets: number[] = [];
    let sizes = 0; // what re-inflating from the start on every pass would decompress
    for (let s = 0; s < steps; s++) {
      let chunk = '';
      for (let i = s * perStep + 1; i <= (s + 1) * perStep; i++) chunk += `${line(i)}\n`;
      // Each step stops in the middle of a line: its rest comes with the next step.
      const cut = s === steps - 1 ? chunk.length : chunk.length - 40;
      text += chunk;
      gzip.write(chunk.slice(0, cut));
      await flushed();
      if (cut < chunk.length) gzip.write(chunk.slice(cut));

      const r = await pass(path, start, resume);
      sizes += (await stat(path)).size;
      expect(r.end).toMatchObject({ kind: 'read', gzip: true, complete: false });
      expect(r.end.kind === 'read' ? r.end.streamError?.code : undefined).toBe('truncated-gzip');
      lines.push(...r.lines);
      offsets.push(...r.offsets);
      start = r.next;
      cursor ??= resume.cursor;
      expect(resume.cursor).toBe(cursor); // the same inflate state, carried from pass to pass
    }
    gzip.end();
    await new Promise<void>((r) => gzip.on('end', () => r()));
    await written;
    const last = await pass(path, start, resume);
    lines.push(...last.lines);
    offsets.push(...last.offsets);
    expect(last.end).toMatchObject({ kind: 'read', gzip: true, complete: true, streamError: undefined });

    const all = text.split('\n').slice(0, -1);
    expect(lines).toEqual(all.map((_, i) => i + 1));
    let at = 0;
    expect(offsets).toEqual(
      all.map((l) => {
        const o = at;
        at += Buffer.byteLength(l) + 1;
        return o;
      }),
    );
    expect(last.next).toEqual({ offset: Buffer.byteLength(text), line: all.length });

    const size = (await stat(path)).size;
    const inflated = cursor?.inflated ?? 0;
    // Proportional to the size: each compressed byte goes through inflate about once (the re-inflating way
    // would have decompressed the sum of the sizes at each pass, about steps / 2 times the file).
    expect(inflated).toBeGreaterThanOrEqual(size - 20);
    expect(inflated).toBeLessThanOrEqual(size + 64);
    expect(sizes).toBeGreaterThan(10 * size);
  });

  it('gzip members appended one by one: each pass reads only the new member and ends complete', async () => {
    const path = join(dir, 'members.log.gz');
    await writeFile(path, '');
    const resume: GzipResume = { cursor: undefined };
    let start = { offset: 0, line: 0 };
    const lines: number[] = [];
    let cursor: GzipCursor | undefined;
    for (let m = 0; m < 10; m++) {
      let chunk = '';
      for (let i = m * 100 + 1; i <= (m + 1) * 100; i++) chunk += `${line(i)}\n`;
      await appendFile(path, gzipSync(chunk));
      const r = await pass(path, start, resume);
      expect(r.end).toMatchObject({ kind: 'read', gzip: true, complete: true, streamError: undefined });
      expect(r.lines).toEqual(Array.from({ length: 100 }, (_, i) => m * 100 + i + 1));
      lines.push(...r.lines);
      start = r.next;
      cursor ??= resume.cursor;
      expect(resume.cursor).toBe(cursor);
    }
    expect(lines).toHaveLength(1000);
    expect(cursor?.inflated ?? 0).toBeLessThanOrEqual((await stat(path)).size);
  });

  it('reports a member whose check value is wrong, or bytes that are not gzip, as corrupt', async () => {
    for (const [name, damage] of [
      ['crc', (b: Buffer) => b.writeUInt32LE((b.readUInt32LE(b.length - 8) ^ 1) >>> 0, b.length - 8)],
      ['header', (b: Buffer) => b.write('xy', 0, 'latin1')],
    ] as const) {
      const path = join(dir, `corrupt-${name}.log.gz`);
      const first = gzipSync(`${line(1)}\n`);
      await writeFile(path, first);
      const resume: GzipResume = { cursor: undefined };
      const r1 = await pass(path, { offset: 0, line: 0 }, resume);
      expect(r1.lines).toEqual([1]);
      const second = Buffer.from(gzipSync(`${line(2)}\n`));
      damage(second);
      await appendFile(path, second);
      const r2 = await pass(path, r1.next, resume);
      expect(r2.end.kind === 'read' ? r2.end.streamError?.code : undefined).toBe('corrupt-gzip');
      // As when the whole file is decompressed at once: what came out before the damage was found is read.
      expect(r2.lines).toEqual(name === 'crc' ? [2] : []);
      expect(resume.cursor).toBeUndefined(); // not continued after corruption
    }
  });
});

// The same through the receiver, on the main thread and with a pool of worker threads: a worker cannot keep an
// inflate state between passes, so only a file's first pass runs in one; the later passes continue on the main
// thread where the state is kept.
describe.each([1, 2])('a growing gzip file read by the receiver (workers: %i)', (workers) => {
  it(
    'delivers every record once and inflates each compressed byte about once',
    { timeout: 60_000 },
    async () => {
      harnessMode.workers = workers;
      const cursors = vi.spyOn(GzipCursor.prototype, 'read');
      const runs = vi.spyOn(WorkerPool.prototype, 'run');
      const input = await mkdtemp(join(dir, `receiver-${workers}-`));
      const path = join(input, 'growing.log.gz');
      const writer = await gzipWriter(path);
      const h = await startReceiver(input, input, { include: ['*.gz'], batch_size: 100 });
      try {
        const steps = 12;
        const perStep = 250;
        for (let s = 0; s < steps; s++) {
          let chunk = '';
          for (let i = s * perStep + 1; i <= (s + 1) * perStep; i++) chunk += `${line(i)}\n`;
          await writer.step(chunk);
          // Each step is read before the next is written: one pass per step.
          await until(
            `step ${s + 1} delivered`,
            () => h.consumer.delivered.length >= (s + 1) * perStep,
            30_000,
          );
        }
        await writer.end();
        await h.receiver.drained();
        const total = steps * perStep;
        const rays = h.consumer.rayIds();
        expect(rays).toHaveLength(total);
        expect([...rays].sort()).toEqual(
          Array.from({ length: total }, (_, i) => (i + 1).toString(16).padStart(16, '0')).sort(),
        );
        const size = (await stat(path)).size;
        // One inflate state carried from pass to pass, through at most the file once.
        const used = new Set(cursors.mock.contexts as GzipCursor[]);
        expect(used.size).toBe(1);
        const inflated = [...used].reduce((n, c) => n + c.inflated, 0);
        expect(inflated).toBeLessThanOrEqual(size + 64);
        expect(cursors.mock.calls.length).toBeGreaterThanOrEqual(steps - 1);
        // In workers: only the first pass (which found a gzip file), before any inflate state existed.
        const passes = runs.mock.calls.filter((c) => c[0] === 'file-pass');
        expect(passes.length).toBe(workers > 1 ? 1 : 0);
      } finally {
        cursors.mockRestore();
        runs.mockRestore();
        harnessMode.workers = 1;
        await h.stop();
      }
    },
  );
});
