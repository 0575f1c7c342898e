// The per-file state machine of the logpush_file receiver, the shared backoff, and the file pass on its own
// (plain values in, batches with positions out: the shape a worker thread needs).
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.ts';
import { readFilePass } from '../src/receivers/logpush-file/file-pass.ts';
import type {
  FileDescription,
  PassBatch,
  PassEnd,
  PassOptions,
} from '../src/receivers/logpush-file/file-pass.ts';
import {
  IllegalTransitionError,
  TRANSITIONS,
  canTransition,
  trackedFile,
  transition,
} from '../src/receivers/logpush-file/file-state.ts';
import type { FileState } from '../src/receivers/logpush-file/file-state.ts';

const STATES: FileState[] = [
  'waiting',
  'reading',
  'complete',
  'held-tail',
  'flush-tail',
  'truncated',
  'failing',
  'failed',
  'gone',
];

function fileIn(state: FileState) {
  const cp = {
    id: 'id',
    path: '/logs/a.log',
    dev: 1,
    ino: 2,
    fingerprint: '',
    fingerprintLength: 0,
    offset: 0,
    line: 0,
    done: false,
    size: 0,
    seenAt: 0,
    updatedAt: 0,
  };
  return trackedFile(
    cp,
    { path: '/logs/a.log', size: 0, mtimeMs: 0, sortKey: 0, gzip: false, now: 0 },
    state,
  );
}

describe('logpush_file file states', () => {
  it('names every state in the table, and every target is a state', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
    for (const targets of Object.values(TRANSITIONS)) for (const t of targets) expect(STATES).toContain(t);
  });

  it('allows exactly the transitions of the table and refuses every other one, naming the file', () => {
    for (const from of STATES) {
      for (const to of STATES) {
        const f = fileIn(from);
        if (TRANSITIONS[from].includes(to)) {
          transition(f, to);
          expect(f.state).toBe(to);
        } else {
          expect(() => transition(f, to)).toThrow(IllegalTransitionError);
          expect(() => transition(f, to)).toThrow(`/logs/a.log: ${from} -> ${to}`);
          expect(f.state).toBe(from); // a refused change leaves the state as it was
        }
      }
    }
  });

  it('follows the lifecycle of a growing file, a rejected batch and a vanished file', () => {
    const f = fileIn('waiting');
    for (const to of ['reading', 'held-tail', 'flush-tail', 'reading', 'complete', 'reading'] as const) {
      transition(f, to);
    }
    // A batch rejected while the pass runs: the pass stops, then the file waits to be re-read.
    transition(f, 'failing');
    transition(f, 'failed');
    transition(f, 'waiting');
    transition(f, 'gone');
    transition(f, 'waiting'); // found again by a later scan
    expect(f.state).toBe('waiting');
  });

  it('is the table the receiver documentation shows', async () => {
    const doc = await readFile(new URL('../docs/logpush-file-receiver.md', import.meta.url), 'utf8');
    const documented: Record<string, string[]> = {};
    for (const m of doc.matchAll(/^\| `([a-z-]+)` +\|[^|]+\| (.+?) +\|$/gm)) {
      const [, state = '', targets = ''] = m;
      if (!(STATES as string[]).includes(state)) continue;
      documented[state] = [...targets.matchAll(/`([a-z-]+)`/g)].map((t) => t[1] ?? '');
    }
    expect(documented).toEqual(TRANSITIONS);
  });

  it('refuses the changes that would lose a failure or read a vanished file', () => {
    expect(canTransition('failing', 'waiting')).toBe(false); // the pass must end first (failed)
    expect(canTransition('failed', 'reading')).toBe(false); // batches must settle and the file be reset
    expect(canTransition('gone', 'reading')).toBe(false); // only a scan that finds it brings it back
    expect(canTransition('complete', 'complete')).toBe(false);
    expect(canTransition('waiting', 'complete')).toBe(false); // only a pass finds the end
  });
});

describe('backoff', () => {
  const policy = { initial: 1000, max: 30_000, multiplier: 2, randomization: 0.2 };

  it('doubles from the initial wait up to the ceiling', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(policy, n, mid))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('spreads each wait by the randomization factor', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBeCloseTo(800);
    expect(backoffDelay(policy, 1, () => 0.999_999)).toBeCloseTo(1200, 2);
    expect(backoffDelay({ ...policy, multiplier: 1.5, randomization: 0.5 }, 3, () => 0)).toBeCloseTo(1125);
  });
});

describe('readFilePass', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logpush-pass-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const options: PassOptions = {
    format: 'auto',
    dataset: 'auto',
    fieldNames: [],
    maxLineBytes: 1 << 20,
    batchSize: 2,
    flushTail: false,
  };
  const line = (i: number) =>
    `{"ClientIP":"192.0.2.${i}","ClientRequestHost":"example.com","EdgeStartTimestamp":${1_700_000_000_000_000_000n + BigInt(i)},"RayID":"${i}"}`;

  async function describeFile(path: string): Promise<FileDescription> {
    const st = await stat(path);
    return { path, dev: st.dev, ino: st.ino };
  }

  async function run(
    file: FileDescription,
    start: { offset: number; line: number },
    opts: PassOptions = options,
  ): Promise<{ batches: PassBatch[]; end: PassEnd }> {
    const batches: PassBatch[] = [];
    const pass = readFilePass(file, start, opts);
    for (;;) {
      const step = await pass.next();
      if (step.done === true) return { batches, end: step.value };
      batches.push(step.value);
    }
  }

  it('yields batches with the positions they end at, holds an unterminated tail, and resumes there', async () => {
    const path = join(dir, 'plain.log');
    const text = `${line(1)}\n${line(2)}\nnot json\n${line(4)}\n${line(5)}`;
    await writeFile(path, text);
    const file = await describeFile(path);
    const first = await run(file, { offset: 0, line: 0 });
    expect(first.batches.map((b) => [b.records.length, b.errors.length])).toEqual([
      [2, 0],
      [1, 1],
    ]);
    const held = text.lastIndexOf('\n') + 1;
    expect(first.batches.at(-1)?.end).toEqual({ offset: held, line: 4 });
    expect(first.batches[1]?.errors[0]).toMatchObject({ code: 'invalid-json', line: 3 });
    expect(first.end).toMatchObject({
      kind: 'read',
      size: text.length,
      gzip: false,
      complete: false,
      streamError: undefined,
      summary: { ok: 3, failed: 1, complete: false },
      firstReason: expect.stringMatching(/^expected a JSON object/) as unknown,
    });

    // The next pass starts at the held line (a plain NDJSON file is sought to, not read again) and flushes it.
    const second = await run(file, { offset: held, line: 4 }, { ...options, flushTail: true });
    expect(second.batches).toHaveLength(1);
    const [only] = second.batches;
    expect(only?.base).toEqual({ offset: held, line: 4 });
    expect(only?.records.map((r) => [only.base.line + r.line, only.base.offset + r.offset])).toEqual([
      [5, held],
    ]);
    expect(only?.end).toEqual({ offset: text.length, line: 5 });
    expect(second.end).toMatchObject({ kind: 'read', complete: true });
  });

  it('resumes a gzip file at a decompressed position and reports a truncated stream', async () => {
    const path = join(dir, 'part.log.gz');
    const text = `${[1, 2, 3, 4].map(line).join('\n')}\n`;
    const whole = gzipSync(text);
    await writeFile(path, whole.subarray(0, whole.length - 8)); // no trailer: still being written
    const file = await describeFile(path);
    const after2 = text.indexOf(line(3));
    const { batches, end } = await run(file, { offset: after2, line: 2 });
    expect(batches.flatMap((b) => b.records.map((r) => b.base.line + r.line))).toEqual([3, 4]);
    expect(end).toMatchObject({ kind: 'read', gzip: true, complete: false });
    expect(end.kind === 'read' ? end.streamError?.code : undefined).toBe('truncated-gzip');
  });

  it('says when the file is gone, replaced or empty', async () => {
    const path = join(dir, 'empty.log');
    await writeFile(path, '');
    const file = await describeFile(path);
    expect((await run(file, { offset: 0, line: 0 })).end).toEqual({ kind: 'empty' });
    expect((await run({ ...file, ino: file.ino + 1 }, { offset: 0, line: 0 })).end).toEqual({
      kind: 'replaced',
    });
    expect((await run({ ...file, path: join(dir, 'missing.log') }, { offset: 0, line: 0 })).end).toEqual({
      kind: 'gone',
    });
  });
});
