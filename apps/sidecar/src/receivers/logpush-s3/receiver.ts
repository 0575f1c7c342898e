// The `logpush_s3` receiver: lists Logpush objects of a bucket in key order, reads the ones of its shard
// (a bounded number at a time, streamed through the parser), and moves each object's checkpoint only past
// records whose batches were acknowledged. Finished objects are remembered by key and ETag; the listing starts
// after the last key below which everything is finished (and old enough not to be joined by late arrivals).
import type { Consumer, CreateSettings, Host, Receiver } from '@logpush-otel/pipeline';
import { CheckpointStore } from '../../checkpoint/index.ts';
import type { StreamPosition } from '../../checkpoint/index.ts';
import { Slots } from '../logpush-file/slots.ts';
import { backoff, startAfterKey } from './config.ts';
import type { LogpushS3ReceiverConfig } from './config.ts';
import { deliverUnit } from './delivery.ts';
import { s3ReceiverMetrics } from './metrics.ts';
import type { S3ReceiverMetrics } from './metrics.ts';
import { isSkippedKey, shardOf, windowEndOf } from './keys.ts';
import { moveWatermark, newObjectCheckpoint, watermarkOf } from './object-checkpoints.ts';
import { newObjectState, readObjectPass } from './object-pass.ts';
import type { ObjectState, PassContext, PassEnd, Unit } from './object-pass.ts';
import { ObjectStore, classifyFault, describeFault } from './object-store.ts';
import type { ListedObject } from './object-store.ts';

/** Objects waiting to be read, at most; the listing stops there and goes on once they are finished. */
const MAX_PENDING = 1000;

interface DrainWaiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  /** The first listing that started after the call. */
  listing: number;
}

/**
 * The receiver. `start` opens the checkpoints and begins polling; `shutdown` stops reading, waits (bounded)
 * for batches in flight and saves the checkpoints; `drained()` (for `--once`) resolves once every object listed
 * after the call is read and acknowledged. `notReadyReason()` names the configuration fault that stops it.
 */
export class LogpushS3Receiver implements Receiver {
  readonly #settings: CreateSettings;
  readonly #config: LogpushS3ReceiverConfig;
  readonly #next: Consumer;
  readonly #component: string;
  readonly #slots: Slots;
  readonly #abort = new AbortController();
  /** Objects being read or waiting, by key (a Map keeps the listing order: keys arrive sorted). */
  readonly #objects = new Map<string, ObjectState>();
  readonly #passes = new Set<Promise<void>>();
  readonly #settling = new Set<Promise<void>>();
  #objectStore: ObjectStore | undefined;
  #store: CheckpointStore | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #listing: Promise<void> | undefined;
  #relist = false;
  #listingSeq = 0;
  /** The last listing reached the end of the bucket (not stopped at MAX_PENDING). */
  #listedAll = false;
  #completedListing = 0;
  #started = false;
  #stopping = false;
  #drainMode = false;
  #drainWaiters: DrainWaiter[] = [];
  #configFault: string | undefined;
  /** What met the configuration fault: a listing, or a download (each clears it by succeeding). */
  #faultFrom: 'list' | 'get' = 'list';
  #faults = 0;
  #flushing: Promise<void> | undefined;
  #flushAgain = false;
  #newestDoneEnd: number | undefined;
  readonly #labels: Record<string, string>;
  readonly #metrics: S3ReceiverMetrics;

  constructor(settings: CreateSettings, config: LogpushS3ReceiverConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#component = `receivers/${settings.id}`;
    this.#slots = new Slots(config.max_in_flight_batches);
    this.#labels = { receiver: settings.id };
    this.#metrics = s3ReceiverMetrics(settings.metrics);
  }

  async start(_host: Host): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { shard } = this.#config;
    const name =
      shard.count > 1 ? `${this.#settings.id}.shard-${shard.index}-of-${shard.count}` : this.#settings.id;
    this.#store = await CheckpointStore.open(this.#config.checkpoint_dir, name);
    this.#objectStore = await ObjectStore.open(this.#config);
    this.#schedulePoll(0);
  }

  /** The configuration fault that stops it (wrong credentials, a missing bucket), or undefined. */
  notReadyReason(): string | undefined {
    return this.#configFault;
  }

  async shutdown(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#retryTimer);
    this.#slots.close();
    this.#abort.abort();
    await this.#listing?.catch(() => undefined);
    await Promise.allSettled([...this.#passes]);
    // Batches in flight: wait for their acknowledgements (bounded), so their positions are saved.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#settling]),
      new Promise<void>((r) => (timer = setTimeout(r, 30_000))),
    ]);
    clearTimeout(timer);
    for (const w of this.#drainWaiters.splice(0)) w.reject(new Error(`${this.#component} was shut down`));
    if (this.#store !== undefined) {
      await this.#flushing;
      await this.#store.flush();
      await this.#store.close();
    }
    this.#objectStore?.destroy();
    this.#metrics.openObjects.set(0, this.#labels);
  }

  /**
   * Resolves once a listing started after the call reached the end of the bucket and every object of this
   * shard it found is read to its end and acknowledged (or dead-lettered). Rejects when a configuration fault
   * persists over three attempts, or when the receiver is shut down first.
   */
  drained(): Promise<void> {
    this.#drainMode = true;
    const done = new Promise<void>((resolve, reject) =>
      this.#drainWaiters.push({ resolve, reject, listing: this.#listingSeq + 1 }),
    );
    if (this.#started && !this.#stopping) this.#requestListing();
    return done;
  }

  // ---------------------------------------------------------------- listing

  #schedulePoll(delay: number): void {
    if (this.#stopping) return;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      this.#requestListing();
    }, delay);
  }

  #requestListing(): void {
    if (this.#stopping) return;
    if (this.#listing !== undefined) {
      this.#relist = true;
      return;
    }
    let delay = this.#config.poll_interval;
    this.#listing = this.#list()
      .then(
        () => this.#clearFault('list'),
        (error: unknown) => {
          delay = this.#onListError(error) ?? delay;
        },
      )
      .finally(() => {
        this.#listing = undefined;
        this.#updateLag();
        if (this.#relist || (!this.#listedAll && this.#configFault === undefined && !this.#hasPending())) {
          this.#relist = false;
          this.#schedulePoll(0);
        } else this.#schedulePoll(delay);
      });
  }

  /** Handles a failed listing; returns the delay before the next attempt. */
  #onListError(error: unknown): number {
    if (this.#stopping) return this.#config.poll_interval;
    const kind = classifyFault(error);
    this.#metrics.requestErrors.inc(1, { ...this.#labels, kind });
    const delay = backoff(this.#config, ++this.#faults);
    const message = describeFault(error);
    if (kind === 'config')
      this.#setFault('list', `cannot list s3://${this.#config.bucket}/${this.#config.prefix}: ${message}`);
    else {
      this.#settings.logger.warn('listing failed; will retry', {
        component: this.#component,
        error: message,
        retryInMs: delay,
      });
    }
    return delay;
  }

  #setFault(from: 'list' | 'get', message: string): void {
    this.#faultFrom = from;
    if (this.#configFault !== message) {
      this.#settings.logger.error(
        `${message}; check the credentials, bucket, endpoint and region (not ready; retrying with backoff)`,
        { component: this.#component },
      );
    }
    this.#configFault = message;
    this.#metrics.configFault.set(1, this.#labels);
    if (this.#drainMode && this.#faults >= 3) {
      for (const w of this.#drainWaiters.splice(0)) w.reject(new Error(`${this.#component}: ${message}`));
    }
  }

  #clearFault(from: 'list' | 'get'): void {
    if (this.#configFault === undefined) {
      this.#faults = 0;
      return;
    }
    if (this.#faultFrom !== from) return;
    this.#faults = 0;
    this.#configFault = undefined;
    this.#metrics.configFault.set(0, this.#labels);
    this.#settings.logger.info('the bucket can be read again', { component: this.#component });
    this.#pump();
  }

  #hasPending(): boolean {
    return this.#objects.size >= MAX_PENDING;
  }

  async #list(): Promise<void> {
    const store = this.#store;
    const objects = this.#objectStore;
    if (store === undefined || objects === undefined) return;
    const seq = ++this.#listingSeq;
    const { shard } = this.#config;
    const watermark = watermarkOf(store);
    const configured = startAfterKey(this.#config);
    const startAfter = watermark > configured ? watermark : configured;
    const settledBefore = Date.now() - this.#config.relist_window;
    let advance = true;
    let newWatermark = watermark;
    let token: string | undefined;
    let complete = true;
    do {
      const page = await objects.listPage(startAfter, token, this.#abort.signal);
      token = page.next;
      for (const o of page.objects) {
        if (this.#stopping) return;
        const mine = !isSkippedKey(o.key) && shardOf(o.key, shard.count) === shard.index;
        const finished = !mine || this.#track(store, o);
        if (advance && finished && o.lastModified < settledBefore) newWatermark = o.key;
        else advance = false;
      }
      if (this.#objects.size >= MAX_PENDING && token !== undefined) {
        complete = false;
        break;
      }
      this.#pump();
    } while (token !== undefined);
    this.#listedAll = complete;
    if (newWatermark > watermark) {
      moveWatermark(store, newWatermark, (key) => this.#objects.has(key));
      this.#requestFlush();
    }
    this.#completedListing = complete ? seq : this.#completedListing;
    this.#pump();
    this.#checkDrained();
  }

  /** Takes note of a listed object of this shard; returns whether it is finished. */
  #track(store: CheckpointStore, o: ListedObject): boolean {
    const known = this.#objects.get(o.key);
    if (known !== undefined) {
      if (known.etag !== o.etag && !known.active && known.inFlight === 0 && !known.finishing) {
        this.#settings.logger.warn(
          'object changed while being read (new ETag); reading it again from the start',
          {
            component: this.#component,
            key: o.key,
            etag: o.etag,
            previousEtag: known.etag,
          },
        );
        this.#drop(known);
        this.#objects.set(o.key, this.#fresh(store, o, known.cp.id));
      }
      return false;
    }
    const cp = store.get(o.key);
    if (cp !== undefined && cp.fingerprint === o.etag) {
      cp.seenAt = Date.now();
      if (cp.done) return true;
      this.#objects.set(o.key, newObjectState(o, cp));
      return false;
    }
    if (cp !== undefined) {
      this.#settings.logger.warn(
        'object changed since it was read (new ETag); reading it again from the start',
        {
          component: this.#component,
          key: o.key,
          etag: o.etag,
          previousEtag: cp.fingerprint,
        },
      );
    }
    this.#objects.set(o.key, this.#fresh(store, o, o.key));
    return false;
  }

  #fresh(store: CheckpointStore, o: ListedObject, id: string): ObjectState {
    return newObjectState(o, newObjectCheckpoint(store, o, id));
  }

  // ---------------------------------------------------------------- reading

  /** Starts passes over waiting objects in key order, up to `max_objects_in_flight` at a time. */
  #pump(): void {
    if (this.#stopping || this.#store === undefined) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const obj of this.#objects.values()) {
      if (this.#passes.size >= this.#config.max_objects_in_flight) break;
      if (obj.active || obj.complete || obj.failed || obj.finishing) continue;
      if (obj.retryAt > now) {
        next = Math.min(next, obj.retryAt);
        continue;
      }
      obj.active = true;
      const pass: Promise<void> = this.#pass(obj)
        .finally(() => {
          obj.active = false;
          this.#passes.delete(pass);
          this.#metrics.openObjects.set(this.#passes.size, this.#labels);
          this.#afterSettle(obj);
          this.#pump();
        })
        .catch((error: unknown) => this.#internalError('after reading an object', obj, error));
      this.#passes.add(pass);
    }
    this.#metrics.openObjects.set(this.#passes.size, this.#labels);
    clearTimeout(this.#retryTimer);
    if (next !== Number.POSITIVE_INFINITY && !this.#stopping) {
      this.#retryTimer = setTimeout(() => this.#pump(), next - now + 1);
    }
  }

  async #pass(obj: ObjectState): Promise<void> {
    const objects = this.#objectStore;
    if (objects === undefined) return;
    const ctx: PassContext = {
      store: objects,
      config: this.#config,
      component: this.#component,
      slots: this.#slots,
      signal: this.#abort.signal,
      dispatch: (o, generation, unit, end) => this.#dispatch(o, generation, unit, end),
      countBytes: (bytes) => this.#metrics.bytes.inc(bytes, this.#labels),
    };
    const generation = obj.generation;
    let end: PassEnd;
    try {
      end = await readObjectPass(ctx, obj);
    } catch (error) {
      if (!this.#stopping && generation === obj.generation) this.#onReadError(obj, error);
      return;
    }
    if (generation !== obj.generation || end.kind === 'stopped') return;
    this.#clearFault('get');
    if (end.kind === 'damaged') {
      await this.#settings.deadLetters.write([
        {
          reason: `${end.error.code}: ${end.error.reason}; records before decompressed byte ${obj.read.offset} were delivered`,
          component: this.#component,
          source: objects.uri(obj.key),
          line: obj.read.line,
          offset: obj.read.offset,
          raw: '',
        },
      ]);
    }
    obj.complete = true;
    obj.failures = 0;
  }

  #onReadError(obj: ObjectState, error: unknown): void {
    const kind = classifyFault(error);
    this.#metrics.requestErrors.inc(1, { ...this.#labels, kind });
    const message = describeFault(error);
    if (kind === 'gone') {
      // Deleted (or replaced) since the listing: the next listing says whether there is anything to read.
      this.#settings.logger.warn('object vanished while being read', {
        component: this.#component,
        key: obj.key,
      });
      this.#drop(obj);
      this.#store?.delete(obj.cp.id);
      return;
    }
    if (kind === 'changed') {
      this.#settings.logger.warn(
        'object changed while being read (new ETag); the next listing reads it again',
        {
          component: this.#component,
          key: obj.key,
        },
      );
      this.#drop(obj);
      this.#requestListing();
      return;
    }
    obj.failed = true;
    obj.failures++;
    obj.retryAt = Date.now() + backoff(this.#config, obj.failures);
    if (kind === 'config') {
      this.#faults++;
      this.#setFault(
        'get',
        `cannot read objects of s3://${this.#config.bucket}/${this.#config.prefix}: ${message}`,
      );
      return;
    }
    this.#settings.logger.warn('reading an object failed; will resume from its checkpoint', {
      component: this.#component,
      key: obj.key,
      offset: obj.tracker.committed.offset,
      retryInMs: Math.round(obj.retryAt - Date.now()),
      error: message,
    });
  }

  /** Forgets `obj` in this run: acknowledgements still on their way no longer touch its checkpoint. */
  #drop(obj: ObjectState): void {
    obj.generation++;
    obj.failed = true;
    if (this.#objects.get(obj.key) === obj) this.#objects.delete(obj.key);
    this.#checkDrained();
  }

  // Async (with no await inside) so that callers yield as if they had acquired a slot here.
  // eslint-disable-next-line @typescript-eslint/require-await
  async #dispatch(obj: ObjectState, generation: number, unit: Unit, end: StreamPosition): Promise<boolean> {
    if (this.#stopping || obj.failed || generation !== obj.generation) {
      this.#slots.release();
      return false;
    }
    const ticket = obj.tracker.open(end);
    obj.read = end;
    obj.inFlight++;
    this.#metrics.records.inc(unit.entries.length, this.#labels);
    if (unit.letters.length > 0) this.#metrics.rejected.inc(unit.letters.length, this.#labels);
    const settled: Promise<void> = deliverUnit(this.#next, this.#settings.deadLetters, this.#component, unit)
      .then(
        () => this.#onAck(obj, generation, ticket),
        (error: unknown) => this.#onReject(obj, generation, ticket, error),
      )
      .finally(() => {
        this.#settling.delete(settled);
        this.#slots.release();
        obj.inFlight--;
        this.#afterSettle(obj);
        this.#pump();
      })
      .catch((error: unknown) => this.#internalError('after a batch settled', obj, error));
    this.#settling.add(settled);
    return true;
  }

  #onAck(obj: ObjectState, generation: number, ticket: number): void {
    if (generation !== obj.generation || !obj.tracker.ack(ticket)) return;
    const c = obj.tracker.committed;
    obj.cp.offset = c.offset;
    obj.cp.line = c.line;
    this.#store?.set(obj.cp);
    this.#requestFlush();
  }

  #onReject(obj: ObjectState, generation: number, ticket: number, error: unknown): void {
    if (generation !== obj.generation) return;
    obj.tracker.fail(ticket);
    if (obj.failed) return;
    obj.failed = true;
    obj.failures++;
    obj.retryAt = Date.now() + backoff(this.#config, obj.failures);
    this.#settings.logger.warn('batch not delivered; will re-read from the checkpoint', {
      component: this.#component,
      key: obj.key,
      offset: obj.tracker.committed.offset,
      retryInMs: Math.round(obj.retryAt - Date.now()),
      error: error instanceof Error ? error.message : String(error),
    });
  }

  /** After a pass or a batch settled: recover from a failure, or finish the object once all is acknowledged. */
  #afterSettle(obj: ObjectState): void {
    if (obj.active || obj.inFlight > 0) return;
    if (obj.failed) {
      if (this.#objects.get(obj.key) !== obj) return; // dropped (vanished or changed)
      obj.failed = false;
      obj.complete = false;
      obj.tracker.reset();
      obj.read = obj.tracker.committed;
      this.#metrics.retries.inc(1, this.#labels);
      return;
    }
    if (!obj.complete || obj.finishing || obj.cp.done || obj.tracker.pending > 0) return;
    obj.cp.done = true;
    obj.cp.size = obj.size;
    this.#store?.set(obj.cp);
    this.#metrics.objectsDone.inc(1, this.#labels);
    const end = windowEndOf(obj.key);
    if (end !== undefined && (this.#newestDoneEnd === undefined || end > this.#newestDoneEnd)) {
      this.#newestDoneEnd = end;
      this.#updateLag();
    }
    obj.finishing = true;
    const finish = this.#finish(obj).finally(() => {
      this.#settling.delete(finish);
      obj.finishing = false;
      if (this.#objects.get(obj.key) === obj) this.#objects.delete(obj.key);
      this.#checkDrained();
      if (!this.#listedAll && this.#objects.size < MAX_PENDING / 2) this.#requestListing();
    });
    this.#settling.add(finish);
  }

  /** Saves the "done" checkpoint, then deletes or tags the object as configured. */
  async #finish(obj: ObjectState): Promise<void> {
    try {
      await this.#flush();
      if (this.#config.after_ack === 'keep' || this.#objectStore === undefined) return;
      if (this.#config.after_ack === 'delete') await this.#objectStore.delete(obj.key);
      else await this.#objectStore.tagDone(obj.key);
    } catch (error) {
      this.#settings.logger.error(`could not ${this.#config.after_ack} a finished object`, {
        component: this.#component,
        key: obj.key,
        error: describeFault(error),
      });
    }
  }

  // ---------------------------------------------------------------- checkpoints and state

  #requestFlush(): void {
    if (this.#flushing !== undefined) {
      this.#flushAgain = true;
      return;
    }
    const run = (async () => {
      await new Promise<void>((r) => setImmediate(r)); // let acknowledgements arriving together share a write
      await this.#flush();
    })().catch((error: unknown) => {
      this.#settings.logger.error('could not save checkpoints', {
        component: this.#component,
        error: (error as Error).message,
      });
    });
    this.#flushing = run.finally(() => {
      this.#flushing = undefined;
      if (this.#flushAgain) {
        this.#flushAgain = false;
        if (!this.#stopping) this.#requestFlush();
      }
    });
  }

  async #flush(): Promise<void> {
    await this.#store?.flush();
  }

  #updateLag(): void {
    if (this.#newestDoneEnd === undefined) return;
    this.#metrics.lag.set(Math.max(0, (Date.now() - this.#newestDoneEnd) / 1000), this.#labels);
  }

  #checkDrained(): void {
    if (this.#drainWaiters.length === 0 || this.#objects.size > 0) return;
    const ready = this.#drainWaiters.filter((w) => this.#completedListing >= w.listing);
    if (ready.length === 0) return;
    this.#drainWaiters = this.#drainWaiters.filter((w) => !ready.includes(w));
    void this.#flush().then(
      () => {
        for (const w of ready) w.resolve();
      },
      (error: unknown) => {
        for (const w of ready) w.reject(error);
      },
    );
  }

  #internalError(what: string, obj: ObjectState, error: unknown): void {
    this.#settings.logger.error(`internal error ${what}`, {
      component: this.#component,
      key: obj.key,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
