import { Buffer } from 'node:buffer';
import type { Consumer } from './component.ts';
import { settleAll } from './fan-out.ts';
import type { LogBatch, LogEntry } from './log-entry.ts';

/** Limits of a {@link Batcher}. */
export interface BatcherOptions {
  /** A batch is sent once it holds this many entries (default 8192). */
  readonly maxEntries?: number;
  /** ... or once the raw lines it holds reach this many UTF-8 bytes (default 4 MiB). */
  readonly maxBytes?: number;
  /** ... or this long after its first entry arrived, in milliseconds (default 200). */
  readonly timeoutMs?: number;
  /** At most this many batches are downstream at once; further input waits (default 4). */
  readonly maxInFlight?: number;
  /** Told whenever the number of batches downstream changes (for an in-flight gauge). */
  readonly onInFlight?: (inFlight: number) => void;
}

interface Pending {
  entries: LogEntry[];
  bytes: number;
  readonly done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function newPending(): Pending {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Contributors attach their handlers later (after they finish adding entries); this keeps an early downstream
  // failure from being reported as unhandled in the meantime. The rejection still reaches every contributor.
  done.catch(() => undefined);
  return { entries: [], bytes: 0, done, resolve, reject };
}

/** Thrown by {@link Batcher.consume} after {@link Batcher.shutdown}. */
export class BatcherClosedError extends Error {
  override readonly name = 'BatcherClosedError';
}

/**
 * Regroups incoming batches into batches bounded by count, bytes and time, and keeps at most `maxInFlight`
 * of them downstream.
 *
 * Acknowledgement: `consume(batch)` resolves only once every downstream batch that received some of its entries
 * resolved; if any of them rejects, every contributor to that batch gets the rejection (after all its parts
 * settled). Backpressure: when `maxInFlight` batches are downstream and the open batch is full, `consume`
 * waits before taking more entries, so memory stays bounded by the limits times the number of callers.
 */
export class Batcher implements Consumer {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  private readonly next: Consumer;
  private readonly onInFlight: ((n: number) => void) | undefined;
  private pending: Pending = newPending();
  private timer: NodeJS.Timeout | undefined;
  private timerFired = false;
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private slotWaiters: Array<() => void> = [];
  private closed = false;

  constructor(next: Consumer, options: BatcherOptions = {}) {
    this.next = next;
    this.maxEntries = options.maxEntries ?? 8192;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 200;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.onInFlight = options.onInFlight;
    if (
      !(this.maxEntries >= 1) ||
      !(this.maxBytes >= 1) ||
      !(this.timeoutMs >= 0) ||
      !(this.maxInFlight >= 1)
    )
      throw new RangeError('Batcher: maxEntries, maxBytes and maxInFlight must be >= 1 and timeoutMs >= 0');
  }

  /** Number of batches handed downstream and not yet settled. */
  get batchesInFlight(): number {
    return this.inFlight;
  }

  async consume(batch: LogBatch): Promise<void> {
    if (this.closed)
      throw new BatcherClosedError('the batch processor is shut down; the batch was not accepted');
    const parts = new Set<Promise<void>>();
    for (const entry of batch.entries) {
      const size = Buffer.byteLength(entry.raw, 'utf8');
      while (
        this.pending.entries.length > 0 &&
        (this.pending.entries.length >= this.maxEntries || this.pending.bytes + size > this.maxBytes)
      ) {
        if (this.inFlight < this.maxInFlight) this.send();
        else await this.slotFreed();
      }
      this.pending.entries.push(entry);
      this.pending.bytes += size;
      parts.add(this.pending.done);
    }
    while (this.pending.entries.length >= this.maxEntries || this.pending.bytes >= this.maxBytes) {
      if (this.inFlight < this.maxInFlight) this.send();
      else await this.slotFreed();
    }
    this.armTimer();
    await settleAll([...parts]);
  }

  /** Sends the open batch now (waiting for a free slot), and resolves once every batch downstream settled. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.pending.entries.length > 0) {
        if (this.inFlight < this.maxInFlight) this.send();
        else await this.slotFreed();
      } else if (this.running.size > 0) {
        await Promise.allSettled([...this.running]);
      } else {
        return;
      }
    }
  }

  /**
   * Stops accepting input, sends what is open and waits until every batch downstream settled. The outcome of
   * each batch still reaches its contributors. Safe to call twice.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.clearTimer();
  }

  private armTimer(): void {
    if (this.pending.entries.length === 0 || this.timer !== undefined) return;
    this.timerFired = false;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerFired = true;
      if (this.inFlight < this.maxInFlight) this.send();
    }, this.timeoutMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerFired = false;
  }

  private send(): void {
    const batch = this.pending;
    if (batch.entries.length === 0) return;
    this.pending = newPending();
    this.clearTimer();
    this.inFlight++;
    this.onInFlight?.(this.inFlight);
    let sent: Promise<void>;
    try {
      sent = this.next.consume({ entries: batch.entries });
    } catch (error) {
      sent = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const running = sent.then(
      () => batch.resolve(),
      (error: unknown) => batch.reject(error),
    );
    this.running.add(running);
    void running.finally(() => {
      this.running.delete(running);
      this.inFlight--;
      this.onInFlight?.(this.inFlight);
      const waiters = this.slotWaiters;
      this.slotWaiters = [];
      for (const wake of waiters) wake();
      // a batch whose time ran out while every slot was busy goes as soon as one frees
      if (this.timerFired && this.pending.entries.length > 0 && this.inFlight < this.maxInFlight) this.send();
      else this.armTimer();
    });
  }

  private slotFreed(): Promise<void> {
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }
}
