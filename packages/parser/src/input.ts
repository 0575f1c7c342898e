// Turns the caller's input into decompressed byte chunks: gzip is recognised by its magic bytes (1f 8b), never
// by a file name; concatenated gzip members are read in turn. How the input ended is the generator's return value.
import { Buffer } from 'node:buffer';
import { constants, createGunzip } from 'node:zlib';
import { isGzip } from './detect.ts';
import { describeThrown } from './errors.ts';

/** Input accepted by the streaming APIs. */
export type ParseInput = AsyncIterable<Uint8Array> | NodeJS.ReadableStream | Uint8Array;

/** How the decompressed stream ended. */
export type InputEnd =
  { kind: 'complete' } | { kind: 'truncated-gzip' | 'corrupt-gzip' | 'read-error'; reason: string };

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError(`expected Uint8Array chunks, got ${typeof chunk}`);
}

function chunksOf(input: ParseInput): AsyncIterable<unknown> {
  if (input instanceof Uint8Array) {
    return (async function* single() {
      await Promise.resolve();
      yield input;
    })();
  }
  return input as AsyncIterable<unknown>;
}

/** Output chunks queued before the gunzip stream is paused. */
const QUEUE_HIGH = 16;
/** Largest compressed slice handed to zlib at once. */
const WRITE_SLICE = 16_384;
/** Decompressed output chunk size: fewer, larger chunks mean fewer thread-pool round trips and batches. */
const GUNZIP_CHUNK = 131_072;

/** Decompressed chunks of `input` (plain input passes through). Never throws; the return value says how it ended. */
export async function* decompressedChunks(input: ParseInput): AsyncGenerator<Buffer, InputEnd> {
  const iterator = chunksOf(input)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLen = 0;
  let inputDone = false;
  try {
    while (headLen < 2) {
      const r = await iterator.next();
      if (r.done === true) {
        inputDone = true;
        break;
      }
      const b = toBuffer(r.value);
      head.push(b);
      headLen += b.length;
    }
  } catch (e) {
    for (const b of head) if (b.length > 0) yield b;
    return { kind: 'read-error', reason: `reading the input failed: ${describeThrown(e)}` };
  }
  const first = head.length === 1 ? head[0] : Buffer.concat(head);
  if (first === undefined || !isGzip(first)) {
    if (first !== undefined && first.length > 0) yield first;
    if (inputDone) return { kind: 'complete' };
    try {
      for (;;) {
        const r = await iterator.next();
        if (r.done === true) break;
        const b = toBuffer(r.value);
        if (b.length > 0) yield b;
      }
    } catch (e) {
      return { kind: 'read-error', reason: `reading the input failed: ${describeThrown(e)}` };
    }
    return { kind: 'complete' };
  }
  return yield* gunzipChunks(first, inputDone ? undefined : iterator);
}

async function* gunzipChunks(
  first: Buffer,
  rest: AsyncIterator<unknown> | undefined,
): AsyncGenerator<Buffer, InputEnd> {
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  const queue: Buffer[] = [];
  let zlibError: (Error & { code?: string }) | undefined;
  let readError: unknown;
  let hasReadError = false;
  let ended = false;
  let closed = false;
  let paused = false;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  gunzip.on('data', (d: Buffer) => {
    queue.push(d);
    if (queue.length >= QUEUE_HIGH && !paused) {
      paused = true;
      gunzip.pause();
    }
    signal();
  });
  gunzip.on('error', (e: Error) => {
    zlibError = e;
    signal();
  });
  gunzip.on('end', () => {
    ended = true;
    signal();
  });
  gunzip.on('close', () => {
    closed = true;
    signal();
  });

  // Resolves on `event`, or when the stream fails or closes (so a feeder never waits forever).
  const waitFor = (event: 'drain' | 'flushed'): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        gunzip.off('drain', done);
        gunzip.off('close', done);
        gunzip.off('error', done);
        resolve();
      };
      if (event === 'drain') gunzip.on('drain', done);
      else gunzip.flush(constants.Z_SYNC_FLUSH, done);
      gunzip.on('close', done);
      gunzip.on('error', done);
    });
  // Writes in slices: when zlib fails inside a write, the output of that write is lost, so keep writes small.
  const write = async (chunk: Buffer): Promise<void> => {
    for (let i = 0; i < chunk.length; i += WRITE_SLICE) {
      if (stopped || zlibError !== undefined || closed) return;
      if (!gunzip.write(chunk.subarray(i, i + WRITE_SLICE))) await waitFor('drain');
    }
  };

  let stopped = false;
  const feed = async (): Promise<void> => {
    try {
      await write(first);
      if (rest !== undefined) {
        for (;;) {
          if (stopped || zlibError !== undefined || closed) return;
          const r = await rest.next();
          if (r.done === true) break;
          await write(toBuffer(r.value));
        }
      }
      if (stopped || zlibError !== undefined || closed) return;
      // A sync flush first hands out everything decompressible; only then does end() check for a complete
      // stream. Without it, a truncated file loses the output of the final inflate call (up to ~16 KiB of lines).
      await waitFor('flushed');
      if (!stopped && zlibError === undefined && !closed) gunzip.end();
    } catch (e) {
      readError = e;
      hasReadError = true;
      signal();
    }
  };
  const feeding = feed();

  try {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        if (paused && queue.length < QUEUE_HIGH / 2) {
          paused = false;
          gunzip.resume();
        }
        yield next;
        continue;
      }
      if (zlibError !== undefined || ended || hasReadError) break;
      if (closed) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stopped = true;
    if (!ended) gunzip.destroy();
    // Abandoned early or failed: release the input (a Readable is destroyed) so a pending read ends too.
    const release =
      rest?.return !== undefined && (hasReadError || zlibError !== undefined || !ended)
        ? rest.return()
        : undefined;
    await Promise.allSettled([feeding, release]);
  }
  if (hasReadError)
    return { kind: 'read-error', reason: `reading the input failed: ${describeThrown(readError)}` };
  if (zlibError !== undefined) {
    if (zlibError.code === 'Z_BUF_ERROR')
      return {
        kind: 'truncated-gzip',
        reason: `gzip data ends before its end marker (${zlibError.message}); the file may still be being written`,
      };
    return { kind: 'corrupt-gzip', reason: `gzip data is corrupt (${zlibError.message})` };
  }
  if (!ended) return { kind: 'truncated-gzip', reason: 'gzip stream closed before its end' };
  return { kind: 'complete' };
}
