// The `logpush_file` receiver: finds Logpush files under a directory, reads them oldest first (plain or gzip,
// growing or complete), hands records on in batches, and moves each file's checkpoint only past records whose
// batches were acknowledged (or dead-lettered). This file wires the parts and schedules the work: discovery.ts
// finds files, file-pass.ts reads one, delivery.ts hands batches on and keeps checkpoints, file-state.ts holds
// the state of each file.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Consumer, CreateSettings, Host, LogEntry, Receiver } from '@logpush-otel/pipeline';
import { CheckpointStore } from '../../checkpoint/store.ts';
import { deadLetterOf, logEntryOf } from '../../log-entry.ts';
import { resolvePaths } from './config.ts';
import type { LogpushFileReceiverConfig } from './config.ts';
import { receiverMetrics, retryDelay } from './context.ts';
import type { ReceiverContext } from './context.ts';
import { Delivery } from './delivery.ts';
import type { Unit } from './delivery.ts';
import { Discovery, isOwnChange } from './discovery.ts';
import { DrainWaiters } from './drain.ts';
import { reportInput } from './input-report.ts';
import { readFilePass } from './file-pass.ts';
import type { PassBatch, PassEnd, PassOptions } from './file-pass.ts';
import { dropInflateState, isReading, transition } from './file-state.ts';
import type { FileState, TrackedFile } from './file-state.ts';
import { ByteBudget, Slots } from './slots.ts';
import { fileAttributes, passTask, unitOfChunk } from './worker-pass.ts';
import type { WorkerPlan } from './worker-pass.ts';
import type { FilePassChunk } from '../../workers/file-pass-task.ts';
import type { StreamPosition } from '../../checkpoint/ack-tracker.ts';

/** Oldest-first order: time window (or mtime), then path. */
function olderThan(a: TrackedFile, b: TrackedFile): boolean {
  return a.sortKey < b.sortKey || (a.sortKey === b.sortKey && a.path < b.path);
}

/**
 * The receiver. Created by `logpushFileReceiverFactory.create`. `start` loads the checkpoints and begins
 * scanning; `shutdown` stops reading, waits (bounded) for batches in flight, and saves the checkpoints.
 * `drained()` resolves once every file present is read to its end and acknowledged (for `--once`).
 */
export class LogpushFileReceiver implements Receiver {
  readonly #ctx: ReceiverContext;
  readonly #slots: Slots;
  readonly #budget: ByteBudget;
  /** Set when files are read in worker threads. */
  #plan: WorkerPlan | undefined;
  /** The pool gave up on its threads: reading went back to the main thread (said once). */
  #fellBack = false;
  readonly #discovery: Discovery;
  readonly #delivery: Delivery;
  readonly #drain = new DrainWaiters();
  /** The passes running, by file. */
  readonly #passes = new Map<TrackedFile, Promise<void>>();
  #watcher: FSWatcher | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #watchTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #rescan = false;
  #scanSeq = 0;
  #started = false;
  #stopped = false;

  constructor(settings: CreateSettings, config: LogpushFileReceiverConfig, next: Consumer) {
    this.#ctx = {
      settings,
      config,
      paths: resolvePaths(config),
      component: `receivers/${settings.id}`,
      metrics: receiverMetrics(settings),
      labels: { receiver: settings.id },
      store: undefined,
      stopping: false,
      drainMode: false,
    };
    this.#slots = new Slots(config.max_in_flight_batches);
    this.#budget = new ByteBudget(config.max_in_flight_bytes);
    this.#discovery = new Discovery(this.#ctx);
    this.#delivery = new Delivery(this.#ctx, next, this.#slots, {
      settled: (f) => {
        this.#afterSettle(f);
        this.#pump();
      },
      removed: (f) => this.#discovery.untrack(f),
      flushed: () => this.#updateGauges(),
    });
  }

  /**
   * Reads, maps and encodes files in `plan`'s worker pool from now on (the service wiring calls it before start
   * when the receiver's pipeline allows it); the receiver closes the pool at shutdown.
   */
  useWorkers(plan: WorkerPlan): void {
    this.#plan = plan;
  }

  /** The worker plan, unless its pool gave up on threads that kept dying: then files are read on the main thread. */
  #workers(): WorkerPlan | undefined {
    const broken = this.#plan?.pool.broken;
    if (broken === undefined) return this.#plan;
    if (!this.#fellBack) {
      this.#fellBack = true;
      this.#ctx.settings.logger.warn('worker threads keep failing; reading on the main thread from now on', {
        component: this.#ctx.component,
        error: broken.message,
      });
    }
    return undefined;
  }

  async start(_host: Host): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { paths, component, settings, config } = this.#ctx;
    const dir = paths.directory;
    const st = await stat(dir).catch((error: unknown) => {
      throw new Error(
        `${component}: directory ${dir} cannot be read (${(error as Error).message}); expected an existing directory`,
      );
    });
    if (!st.isDirectory()) throw new Error(`${component}: ${dir} is not a directory`);
    this.#ctx.store = await CheckpointStore.open(paths.checkpointDir, settings.id);
    if (config.watch) this.#startWatching();
    this.#schedulePoll(0);
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#ctx.stopping = true;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#watchTimer);
    clearTimeout(this.#retryTimer);
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#slots.close();
    this.#budget.close();
    await this.#scanning?.catch(() => undefined);
    await Promise.allSettled([...this.#passes.values()]);
    await this.#plan?.pool.close();
    // Batches in flight: wait for their acknowledgements (bounded), so their positions are saved.
    await this.#delivery.settled(30_000);
    this.#drain.rejectAll(new Error(`${this.#ctx.component} was shut down`));
    const store = this.#ctx.store;
    if (store !== undefined) {
      await this.#delivery.finalFlush();
      await store.close();
    }
    this.#ctx.metrics.openFiles.set(0, this.#ctx.labels);
  }

  /**
   * Resolves once every file present when it was called (as found by the next scan) has been read to its end
   * and every record of it is acknowledged or dead-lettered (the Drainable contract of @logpush-otel/pipeline).
   * Puts the receiver in drain mode: a final line without terminator is read at once (the input is declared
   * complete), and an incomplete gzip stream is dead-lettered at once (a later run resumes it if the file
   * grows). Rejects if the receiver is shut down first, or if a file keeps failing to be read.
   */
  drained(): Promise<void> {
    this.#ctx.drainMode = true;
    const done = this.#drain.add(this.#scanSeq + 1);
    if (this.#started && !this.#ctx.stopping) this.#requestScan();
    return done;
  }

  // ---------------------------------------------------------------- scans

  #startWatching(): void {
    const { settings, component, paths } = this.#ctx;
    try {
      this.#watcher = watch(paths.directory, { recursive: true }, (_event, name) => this.#onWatchEvent(name));
      this.#watcher.on('error', (error: Error) => {
        settings.logger.warn('file watching failed; polling only', { component, error: error.message });
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (error) {
      settings.logger.warn('file watching unavailable; polling only', {
        component,
        error: (error as Error).message,
      });
    }
  }

  #onWatchEvent(name: string | null): void {
    if (this.#ctx.stopping || this.#watchTimer !== undefined) return;
    if (isOwnChange(this.#ctx.paths, name)) return;
    this.#watchTimer = setTimeout(() => {
      this.#watchTimer = undefined;
      this.#requestScan();
    }, 50);
  }

  #schedulePoll(delay: number): void {
    if (this.#ctx.stopping) return;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      this.#requestScan();
    }, delay);
  }

  /** Runs a scan now, or once more after the running one. Errors are logged; polling goes on. */
  #requestScan(): void {
    if (this.#ctx.stopping) return;
    if (this.#scanning !== undefined) {
      this.#rescan = true;
      return;
    }
    this.#scanning = this.#scan()
      .catch((error: unknown) => {
        this.#ctx.settings.logger.error('scan failed', {
          component: this.#ctx.component,
          error: (error as Error).message,
        });
      })
      .finally(() => {
        this.#scanning = undefined;
        if (this.#rescan) {
          this.#rescan = false;
          this.#requestScan();
        } else this.#schedulePoll(this.#ctx.config.poll_interval);
      });
  }

  async #scan(): Promise<void> {
    const store = this.#ctx.store;
    if (store === undefined) return;
    const seq = ++this.#scanSeq;
    await this.#discovery.scan(store, Date.now());
    if (this.#ctx.stopping) return;
    for (const f of this.#discovery.files.values()) this.#delivery.removeIfDone(f);
    this.#updateGauges();
    this.#pump();
    this.#drain.scanned(seq, () => this.#discovery.presentIds());
    this.#checkDrained();
    if (store.dirty) await this.#delivery.flush();
  }

  // ---------------------------------------------------------------- scheduling

  /** Whether `f` has something to read now. */
  #needsPass(f: TrackedFile, now: number): boolean {
    if (this.#passes.has(f) || f.retryAt > now) return false;
    if (f.cp.done && f.size === f.cp.size) return false;
    switch (f.state) {
      case 'flush-tail':
        return true;
      case 'waiting':
      case 'complete':
      case 'held-tail':
      case 'truncated':
        return f.passSize !== f.size;
      default:
        return false;
    }
  }

  /** Starts passes over the files needing one, oldest first, up to `max_open_files` at a time. */
  #pump(): void {
    if (this.#ctx.stopping || this.#ctx.store === undefined) return;
    const max = this.#ctx.config.max_open_files;
    const now = Date.now();
    this.#checkStalled(now);
    let running = this.#passes.size;
    if (running >= max) return;
    // The oldest few files needing a pass (a bounded selection, not a sort of every open file).
    const slots = max - running;
    const ready: TrackedFile[] = [];
    for (const f of this.#discovery.open) {
      if (!this.#needsPass(f, now)) continue;
      if (ready.length === slots && !olderThan(f, ready[slots - 1] as TrackedFile)) continue;
      let i = ready.length === slots ? slots - 1 : ready.length;
      while (i > 0 && olderThan(f, ready[i - 1] as TrackedFile)) {
        ready[i] = ready[i - 1] as TrackedFile;
        i--;
      }
      ready[i] = f;
    }
    for (const f of ready) {
      if (running >= max) break;
      running++;
      const flushTail = f.state === 'flush-tail';
      // A gzip file read again because it grew: continue inflating where the last pass stopped.
      const incremental =
        f.gzip === true &&
        (f.state === 'truncated' || f.state === 'complete' || f.inflate.cursor !== undefined);
      transition(f, 'reading');
      // A growing gzip file is read on the main thread, which keeps its inflate state between passes (a worker
      // would decompress it from the start on every pass): its first pass may run in a worker, the later ones
      // decompress only what was appended.
      const plan = incremental ? undefined : this.#workers();
      const pass: Promise<void> = (
        plan === undefined ? this.#pass(f, flushTail, incremental) : this.#workerPass(f, flushTail, plan)
      )
        .catch((error: unknown) => this.#onPassError(f, error))
        .then((next) => {
          this.#passes.delete(f);
          this.#endPass(f, next);
        })
        .catch((error: unknown) => {
          this.#ctx.settings.logger.error('internal error after reading a file', {
            component: this.#ctx.component,
            file: f.path,
            error: error instanceof Error ? error.message : String(error),
          });
        });
      this.#passes.set(f, pass);
    }
    this.#updateGauges();
    this.#scheduleRetry(now);
  }

  #scheduleRetry(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const f of this.#discovery.open) if (f.retryAt > now && f.retryAt < next) next = f.retryAt;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (next !== Number.POSITIVE_INFINITY && !this.#ctx.stopping) {
      this.#retryTimer = setTimeout(() => this.#pump(), next - now + 1);
    }
  }

  /** Files that stay incomplete: read a held tail after its timeout; dead-letter a stalled gzip stream. */
  #checkStalled(now: number): void {
    const { config, drainMode } = this.#ctx;
    for (const f of this.#discovery.open) {
      if (f.inFlight > 0 || (f.state !== 'held-tail' && f.state !== 'truncated')) continue;
      if (f.passSize !== f.size) continue; // it grew: the next pass reads on
      f.stalledSince ??= now;
      const waited = now - f.stalledSince;
      if (f.state === 'held-tail') {
        if (drainMode || waited >= config.incomplete_line_timeout) transition(f, 'flush-tail');
      } else if (!f.cp.deadLettered && (drainMode || waited >= config.incomplete_gzip_timeout)) {
        void this.#delivery.deadLetterIncomplete(f).then(() => {
          // Given up on: free the inflate state (a later growth inflates the file once from the start).
          if (f.cp.done) dropInflateState(f);
          this.#discovery.refresh(f);
          this.#checkDrained();
        });
      }
    }
  }

  // ---------------------------------------------------------------- reading

  #passOptions(f: TrackedFile, flushTail: boolean): PassOptions {
    const { config } = this.#ctx;
    return {
      format: config.format,
      dataset: config.dataset,
      ...(config.dataset === 'auto' && f.cp.dataset !== undefined ? { datasetHint: f.cp.dataset } : {}),
      fieldNames: config.field_names,
      maxLineBytes: config.max_line_bytes,
      batchSize: config.batch_size,
      flushTail,
    };
  }

  /** One pass over `f` from where the last one stopped; resolves to the state the file is in after it. */
  async #pass(f: TrackedFile, flushTail: boolean, incremental: boolean): Promise<FileState | undefined> {
    const generation = f.generation;
    const from = f.read;
    const pass = readFilePass(
      { path: f.path, dev: f.cp.dev, ino: f.cp.ino },
      from,
      this.#passOptions(f, flushTail),
      incremental ? f.inflate : undefined,
    );
    const fileName = basename(f.path);
    let end: PassEnd;
    for (;;) {
      // A batch is read while holding the slot it will be handed on with, so that files waiting for a slot hold
      // no parsed records (the slot goes to `dispatch`, which releases it once the batch settled).
      if (!(await this.#slots.acquire())) {
        await pass.return({ kind: 'replaced' });
        return undefined;
      }
      let step: IteratorResult<PassBatch, PassEnd>;
      try {
        step = await pass.next();
      } catch (error) {
        this.#slots.release();
        throw error;
      }
      if (step.done === true) {
        this.#slots.release();
        end = step.value;
        break;
      }
      const unit = this.#unitOf(f, step.value, fileName);
      if (!(await this.#delivery.dispatch(f, generation, unit, step.value.end))) {
        await pass.return({ kind: 'replaced' });
        return undefined;
      }
    }
    return this.#passEnded(f, generation, end, from);
  }

  /**
   * The same pass run in a pool worker: batches arrive encoded; each waits for a slot and for room in the byte
   * budget before it is handed on (the worker pauses meanwhile once its credit is used up).
   */
  async #workerPass(f: TrackedFile, flushTail: boolean, plan: WorkerPlan): Promise<FileState | undefined> {
    const generation = f.generation;
    const from = f.read;
    const file = { path: f.path, dev: f.cp.dev, ino: f.cp.ino };
    const task = passTask(this.#ctx, plan, file, from, this.#passOptions(f, flushTail), basename(f.path));
    let stopped = false;
    let end: PassEnd;
    try {
      end = await plan.pool.run<FilePassChunk, PassEnd>('file-pass', task, async (chunk) => {
        const bytes = chunk.wire?.byteLength ?? 0;
        const { encodedBytesInFlight } = this.#ctx.metrics;
        encodedBytesInFlight.inc(bytes, this.#ctx.labels);
        const settled = (): void => {
          this.#budget.release(bytes);
          encodedBytesInFlight.dec(bytes, this.#ctx.labels);
        };
        let ok = await this.#slots.acquire();
        if (ok && !(await this.#budget.acquire(bytes))) {
          this.#slots.release();
          ok = false;
        }
        if (ok) {
          const unit = unitOfChunk(this.#ctx, plan, f, task, chunk);
          unit.onSettled = settled;
          ok = await this.#delivery.dispatch(f, generation, unit, chunk.end);
          if (!ok) settled();
        } else encodedBytesInFlight.dec(bytes, this.#ctx.labels);
        if (!ok) {
          stopped = true;
          throw new Error('reading stopped');
        }
      });
    } catch (error) {
      if (stopped) return undefined;
      if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_OUT_OF_MEMORY') throw error;
      // The worker ran out of its heap (worker_heap_limit) on this file's records: what it handed on stays in
      // flight; the rest of the file is read on the main thread, whose heap has no such limit.
      this.#ctx.settings.logger.warn(
        'a worker thread ran out of memory; reading the file on the main thread',
        {
          component: this.#ctx.component,
          file: f.path,
          offset: f.read.offset,
          workerHeapLimit: this.#ctx.config.worker_heap_limit,
        },
      );
      if (generation !== f.generation || this.#ctx.stopping) return undefined;
      return this.#pass(f, flushTail, false);
    }
    return this.#passEnded(f, generation, end, from);
  }

  /** After a pass: the state the file is in, from how the pass ended. */
  async #passEnded(
    f: TrackedFile,
    generation: number,
    end: PassEnd,
    from: StreamPosition,
  ): Promise<FileState | undefined> {
    const { config } = this.#ctx;
    if (end.kind === 'gone') return 'gone';
    if (generation !== f.generation) {
      dropInflateState(f); // it belongs to the content before the rewrite
      return undefined;
    }
    if (end.kind === 'replaced') {
      // Replaced since the scan: the next scan sorts it out; do not spin on it meanwhile.
      f.retryAt = Date.now() + config.poll_interval;
      return undefined;
    }
    if (end.kind === 'empty') {
      f.passSize = 0;
      return 'complete';
    }
    reportInput(
      this.#ctx.settings,
      this.#ctx.component,
      f.path,
      from.offset === 0,
      end.summary,
      end.firstReason,
    );
    f.gzip = end.gzip;
    f.passSize = end.size;
    const truncated = end.gzip && end.streamError?.code === 'truncated-gzip';
    const heldTail = !end.complete && !truncated && end.streamError === undefined;
    if (!heldTail && !truncated) f.stalledSince = undefined;
    if (truncated) f.cp.deadLettered = f.cp.deadLettered === true && f.size === f.cp.size;
    let state: FileState = 'waiting';
    if (end.complete) state = 'complete';
    else if (truncated) state = 'truncated';
    // A complete gzip stream whose last line has no newline: read it at once.
    else if (heldTail) state = end.gzip ? 'flush-tail' : 'held-tail';
    else if (end.streamError !== undefined) {
      await this.#delivery.deadLetterStreamError(f, end.streamError);
      state = 'complete';
    }
    f.failures = 0;
    return state;
  }

  /** The entries and dead letters of a parsed batch. */
  #unitOf(f: TrackedFile, batch: PassBatch, fileName: string): Unit {
    const { config, component, metrics, labels } = this.#ctx;
    const observed = BigInt(Date.now()) * 1_000_000n;
    const entries: LogEntry[] = [];
    for (const r of batch.records) {
      entries.push(logEntryOf(r, f.path, observed, batch.base, fileAttributes(this.#ctx, f.path, fileName)));
      if (f.cp.dataset === undefined && r.dataset !== 'unknown' && config.dataset === 'auto') {
        f.cp.dataset = r.dataset;
      }
    }
    metrics.bytes.inc(batch.bytes, labels);
    return { entries, letters: batch.errors.map((e) => deadLetterOf(e, component, batch.base)) };
  }

  /** A pass that threw: a missing file is gone; anything else is retried after a backoff. */
  #onPassError(f: TrackedFile, error: unknown): FileState {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    f.failures++;
    f.retryAt = Date.now() + retryDelay(this.#ctx.config, f.failures);
    f.passSize = -1;
    this.#ctx.settings.logger.error('cannot read file; will retry', {
      component: this.#ctx.component,
      file: f.path,
      error: (error as Error).message,
    });
    if (this.#ctx.drainMode && f.failures >= 3) {
      const e = error as Error;
      this.#drain.failFor(
        f.cp.id,
        () => new Error(`${this.#ctx.component}: cannot read ${f.path}: ${e.message}`, { cause: e }),
      );
    }
    return 'waiting';
  }

  /** A pass ended: the file takes the state it found (a failure noted meanwhile wins). */
  #endPass(f: TrackedFile, next: FileState | undefined): void {
    if (f.state === 'reading') transition(f, next ?? 'waiting');
    else if (f.state === 'failing') transition(f, 'failed');
    this.#updateGauges();
    this.#afterSettle(f);
    this.#pump();
  }

  /** After a pass or a batch settled: recover from a failure, or finish the file when all is acknowledged. */
  #afterSettle(f: TrackedFile): void {
    this.#discovery.refresh(f);
    if (isReading(f) || this.#passes.has(f) || f.inFlight > 0) return;
    if (f.state === 'failed') {
      f.tracker.reset();
      f.read = f.tracker.committed;
      f.passSize = -1;
      this.#ctx.metrics.retries.inc(1, this.#ctx.labels);
      transition(f, 'waiting');
      return;
    }
    this.#delivery.finishIfDone(f);
    if (f.state === 'gone') this.#discovery.untrack(f);
    else this.#discovery.refresh(f);
    this.#checkDrained();
  }

  // ---------------------------------------------------------------- drain and gauges

  #checkDrained(): void {
    this.#drain.check(
      (ids) => this.#allFinished(ids),
      () => this.#delivery.flush(),
    );
  }

  #allFinished(ids: Set<string>): boolean {
    // Files not in `open` are finished, deleted, moved or vanished.
    for (const f of this.#discovery.open) {
      if (!ids.has(f.cp.id) || this.#discovery.files.get(f.cp.id) !== f) continue;
      if (isReading(f) || this.#passes.has(f) || f.inFlight > 0) return false;
      if (f.state !== 'gone' && (!f.cp.done || f.cp.size !== f.size)) return false;
    }
    return true;
  }

  #updateGauges(): void {
    const { metrics, labels, store } = this.#ctx;
    metrics.openFiles.set(this.#passes.size, labels);
    let waiting = false;
    for (const f of this.#discovery.open) if (f.inFlight > 0) waiting = true;
    const age = waiting && store !== undefined ? (Date.now() - store.lastFlushAt) / 1000 : 0;
    metrics.checkpointAge.set(age, labels);
  }
}
