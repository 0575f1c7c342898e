import type { Consumer } from './component.ts';
import type { LogBatch, LogEntry } from './log-entry.ts';

/**
 * Waits for every promise to settle, then rejects with the first rejection (or resolves when all resolved).
 * Unlike `Promise.all`, nothing is still running when the caller learns about a failure.
 */
export async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** A copy of `entry` that a pipeline may change without affecting other pipelines (record and attributes copied). */
export function cloneEntry(entry: LogEntry): LogEntry {
  const copy: LogEntry = {
    dataset: entry.dataset,
    record: structuredClone(entry.record),
    timeUnixNano: entry.timeUnixNano,
    observedUnixNano: entry.observedUnixNano,
    raw: entry.raw,
    position: entry.position,
    attributes: { ...entry.attributes },
  };
  if (entry.originalRaw !== undefined) copy.originalRaw = entry.originalRaw;
  if (entry.log !== undefined) copy.log = { ...entry.log, attributes: { ...entry.log.attributes } };
  if (entry.resource !== undefined) copy.resource = entry.resource;
  return copy;
}

/**
 * A consumer that hands every batch to all of `consumers` at once and resolves only when every one of them
 * resolved; if any rejects, it rejects (with the first rejection) after all have settled. With `clone`, each
 * consumer but the first gets its own copy of the entries (for pipelines whose processors change entries);
 * without it they share the batch and must not change it (exporters).
 */
export class FanOutConsumer implements Consumer {
  readonly consumers: readonly Consumer[];
  private readonly clone: boolean;

  constructor(consumers: readonly Consumer[], options?: { clone?: boolean }) {
    if (consumers.length === 0) throw new Error('a fan-out needs at least one consumer');
    this.consumers = consumers;
    this.clone = options?.clone ?? false;
  }

  consume(batch: LogBatch): Promise<void> {
    const [first, ...rest] = this.consumers;
    if (rest.length === 0 && first !== undefined) return first.consume(batch);
    // copies are made before any consumer runs: a processor may change entries as soon as it is called
    const batches = this.consumers.map((_, i) =>
      this.clone && i > 0 ? { entries: batch.entries.map(cloneEntry) } : batch,
    );
    return settleAll(
      this.consumers.map((c, i) => {
        try {
          return c.consume(batches[i] ?? batch);
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  }
}

/** A consumer feeding all of `consumers` (see {@link FanOutConsumer}); the single consumer itself when only one. */
export function fanOut(consumers: readonly Consumer[], options?: { clone?: boolean }): Consumer {
  if (consumers.length === 1 && consumers[0] !== undefined) return consumers[0];
  return new FanOutConsumer(consumers, options);
}
