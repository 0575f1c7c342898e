// A pool of worker threads running named tasks (see tasks.ts). Tasks queue in the order they were submitted and
// each goes to the next idle worker; a task streams chunks back, handed to the caller one at a time and in
// order, and acknowledged to the worker once the caller's handler settled (that is the backpressure). A worker
// that dies fails its task and is replaced.
import { Worker } from 'node:worker_threads';
import { DEFAULT_TASK_CREDIT } from './protocol.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

/** Consumes one chunk of a task; the worker may produce past it once the promise settled. */
export type ChunkHandler<C> = (chunk: C) => void | Promise<void>;

/** A task failed in its worker (the message is the worker's error message). */
export class WorkerTaskError extends Error {
  override readonly name = 'WorkerTaskError';
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

interface Task {
  readonly id: number;
  readonly kind: string;
  readonly input: unknown;
  readonly onChunk: ChunkHandler<unknown>;
  readonly credit: number;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  /** Chunks are handled one after another: the last one's handling. */
  chain: Promise<void>;
  failed: Error | undefined;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

/**
 * What a worker thread runs: the plain-JavaScript entry bin/worker.js (two levels up from src/workers and from
 * dist/workers), which loads the worker's main module next to this one: TypeScript (sources) or JavaScript (dist).
 */
const WORKER_ENTRY = new URL('../../bin/worker.js', import.meta.url);
const WORKER_MAIN = new URL(
  import.meta.url.endsWith('.ts') ? './worker-main.ts' : './worker-main.js',
  import.meta.url,
);

/**
 * Young generation of each worker's heap (its semi-spaces together), with and without an old-generation limit.
 * V8's default lets every isolate grow a young generation of well over 100 MB under this allocation rate; 48 MB
 * measured the same CPU time as that for `convert` with 2 workers over 300k records, at about 190 MB less peak
 * RSS. With a heap limit (the receiver's default) the young generation is 16 MB: less memory again, and more CPU
 * (about a quarter more in all, with the limit's extra full collections; see docs/benchmarks.md).
 */
const YOUNG_GENERATION_MB = { limited: 16, unlimited: 48 } as const;

/**
 * Old generation of each worker's heap by default. A worker's live data is its modules plus one batch being
 * read, mapped and encoded (about 15 MB at batch_size 1000 with 2 KB records); without a limit V8 lets garbage
 * grow the old generation to several times that before collecting it. With a limit it collects sooner (more
 * often: CPU for memory). A worker that runs out of heap anyway (very large records) dies with
 * ERR_WORKER_OUT_OF_MEMORY and is replaced; the receiver reads that file on the main thread instead.
 */
export const DEFAULT_WORKER_HEAP_MB = 256;

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /**
   * Called with every worker thread the pool starts, its first ones and the replacements of those that died
   * (diagnostics; tests use the handle to end a worker mid-task, as a crash would).
   */
  readonly onSpawn?: (worker: Worker) => void;
  /** Old-generation limit of each worker in MB ({@link DEFAULT_WORKER_HEAP_MB}; 0: V8's own sizing). */
  readonly heapLimitMb?: number;
}

/** `size` worker threads. Close it with {@link WorkerPool.close} (workers keep the process alive). */
export class WorkerPool {
  readonly size: number;
  readonly #onSpawn: ((worker: Worker) => void) | undefined;
  /** Old-generation limit of each worker in MB (0: V8's default, and the larger young generation). */
  readonly #heapLimitMb: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;
  /** Workers that died since a task last ended normally; past a few, the pool stops replacing them. */
  #deaths = 0;
  #broken: Error | undefined;

  constructor(size: number, options: WorkerPoolOptions = {}) {
    this.size = size;
    this.#onSpawn = options.onSpawn;
    this.#heapLimitMb = options.heapLimitMb ?? DEFAULT_WORKER_HEAP_MB;
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn());
  }

  /**
   * Runs task `kind` with `input` (structured-cloned) in a worker; `onChunk` gets its chunks in order. Resolves
   * to the task's result once every chunk was handled; rejects with the task's error, a chunk handler's error, or
   * when the worker dies or the pool is closed. The worker waits once `credit` bytes of chunks are not handled.
   */
  run<C, R>(
    kind: string,
    input: unknown,
    onChunk: ChunkHandler<C>,
    credit = DEFAULT_TASK_CREDIT,
  ): Promise<R> {
    if (this.#closed) return Promise.reject(new Error('the worker pool is closed'));
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({
        id: this.#nextId++,
        kind,
        input,
        onChunk: onChunk as ChunkHandler<unknown>,
        credit,
        resolve: resolve as (result: unknown) => void,
        reject,
        chain: Promise.resolve(),
        failed: undefined,
      });
      this.#dispatch();
    });
  }

  /** Set once workers kept dying and the pool stopped replacing them: every later task rejects with it. */
  get broken(): Error | undefined {
    return this.#broken;
  }

  /** Stops every worker; tasks queued or running reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = new Error('the worker pool is closed');
    for (const t of this.#queue.splice(0)) t.reject(error);
    const slots = this.#slots.splice(0);
    for (const s of slots) s.task?.reject(error);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_ENTRY, {
      workerData: { main: WORKER_MAIN.href },
      resourceLimits: {
        maxYoungGenerationSizeMb:
          this.#heapLimitMb > 0 ? YOUNG_GENERATION_MB.limited : YOUNG_GENERATION_MB.unlimited,
        ...(this.#heapLimitMb > 0 ? { maxOldGenerationSizeMb: this.#heapLimitMb } : {}),
      },
    });
    const slot: Slot = { worker, task: undefined };
    worker.on('message', (message: FromWorker) => this.#onMessage(slot, message));
    worker.on('error', (error: Error) => this.#onDeath(slot, error));
    worker.on('exit', (code) => this.#onDeath(slot, new Error(`a worker thread exited with code ${code}`)));
    // Idle workers must not keep the process alive; a busy one is referenced while it runs a task.
    worker.unref();
    this.#onSpawn?.(worker);
    return slot;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.task !== undefined) continue;
      const task = this.#queue.shift();
      if (task === undefined) return;
      slot.task = task;
      slot.worker.ref();
      const message: ToWorker = {
        type: 'task',
        id: task.id,
        kind: task.kind,
        input: task.input,
        credit: task.credit,
      };
      slot.worker.postMessage(message);
    }
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    const task = slot.task;
    if (task === undefined || task.id !== message.id) return;
    switch (message.type) {
      case 'chunk': {
        const { chunk, bytes } = message;
        task.chain = task.chain.then(async () => {
          if (task.failed !== undefined) return;
          try {
            await task.onChunk(chunk);
          } catch (error) {
            task.failed = error instanceof Error ? error : new Error(String(error));
            const cancel: ToWorker = { type: 'cancel', id: task.id };
            if (slot.task === task) slot.worker.postMessage(cancel);
            return;
          }
          const ack: ToWorker = { type: 'ack', id: task.id, bytes };
          if (slot.task === task) slot.worker.postMessage(ack);
        });
        return;
      }
      case 'done':
        this.#finish(slot, task, () => task.resolve(message.result));
        return;
      case 'fail':
        this.#finish(slot, task, () => task.reject(new WorkerTaskError(message.message, message.code)));
        return;
    }
  }

  /** The worker is free again; the task settles once its chunks were handled. */
  #finish(slot: Slot, task: Task, settle: () => void): void {
    this.#deaths = 0;
    slot.task = undefined;
    slot.worker.unref();
    void task.chain.then(() => {
      if (task.failed !== undefined) task.reject(task.failed);
      else settle();
    });
    this.#dispatch();
  }

  #onDeath(slot: Slot, error: Error): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    const task = slot.task;
    slot.task = undefined;
    if (task !== undefined) {
      void task.chain.then(() => task.reject(task.failed ?? error));
    }
    void slot.worker.terminate();
    if (this.#closed) return;
    // Workers that keep dying (an entry that cannot load, a crash on every task) are not replaced forever.
    if (++this.#deaths > 2 * this.size) {
      this.#broken = new Error(`worker threads keep failing (last: ${error.message})`);
      this.#slots.splice(i, 1);
      for (const t of this.#queue.splice(0)) t.reject(this.#broken);
      return;
    }
    this.#slots[i] = this.#spawn();
    this.#dispatch();
  }
}
