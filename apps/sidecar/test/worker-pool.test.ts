import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConvertChunk, ConvertCounts, ConvertFileTask } from '../src/commands/convert-input.ts';
import { parseWorkersSetting, workerCount } from '../src/workers/count.ts';
import { WorkerPool, WorkerTaskError } from '../src/workers/pool.ts';

const dir = mkdtempSync(join(tmpdir(), 'logpush-otel-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINE =
  '{"ClientIP":"203.0.113.7","EdgeStartTimestamp":1700000000123456789,"RayID":"8f1c2d3e4a5b6c7d"}\n';

function task(path: string): ConvertFileTask {
  return {
    path,
    options: {
      dataset: 'http_requests',
      format: 'otlp-json',
      batchSize: 2,
      mapping: { body: 'summary', profile: 'default' },
      observedUnixNano: 1_700_000_000_000_000_000n,
    },
  };
}

describe('WorkerPool', { timeout: 60_000 }, () => {
  it('streams a task’s chunks in order, as transferred bytes, and resolves to its result', async () => {
    const file = join(dir, 'five.log');
    writeFileSync(file, LINE.repeat(5));
    const pool = new WorkerPool(2);
    try {
      const chunks: ConvertChunk[] = [];
      const counts = await pool.run<ConvertChunk, ConvertCounts>('convert-file', task(file), (c) => {
        chunks.push(c);
      });
      expect(counts).toEqual({ lines: 5, converted: 5, rejected: 0, requests: 3, invalidUtf8: 0 });
      expect(chunks.map((c) => c.kind)).toEqual(['output', 'output', 'output']);
      const text = chunks
        .map((c) => (c.kind === 'output' ? Buffer.from(c.bytes).toString('utf8') : ''))
        .join('');
      expect(text.split('\n').filter((l) => l !== '')).toHaveLength(3);
      expect(text).toContain('"timeUnixNano":"1700000000123456789"');
    } finally {
      await pool.close();
    }
  });

  it('rejects with the worker’s error, and with a failing chunk handler’s error, and keeps working', async () => {
    const file = join(dir, 'two.log');
    writeFileSync(file, LINE.repeat(2));
    const pool = new WorkerPool(1);
    try {
      await expect(pool.run('no-such-task', {}, () => undefined)).rejects.toThrow(WorkerTaskError);
      await expect(
        pool.run('convert-file', task(file), () => {
          throw new Error('the output is gone');
        }),
      ).rejects.toThrow('the output is gone');
      const counts = await pool.run<ConvertChunk, ConvertCounts>('convert-file', task(file), () => undefined);
      expect(counts.converted).toBe(2);
    } finally {
      await pool.close();
    }
    await expect(pool.run('convert-file', task(file), () => undefined)).rejects.toThrow('closed');
  });

  it('replaces a worker that dies mid-task: the task rejects, the chunks before the death stand, the pool works on', async () => {
    const lines = 3000;
    const file = join(dir, 'many.log');
    writeFileSync(
      file,
      Array.from({ length: lines }, (_, i) => LINE.replace('8f1c2d3e4a5b6c7d', `ray-${i}`)).join(''),
    );
    const spawned: Worker[] = [];
    const pool = new WorkerPool(1, { onSpawn: (w) => spawned.push(w) });
    try {
      expect(spawned).toHaveLength(1);
      const handled: ConvertChunk[] = [];
      let started: () => void = () => undefined;
      const first = new Promise<void>((resolve) => (started = resolve));
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const running = pool.run<ConvertChunk, ConvertCounts>('convert-file', task(file), async (c) => {
        handled.push(c);
        started();
        await gate; // the worker stops producing once its credit is used up, mid-file
      });
      const outcome = running.then(
        () => 'resolved',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      await first;
      // A crash of the thread, as the operating system or an abort would end it.
      await spawned[0]?.terminate();
      open();
      expect(await outcome).toMatch(/worker thread exited/);
      // What was handed over before the death is a prefix of the file, in order, each batch whole.
      // (each record names its RayID in an attribute and in its summary body: count each once)
      const rays = [
        ...new Set(
          handled.flatMap((c) =>
            c.kind === 'output'
              ? [
                  ...Buffer.from(c.bytes)
                    .toString('utf8')
                    .matchAll(/ray-(\d+)/g),
                ]
              : [],
          ),
        ),
      ];
      const ids = [...new Set(rays.map((m) => Number(m[1])))];
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.length).toBeLessThan(lines);
      expect(ids).toEqual(ids.map((_, i) => i));
      // A replacement was started, and the same file converts in full on it.
      expect(spawned).toHaveLength(2);
      const counts = await pool.run<ConvertChunk, ConvertCounts>('convert-file', task(file), () => undefined);
      expect(counts.converted).toBe(lines);
      // A worker that dies while idle is replaced as well.
      await spawned[1]?.terminate();
      await expect(pool.run('convert-file', task(file), () => undefined)).resolves.toMatchObject({
        converted: lines,
      });
      expect(spawned).toHaveLength(3);
    } finally {
      await pool.close();
    }
  });

  it('stops replacing workers that keep dying, and rejects tasks with the reason instead of hanging', async () => {
    const spawned: Worker[] = [];
    const pool = new WorkerPool(1, { onSpawn: (w) => spawned.push(w) });
    try {
      expect(pool.broken).toBeUndefined();
      // Each death without a task ending in between counts; past twice the pool size the pool gives up.
      for (let i = 0; i < 3; i++) {
        const w = spawned[i];
        if (w === undefined) throw new Error(`worker ${i} was not replaced`);
        const exited = new Promise((resolve) => w.once('exit', resolve));
        await w.terminate();
        await exited;
      }
      await expect(pool.run('convert-file', task(join(dir, 'none.log')), () => undefined)).rejects.toThrow(
        /keep failing/,
      );
      expect(pool.broken?.message).toMatch(/keep failing/);
    } finally {
      await pool.close();
    }
  });

  it('reads the workers setting', () => {
    expect(parseWorkersSetting('auto')).toBe('auto');
    expect(parseWorkersSetting(3)).toBe(3);
    expect(parseWorkersSetting('2')).toBe(2);
    expect(parseWorkersSetting(0)).toBeUndefined();
    expect(parseWorkersSetting('two')).toBeUndefined();
    expect(workerCount('auto')).toBeGreaterThanOrEqual(1);
    expect(workerCount(1)).toBe(1);
  });
});
