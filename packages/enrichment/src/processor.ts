import type {
  Consumer,
  Counter,
  CreateSettings,
  Host,
  LogBatch,
  LogEntry,
  Processor,
} from '@logpush-otel/pipeline';
import { PermanentError, deadLetterRaw, isPermanentError } from '@logpush-otel/pipeline';

/** Hooks for a processor that needs to start or stop something (a file watcher). */
export interface ProcessorHooks {
  start?(host: Host): Promise<void>;
  shutdown?(): Promise<void>;
}

function shutDownError(settings: CreateSettings): Error {
  return new Error(
    `processors/${settings.id}: expected a running processor, but it was shut down; batch not taken`,
  );
}

function requireNext(settings: CreateSettings, next: Consumer | undefined): Consumer {
  if (next === undefined) {
    throw new Error(`processors/${settings.id}: expected a next consumer to hand batches to, got none`);
  }
  return next;
}

/**
 * A processor that changes every entry in place with `apply`, then hands the batch to `next`.
 * When `apply` throws, the error is counted in `logpush_otel_enrichment_errors_total` and logged (once per distinct
 * message); with `onError: 'pass'` (enrichers) the entry goes on unchanged, so enrichment never loses a record;
 * with `'dead-letter'` (privacy: fail closed) it is written to the dead-letter store and not passed on.
 */
export function entryProcessor(
  settings: CreateSettings,
  next: Consumer | undefined,
  apply: (entry: LogEntry) => void,
  hooks: ProcessorHooks = {},
  onError: 'pass' | 'dead-letter' = 'pass',
): Processor {
  const target = requireNext(settings, next);
  const errors = settings.metrics.counter(
    'logpush_otel_enrichment_errors_total',
    'Records a processor could not enrich or scrub',
    ['processor'],
  );
  const labels = { processor: settings.id };
  const reported = new Set<string>();
  const report = (entry: LogEntry, message: string): void => {
    errors.inc(1, labels);
    if (reported.size < 100 && !reported.has(message)) {
      reported.add(message);
      settings.logger.warn(
        onError === 'pass'
          ? 'enrichment failed; record passed on unchanged'
          : 'record could not be processed; dead-lettered',
        {
          processor: settings.id,
          dataset: entry.dataset,
          source: entry.position.source,
          line: entry.position.line,
          error: message,
        },
      );
    }
  };
  let closed = false;
  return {
    async start(host: Host): Promise<void> {
      await hooks.start?.(host);
    },
    async shutdown(): Promise<void> {
      if (closed) return;
      closed = true;
      await hooks.shutdown?.();
    },
    async consume(batch: LogBatch): Promise<void> {
      if (closed) throw shutDownError(settings);
      let failed: { index: number; reason: string }[] | undefined;
      batch.entries.forEach((entry, i) => {
        try {
          apply(entry);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          report(entry, message);
          if (onError === 'dead-letter') (failed ??= []).push({ index: i, reason: message });
        }
      });
      if (failed === undefined) return target.consume(batch);
      await settings.deadLetters.write(
        failed.map(({ index, reason }) => {
          const e = batch.entries[index] as LogEntry;
          return {
            reason: `processors/${settings.id}: ${reason}`,
            component: `processors/${settings.id}`,
            source: e.position.source,
            line: e.position.line,
            offset: e.position.offset,
            raw: deadLetterRaw(e),
          };
        }),
      );
      const bad = new Set(failed.map((f) => f.index));
      const keep: number[] = [];
      batch.entries.forEach((_, i) => {
        if (!bad.has(i)) keep.push(i);
      });
      return forwardSubset(target, batch, keep);
    },
  };
}

/**
 * Hands the entries at `keep` (indices into `batch`) to `target`. A PermanentError naming entry indices is
 * re-thrown with the indices translated back to `batch`.
 */
export async function forwardSubset(
  target: Consumer,
  batch: LogBatch,
  keep: readonly number[],
): Promise<void> {
  if (keep.length === 0) return;
  if (keep.length === batch.entries.length) return target.consume(batch);
  try {
    await target.consume({ entries: keep.map((i) => batch.entries[i] as LogEntry) });
  } catch (error) {
    if (isPermanentError(error) && error.entries !== undefined) {
      const mapped = error.entries.map((i) => keep[i] ?? i);
      throw new PermanentError(error.message, { cause: error, entries: mapped });
    }
    throw error;
  }
}

/**
 * A processor that keeps the entries `keep` approves and drops the rest. Dropped entries are acknowledged: the
 * promise resolves once `next` has taken the kept ones. A PermanentError from `next` naming entry indices is
 * re-thrown with the indices translated back to the incoming batch.
 */
export function dropProcessor(
  settings: CreateSettings,
  next: Consumer | undefined,
  keepEntry: (entry: LogEntry) => boolean,
): Processor {
  const target = requireNext(settings, next);
  const dropped = settings.metrics.counter(
    'logpush_otel_processor_dropped_records_total',
    'Records deliberately dropped by a filter or sample processor (acknowledged, not exported)',
    ['processor'],
  );
  const labels = { processor: settings.id };
  let closed = false;
  return {
    start(): Promise<void> {
      return Promise.resolve();
    },
    shutdown(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
    consume(batch: LogBatch): Promise<void> {
      if (closed) return Promise.reject(shutDownError(settings));
      const keep: number[] = [];
      batch.entries.forEach((entry, i) => {
        if (keepEntry(entry)) keep.push(i);
      });
      const count = batch.entries.length - keep.length;
      if (count > 0) dropped.inc(count, labels);
      return forwardSubset(target, batch, keep);
    },
  };
}

/** A counter labelled with the processor id. */
export function processorCounter(
  settings: CreateSettings,
  name: string,
  help: string,
): { inc(n?: number): void } {
  const counter: Counter = settings.metrics.counter(name, help, ['processor']);
  const labels = { processor: settings.id };
  return { inc: (n = 1) => counter.inc(n, labels) };
}
