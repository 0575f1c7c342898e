import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
