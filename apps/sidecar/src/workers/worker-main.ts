// The message loop of a pool worker (loaded by bin/worker.js): runs one task at a time (see pool.ts), streaming its chunks back with
// credit-based backpressure, and reports its result or error.
import { parentPort } from 'node:worker_threads';
import type { Emit, FromWorker, ToWorker } from './protocol.ts';
import { TASKS } from './tasks.ts';

const port = parentPort;
if (port === null) throw new Error('worker-main.ts runs only in a worker thread');

/** Unacknowledged bytes of the running task, and who waits for credit. */
let outstanding = 0;
let current = 0;
let cancelled = false;
let waiting: (() => void) | undefined;

function send(message: FromWorker, transfer: readonly ArrayBuffer[] = []): void {
  port?.postMessage(message, [...transfer]);
}

async function runTask(id: number, kind: string, input: unknown, credit: number): Promise<void> {
  outstanding = 0;
  current = id;
  cancelled = false;
  const emit: Emit<unknown> = async (chunk, bytes, transfer) => {
    if (cancelled) throw new Error('the task was cancelled');
    outstanding += bytes;
    send({ type: 'chunk', id, chunk, bytes }, transfer);
    while (outstanding > credit && !cancelled) {
      await new Promise<void>((resolve) => (waiting = resolve));
    }
    if (cancelled) throw new Error('the task was cancelled');
  };
  try {
    const handler = TASKS[kind];
    if (handler === undefined) throw new Error(`unknown worker task '${kind}'`);
    const result = await handler(input, emit);
    send({ type: 'done', id, result });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: 'fail', id, message: e.message, code: (e as NodeJS.ErrnoException).code });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'ack' || message.type === 'cancel') {
    if (message.id !== current) return;
    if (message.type === 'ack') outstanding -= message.bytes;
    else cancelled = true;
    const w = waiting;
    waiting = undefined;
    w?.();
  } else {
    void runTask(message.id, message.kind, message.input, message.credit);
  }
});
