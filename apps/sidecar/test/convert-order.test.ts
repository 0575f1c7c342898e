import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ConvertChunk } from '../src/commands/convert-input.ts';
import { OrderedLane } from '../src/commands/convert-order.ts';

function output(i: number, size: number): ConvertChunk {
  return { kind: 'output', bytes: new Uint8Array(size).fill(i % 256), read: i, records: 1 };
}

function rejected(text: string): ConvertChunk {
  return { kind: 'rejected', text, read: 0, records: 0 };
}

/** A comparable description of what was written. */
function describeChunk(c: ConvertChunk): string {
  if (c.kind === 'output')
    return `output:${c.read}:${c.bytes.length}:${Buffer.from(c.bytes).toString('hex')}`;
  return `${c.kind}:${c.text}`;
}

describe('the ordered output of convert', () => {
  it('acknowledges chunks of a file waiting for earlier files beyond its memory budget, then writes them in order', async () => {
    const written: string[] = [];
    const lane = new OrderedLane(async (c) => {
      written.push(describeChunk(c));
      await Promise.resolve();
    }, 1000);
    const chunks: ConvertChunk[] = [
      output(1, 400),
      rejected('a rejected line ☃\n'),
      output(2, 400),
      output(3, 700), // past the budget: spilled, and so is everything after it
      output(4, 10),
      rejected('another\n'),
      output(5, 300),
    ];
    // Every chunk is taken (the worker would be acknowledged) although nothing may be written yet.
    for (const c of chunks) await lane.handle(c);
    expect(written).toEqual([]);
    expect(lane.spilled).toBe(700 + 10 + Buffer.byteLength('another\n') + 300);
    await lane.release();
    const later = output(6, 50);
    await lane.handle(later);
    expect(written).toEqual([...chunks, later].map(describeChunk));
    await lane.close();
  });

  it('writes the chunks of the file at the head at once, without keeping them', async () => {
    const written: string[] = [];
    const lane = new OrderedLane(async (c) => {
      written.push(describeChunk(c));
      await Promise.resolve();
    }, 10);
    await lane.release();
    await lane.handle(output(1, 100));
    expect(written).toEqual([describeChunk(output(1, 100))]);
    expect(lane.spilled).toBe(0);
    await lane.close();
  });

  it('writes nothing of a file that is never released (an earlier file failed)', async () => {
    const written: string[] = [];
    const lane = new OrderedLane(async (c) => {
      written.push(describeChunk(c));
      await Promise.resolve();
    }, 10);
    await lane.handle(output(1, 100));
    await lane.handle(output(2, 100));
    expect(lane.spilled).toBe(200);
    await lane.close();
    expect(written).toEqual([]);
    expect(lane.spilled).toBe(0);
  });

  it('keeps chunks arriving while the kept ones are written behind them', async () => {
    const written: string[] = [];
    let slow: () => void = () => undefined;
    const lane = new OrderedLane(async (c) => {
      written.push(describeChunk(c));
      if (written.length === 1) await new Promise<void>((resolve) => (slow = resolve));
    }, 100);
    await lane.handle(output(1, 80));
    await lane.handle(output(2, 80));
    const release = lane.release();
    const third = lane.handle(output(3, 80));
    await expect.poll(() => written.length, { timeout: 20_000 }).toBe(1);
    slow();
    await Promise.all([release, third]);
    expect(written).toEqual([output(1, 80), output(2, 80), output(3, 80)].map(describeChunk));
    await lane.close();
  });

  it('fails with a clear reason when the spill file cannot be written', async () => {
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = join(tmpdir(), 'logpush-otel-no-such-dir', 'deeper');
    try {
      const lane = new OrderedLane(() => Promise.resolve(), 10);
      await expect(lane.handle(output(1, 100))).rejects.toThrow(/temporary file .*no such file/i);
      await lane.close();
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
  });
});
