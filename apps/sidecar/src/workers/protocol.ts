// Messages between the pool (main thread) and its workers. A task streams chunks back; the worker stops
// producing once the chunks it sent and the main thread has not yet acknowledged reach its credit in bytes, so
// a slow consumer (stdout, an exporter) bounds what a worker holds ready.

/** Main thread to worker. */
export type ToWorker =
  | {
      readonly type: 'task';
      readonly id: number;
      readonly kind: string;
      readonly input: unknown;
      /** Bytes of unacknowledged chunks the task may have outstanding before its worker waits. */
      readonly credit: number;
    }
  /** `bytes` of the task's chunks were consumed. */
  | { readonly type: 'ack'; readonly id: number; readonly bytes: number }
  /** The main thread stopped consuming the task's chunks: the task's next `emit` throws. */
  | { readonly type: 'cancel'; readonly id: number };

/** Worker to main thread. */
export type FromWorker =
  | { readonly type: 'chunk'; readonly id: number; readonly chunk: unknown; readonly bytes: number }
  | { readonly type: 'done'; readonly id: number; readonly result: unknown }
  | {
      readonly type: 'fail';
      readonly id: number;
      readonly message: string;
      readonly code: string | undefined;
    };

/**
 * Hands a chunk to the main thread; resolves once the worker may produce more (credit left), rejects once the
 * main thread cancelled the task.
 */
export type Emit<C> = (chunk: C, bytes: number, transfer?: readonly ArrayBuffer[]) => Promise<void>;

/** A kind of work a worker runs: reads `input`, streams chunks with `emit`, resolves to its result. */
export type TaskHandler = (input: unknown, emit: Emit<unknown>) => Promise<unknown>;

/** Bytes of unacknowledged chunks a task may have outstanding before its worker waits. */
export const DEFAULT_TASK_CREDIT = 4 * 1024 * 1024;
