// Handing batches on and what follows: dispatch (with backpressure), acknowledgement tracking, checkpoint saves,
// dead letters for what cannot be delivered, and the actions once a file is done (mark it, delete or move it).
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ParseError } from '@logpush-otel/parser';
import { isPermanentError } from '@logpush-otel/pipeline';
import type { Consumer, DeadLetter, LogEntry, PermanentError } from '@logpush-otel/pipeline';
import type { StreamPosition } from '../../checkpoint/ack-tracker.ts';
import { refusedLetters } from '../../log-entry.ts';
import { countsInFlight } from '../../workers/encoded.ts';
import type { EncodedBatch } from '../../workers/encoded.ts';
import { insideOf } from './config.ts';
import { retryDelay } from './context.ts';
import type { ReceiverContext } from './context.ts';
import { isFailed, isReading, transition } from './file-state.ts';
import type { TrackedFile } from './file-state.ts';
import type { Slots } from './slots.ts';

/** Entries to hand on and lines to dead-letter, as one batch. */
export interface Unit {
  entries: LogEntry[];
  letters: DeadLetter[];
  /** Records handed on (when they come encoded rather than as `entries`). */
  count?: number;
  /** The records as a request body a worker encoded, and who delivers it (instead of `entries` and `next`). */
  encoded?: { readonly batch: EncodedBatch; readonly deliver: (batch: EncodedBatch) => Promise<void> };
  /** Called once the unit settled (after it was dispatched). */
  onSettled?: () => void;
}

/** What delivery calls back into the receiver. */
export interface DeliveryHooks {
  /** A batch of `f` settled (acknowledged, dead-lettered or rejected). */
  settled(f: TrackedFile): void;
  /** `f` was deleted or moved after it was done: forget it. */
  removed(f: TrackedFile): void;
  /** The checkpoints were saved. */
  flushed(): void;
}

/** Dispatches batches of the receiver's files and keeps their checkpoints. */
export class Delivery {
  readonly #ctx: ReceiverContext;
  readonly #next: Consumer;
  readonly #slots: Slots;
  readonly #hooks: DeliveryHooks;
  /** Batches handed on and not settled, and after-read actions running. */
  readonly #settling = new Set<Promise<void>>();
  /** Files being deleted or moved after they were done. */
  readonly #removing = new Set<TrackedFile>();
  #flushing: Promise<void> | undefined;
  #flushAgain = false;

  constructor(ctx: ReceiverContext, next: Consumer, slots: Slots, hooks: DeliveryHooks) {
    this.#ctx = ctx;
    this.#next = next;
    this.#slots = slots;
    this.#hooks = hooks;
  }

  /**
   * Hands a unit on with the slot the caller acquired (backpressure; the slot is released once the unit settled,
   * or at once when false is returned): consumes the entries and writes the dead letters.
   * Returns false when reading of this file must stop (shutdown, failure, file restarted).
   */
  // Async (with no await inside) so that callers yield as they did when it acquired the slot itself: a rejection
  // arriving meanwhile stops the next unit.
  // eslint-disable-next-line @typescript-eslint/require-await
  async dispatch(f: TrackedFile, generation: number, unit: Unit, end: StreamPosition): Promise<boolean> {
    const { metrics, labels } = this.#ctx;
    if (this.#ctx.stopping || isFailed(f) || generation !== f.generation) {
      this.#slots.release();
      return false;
    }
    const ticket = f.tracker.open(end);
    f.read = end;
    f.inFlight++;
    metrics.records.inc(unit.count ?? unit.entries.length, labels);
    if (unit.letters.length > 0) metrics.rejected.inc(unit.letters.length, labels);
    const settled: Promise<void> = this.#deliver(unit)
      .then(
        () => this.#onAck(f, generation, ticket),
        (error: unknown) => this.#onReject(f, generation, ticket, error),
      )
      .finally(() => {
        this.#settling.delete(settled);
        this.#slots.release();
        unit.onSettled?.();
        f.inFlight--;
        this.#hooks.settled(f);
      })
      .catch((error: unknown) => {
        // Bookkeeping bugs must be loud, never an unhandled rejection that kills the process.
        this.#ctx.settings.logger.error('internal error after a batch settled', {
          component: this.#ctx.component,
          file: f.path,
          error: error instanceof Error ? error.message : String(error),
        });
      });
    this.#settling.add(settled);
    return true;
  }

  /** Resolves once every batch in flight settled, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    const settle = Promise.allSettled([...this.#settling]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settle, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  async #deliver(unit: Unit): Promise<void> {
    const letters = unit.letters.length > 0 ? this.#ctx.settings.deadLetters.write(unit.letters) : undefined;
    const consumed =
      unit.encoded !== undefined
        ? this.#consumeEncoded(unit.encoded)
        : unit.entries.length > 0
          ? this.#consume(unit)
          : undefined;
    const [a, b] = await Promise.allSettled([letters, consumed]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
  }

  /** `next.consume`, with a PermanentError turned into dead letters (then the batch counts as handled). */
  async #consume(unit: Unit): Promise<void> {
    try {
      await this.#next.consume({ entries: unit.entries });
    } catch (error) {
      if (!isPermanentError(error)) throw error;
      await this.#deadLetterRefused(error, unit.entries);
    }
  }

  /** An encoded batch to its exporters, with a PermanentError handled as by `#consume`. */
  async #consumeEncoded(encoded: NonNullable<Unit['encoded']>): Promise<void> {
    const next = this.#next;
    const send = (): Promise<void> => encoded.deliver(encoded.batch);
    try {
      await (countsInFlight(next) ? next.counted(send) : send());
    } catch (error) {
      if (!isPermanentError(error)) throw error;
      await this.#deadLetterRefused(error, await encoded.batch.entries());
    }
  }

  async #deadLetterRefused(error: PermanentError, entries: readonly LogEntry[]): Promise<void> {
    await this.#ctx.settings.deadLetters.write(refusedLetters(error, entries, this.#ctx.component));
  }

  #onAck(f: TrackedFile, generation: number, ticket: number): void {
    if (generation !== f.generation) return;
    if (f.tracker.ack(ticket)) {
      const c = f.tracker.committed;
      f.cp.offset = c.offset;
      f.cp.line = c.line;
      this.#ctx.store?.set(f.cp);
      this.requestFlush();
    }
  }

  #onReject(f: TrackedFile, generation: number, ticket: number, error: unknown): void {
    if (generation !== f.generation) return;
    f.tracker.fail(ticket);
    if (isFailed(f)) return;
    const message = error instanceof Error ? error.message : String(error);
    if (f.state === 'gone') {
      this.#ctx.settings.logger.warn('batch not delivered; the file is gone, it will not be re-read', {
        component: this.#ctx.component,
        file: f.path,
        offset: f.tracker.committed.offset,
        error: message,
      });
      return;
    }
    transition(f, isReading(f) ? 'failing' : 'failed');
    f.failures++;
    f.retryAt = Date.now() + retryDelay(this.#ctx.config, f.failures);
    this.#ctx.settings.logger.warn('batch not delivered; will re-read from the checkpoint', {
      component: this.#ctx.component,
      file: f.path,
      offset: f.tracker.committed.offset,
      retryInMs: Math.round(f.retryAt - Date.now()),
      error: message,
    });
  }

  /**
   * A `complete` file whose batches are all acknowledged and that did not grow: marks it done in its checkpoint
   * and starts delete_after_read / move_after_read. Returns whether it did.
   */
  finishIfDone(f: TrackedFile): boolean {
    if (
      f.state !== 'complete' ||
      f.passSize !== f.size ||
      (f.cp.done && f.cp.size === f.size) ||
      f.tracker.pending !== 0
    ) {
      return false;
    }
    const { metrics, labels } = this.#ctx;
    f.cp.done = true;
    delete f.cp.deadLettered;
    f.cp.size = f.size;
    this.#ctx.store?.set(f.cp);
    metrics.filesDone.inc(1, labels);
    this.requestFlush();
    this.removeIfDone(f);
    return true;
  }

  /**
   * Starts delete_after_read / move_after_read for a file whose checkpoint says done and that did not grow: at
   * once when it was just finished, or at a later scan when an earlier run stopped between saving "done" and
   * removing the file (otherwise it would stay in the watched directory for ever).
   */
  removeIfDone(f: TrackedFile): void {
    const { config, paths } = this.#ctx;
    if (!config.delete_after_read && paths.moveDir === undefined) return;
    if (!f.cp.done || f.cp.size !== f.size || f.state === 'gone' || this.#removing.has(f)) return;
    this.#removing.add(f);
    const p = this.#afterRead(f)
      .catch((error: unknown) => {
        this.#ctx.settings.logger.error('could not delete or move a finished file', {
          component: this.#ctx.component,
          file: f.path,
          error: (error as Error).message,
        });
      })
      .finally(() => this.#removing.delete(f));
    this.#settling.add(p);
    void p.finally(() => this.#settling.delete(p));
  }

  /** delete_after_read / move_after_read, once the checkpoint saying "done" is on disk. */
  async #afterRead(f: TrackedFile): Promise<void> {
    const { config, paths } = this.#ctx;
    await this.flush();
    if (config.delete_after_read) {
      await rm(f.path, { force: true });
    } else if (paths.moveDir !== undefined) {
      const rel = insideOf(paths.directory, f.path) ?? basename(f.path);
      const target = join(paths.moveDir, rel);
      await mkdir(dirname(target), { recursive: true });
      await rename(f.path, target);
    }
    if (f.state !== 'gone') transition(f, 'gone');
    this.#hooks.removed(f);
    this.#ctx.settings.logger.debug('finished file removed from the watched directory', {
      component: this.#ctx.component,
      file: f.path,
    });
  }

  /**
   * A corrupt gzip stream: records it in the dead-letter store (the file then counts as complete). A read error
   * is thrown instead, so that the pass is retried.
   */
  async deadLetterStreamError(f: TrackedFile, error: ParseError): Promise<void> {
    if (error.code === 'read-error') throw new Error(error.message);
    await this.#ctx.settings.deadLetters.write([
      {
        reason: `${error.code}: ${error.reason}; records before decompressed byte ${f.read.offset} were delivered`,
        component: this.#ctx.component,
        source: f.path,
        line: f.read.line,
        offset: f.read.offset,
        raw: '',
      },
    ]);
  }

  /** An incomplete gzip stream that stopped growing: records what is missing, and counts the file as done. */
  async deadLetterIncomplete(f: TrackedFile): Promise<void> {
    f.cp.deadLettered = true; // set first so the check does not fire twice
    const waitedS = Math.round((Date.now() - (f.stalledSince ?? Date.now())) / 1000);
    const letter: DeadLetter = {
      reason:
        `incomplete gzip stream: the file stayed truncated for ${waitedS} s ` +
        `(${f.size} bytes); records up to decompressed byte ${f.cp.offset} (line ${f.cp.line}) were delivered, the rest is missing`,
      component: this.#ctx.component,
      source: f.path,
      line: f.cp.line,
      offset: f.cp.offset,
      raw: '',
    };
    try {
      await this.#ctx.settings.deadLetters.write([letter]);
      this.#ctx.settings.logger.warn('incomplete gzip file sent to the dead-letter store', {
        component: this.#ctx.component,
        file: f.path,
        offset: f.cp.offset,
      });
      f.cp.done = true;
      f.cp.size = f.size;
      this.#ctx.store?.set(f.cp);
      await this.flush();
    } catch (error) {
      delete f.cp.deadLettered;
      this.#ctx.settings.logger.error('could not write to the dead-letter store', {
        component: this.#ctx.component,
        file: f.path,
        error: (error as Error).message,
      });
    }
  }

  /** Saves the checkpoints soon (acknowledgements arriving together land in one write). */
  requestFlush(): void {
    if (this.#flushing !== undefined) {
      // The running save may have taken its changes already: save once more after it.
      this.#flushAgain = true;
      return;
    }
    const run = (async () => {
      await new Promise<void>((r) => setImmediate(r));
      await this.flush();
    })().catch((error: unknown) => {
      this.#ctx.settings.logger.error('could not save checkpoints', {
        component: this.#ctx.component,
        error: (error as Error).message,
      });
    });
    this.#flushing = run.finally(() => {
      this.#flushing = undefined;
      if (this.#flushAgain) {
        this.#flushAgain = false;
        if (!this.#ctx.stopping) this.requestFlush();
      }
    });
  }

  /** Saves the checkpoints now. */
  async flush(): Promise<void> {
    const store = this.#ctx.store;
    if (store === undefined) return;
    await store.flush();
    this.#hooks.flushed();
  }

  /** Waits for a requested save, then saves once more (at shutdown). */
  async finalFlush(): Promise<void> {
    await this.#flushing;
    await this.flush();
  }
}
