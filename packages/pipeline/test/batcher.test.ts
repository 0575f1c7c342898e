import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/index.ts';
import { BatcherClosedError } from '../src/batcher.ts';
import { CollectingConsumer, makeBatch } from '../src/testing.ts';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('sends a batch as soon as it holds maxEntries entries', async () => {
    const next = new CollectingConsumer();
    const batcher = new Batcher(next, { maxEntries: 3, timeoutMs: 60_000 });
    const consumed = batcher.consume(makeBatch(7));
    await tick();
    // 3 + 3 sent by count; the last one waits for the timer or shutdown, and so does consume
    expect(next.batches.map((b) => b.entries.length)).toEqual([3, 3]);
    await batcher.shutdown();
    await consumed;
    expect(next.batches.map((b) => b.entries.length)).toEqual([3, 3, 1]);
  });

  it('merges small upstream batches into one downstream batch', async () => {
    const next = new CollectingConsumer();
    const batcher = new Batcher(next, { maxEntries: 10, timeoutMs: 20 });
    await Promise.all([batcher.consume(makeBatch(2, 1)), batcher.consume(makeBatch(3, 3))]);
    expect(next.batches.map((b) => b.entries.map((e) => e.position.line))).toEqual([[1, 2, 3, 4, 5]]);
    await batcher.shutdown();
  });

  it('splits by bytes of the raw lines', async () => {
    const next = new CollectingConsumer();
    const one = Buffer.byteLength(makeBatch(1).entries[0]?.raw ?? '');
    const batcher = new Batcher(next, { maxBytes: one * 2, timeoutMs: 10 });
    await batcher.consume(makeBatch(5));
    expect(next.batches.map((b) => b.entries.length)).toEqual([2, 2, 1]);
    await batcher.shutdown();
  });

  it('resolves an upstream consume only once the downstream batch holding its entries resolved', async () => {
    const next = new CollectingConsumer();
    const gate = deferred();
    next.respond = () => gate.promise;
    const batcher = new Batcher(next, { maxEntries: 2, timeoutMs: 60_000 });
    let done = false;
    const consumed = batcher.consume(makeBatch(2)).then(() => {
      done = true;
    });
    await tick();
    expect(next.batches).toHaveLength(1);
    expect(done).toBe(false);
    gate.resolve();
    await consumed;
    expect(done).toBe(true);
    await batcher.shutdown();
  });

  it('rejects every contributor of a downstream batch that was rejected', async () => {
    const next = new CollectingConsumer();
    next.respond = () => Promise.reject(new Error('backend said 400'));
    const batcher = new Batcher(next, { maxEntries: 4, timeoutMs: 60_000 });
    const a = batcher.consume(makeBatch(2, 1));
    const b = batcher.consume(makeBatch(2, 3));
    await expect(a).rejects.toThrow('backend said 400');
    await expect(b).rejects.toThrow('backend said 400');
    expect(next.batches).toHaveLength(1);
    await batcher.shutdown();
  });

  it('rejects a contributor whose entries span a resolved and a rejected batch, after both settled', async () => {
    const next = new CollectingConsumer();
    const first = deferred();
    next.respond = (_b, i) => (i === 0 ? first.promise : Promise.reject(new Error('second failed')));
    const batcher = new Batcher(next, { maxEntries: 2, timeoutMs: 10 });
    let settled = false;
    const consumed = batcher.consume(makeBatch(3)).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(next.batches).toHaveLength(2);
    expect(settled).toBe(false); // the first batch is still in flight
    first.resolve();
    await expect(consumed).rejects.toThrow('second failed');
    await batcher.shutdown();
  });

  it('keeps at most maxInFlight batches downstream and makes further input wait', async () => {
    const next = new CollectingConsumer();
    const gates: Array<ReturnType<typeof deferred>> = [];
    next.respond = () => {
      const g = deferred();
      gates.push(g);
      return g.promise;
    };
    const inFlight: number[] = [];
    const batcher = new Batcher(next, {
      maxEntries: 1,
      maxInFlight: 2,
      timeoutMs: 60_000,
      onInFlight: (n) => inFlight.push(n),
    });
    const consumed = batcher.consume(makeBatch(5));
    await tick();
    expect(next.batches).toHaveLength(2);
    expect(batcher.batchesInFlight).toBe(2);
    gates[0]?.resolve();
    await tick();
    await tick();
    expect(next.batches).toHaveLength(3);
    for (let i = 1; i < 5; i++) {
      gates[i]?.resolve();
      await tick();
      await tick();
    }
    await consumed;
    expect(next.batches.map((b) => b.entries[0]?.position.line)).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...inFlight)).toBe(2);
    await batcher.shutdown();
  });

  it('sends what it holds on shutdown and refuses batches afterwards', async () => {
    const next = new CollectingConsumer();
    const batcher = new Batcher(next, { maxEntries: 100, timeoutMs: 60_000 });
    const consumed = batcher.consume(makeBatch(3));
    await tick();
    expect(next.batches).toHaveLength(0);
    await batcher.shutdown();
    await consumed;
    expect(next.entries).toHaveLength(3);
    await expect(batcher.consume(makeBatch(1))).rejects.toThrow(BatcherClosedError);
  });
});
