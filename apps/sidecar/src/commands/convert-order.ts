// Keeps the output of `convert` in the order of its input files while workers convert later files side by side.
// A file's chunks are written as they come once every earlier file is written (the file is at the head). Before
// that they are kept: in memory up to a byte budget per file, then appended to a spill file of that file (an
// anonymous temporary file where the platform allows it), and acknowledged at once, so a worker on a later file
// never waits for the writer: it waits only for the disk. Once the file reaches the head, what was kept is
// written first (memory, then the spill file, in arrival order), then the rest as it comes. Memory stays bounded
// by the budget per file being converted; the disk holds what a later file produced ahead of the writer.
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConvertChunk } from './convert-input.ts';

/** What a kept chunk was, without its bytes when they went to the spill file. */
interface Kept {
  readonly chunk: ConvertChunk;
  /** Where its payload is in the spill file (undefined: in memory, in `chunk`). */
  readonly at: number | undefined;
  readonly length: number;
}

/** The payload of a chunk as bytes (output bytes, or the text as UTF-8). */
function payloadOf(chunk: ConvertChunk): Uint8Array {
  return chunk.kind === 'output' ? chunk.bytes : Buffer.from(chunk.text, 'utf8');
}

/** `chunk` with its payload read back from the spill file. */
function withPayload(chunk: ConvertChunk, payload: Buffer): ConvertChunk {
  if (chunk.kind === 'output') return { ...chunk, bytes: payload };
  return { ...chunk, text: payload.toString('utf8') };
}

/** A placeholder of `chunk` without its payload (kept in memory while the payload is on disk). */
function withoutPayload(chunk: ConvertChunk): ConvertChunk {
  if (chunk.kind === 'output') return { ...chunk, bytes: new Uint8Array(0) };
  return { ...chunk, text: '' };
}

/**
 * The output lane of one input file. {@link OrderedLane.handle} takes the file's chunks in order (one at a time:
 * the next call waits for the previous one); {@link OrderedLane.release} says every earlier file is written.
 * {@link OrderedLane.finish} resolves once everything kept was written (after the file's last chunk).
 */
export class OrderedLane {
  readonly #write: (chunk: ConvertChunk) => Promise<void>;
  readonly #memoryBudget: number;
  /** Operations in order: chunks handled and the drain at release. */
  #lane: Promise<void> = Promise.resolve();
  #atHead = false;
  #kept: Kept[] = [];
  #inMemory = 0;
  #spill: { handle: FileHandle; dir: string | undefined; size: number } | undefined;

  /** `write` writes a chunk to the output (in order); up to `memoryBudget` bytes are kept in memory. */
  constructor(write: (chunk: ConvertChunk) => Promise<void>, memoryBudget: number) {
    this.#write = write;
    this.#memoryBudget = memoryBudget;
  }

  /** Bytes of this file's chunks in the spill file so far. */
  get spilled(): number {
    return this.#spill?.size ?? 0;
  }

  /** Takes the file's next chunk: written now at the head, kept otherwise. Resolves once it is written or kept. */
  handle(chunk: ConvertChunk): Promise<void> {
    const step = this.#lane.then(() => (this.#atHead ? this.#write(chunk) : this.#keep(chunk)));
    this.#lane = step.catch(() => undefined);
    return step;
  }

  /** Every earlier file is written: writes what was kept; later chunks are written as they come. */
  release(): Promise<void> {
    const step = this.#lane.then(() => this.#drain());
    this.#lane = step.catch(() => undefined);
    return step;
  }

  /** Frees the spill file (also after a failure). */
  async close(): Promise<void> {
    await this.#lane;
    await this.#closeSpill();
  }

  async #keep(chunk: ConvertChunk): Promise<void> {
    const payload = payloadOf(chunk);
    if (this.#spill === undefined && this.#inMemory + payload.byteLength <= this.#memoryBudget) {
      this.#kept.push({ chunk, at: undefined, length: payload.byteLength });
      this.#inMemory += payload.byteLength;
      return;
    }
    // Once anything is on disk, every later chunk goes there too: the order of `#kept` is the output order.
    try {
      const spill = this.#spill ?? (this.#spill = await openSpill());
      const at = spill.size;
      let done = 0;
      while (done < payload.byteLength) {
        const { bytesWritten } = await spill.handle.write(
          payload,
          done,
          payload.byteLength - done,
          at + done,
        );
        done += bytesWritten;
      }
      spill.size += payload.byteLength;
      this.#kept.push({ chunk: withoutPayload(chunk), at, length: payload.byteLength });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `could not keep output ahead of the file being written in a temporary file (${tmpdir()}): ${message}`,
        { cause: error },
      );
    }
  }

  async #drain(): Promise<void> {
    const kept = this.#kept;
    const spill = this.#spill;
    this.#kept = [];
    for (const k of kept) {
      if (k.at === undefined) {
        this.#inMemory -= k.length;
        await this.#write(k.chunk);
        continue;
      }
      const payload = Buffer.allocUnsafe(k.length);
      let done = 0;
      while (done < k.length) {
        if (spill === undefined) throw new Error('the spill file of convert is gone');
        const { bytesRead } = await spill.handle.read(payload, done, k.length - done, k.at + done);
        if (bytesRead === 0) throw new Error('the spill file of convert ended early');
        done += bytesRead;
      }
      await this.#write(withPayload(k.chunk, payload));
    }
    this.#atHead = true;
    await this.#closeSpill();
  }

  async #closeSpill(): Promise<void> {
    const spill = this.#spill;
    this.#spill = undefined;
    if (spill === undefined) return;
    await spill.handle.close().catch(() => undefined);
    if (spill.dir !== undefined) await rm(spill.dir, { recursive: true, force: true });
  }
}

/**
 * A new spill file in the system's temporary directory, readable only by this user. Where the platform allows
 * it the file is unlinked at once, so nothing is left behind even when the process is killed.
 */
async function openSpill(): Promise<{ handle: FileHandle; dir: string | undefined; size: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'logpush-otel-convert-'));
  const handle = await open(join(dir, 'spill'), 'w+', 0o600);
  try {
    await rm(dir, { recursive: true });
    return { handle, dir: undefined, size: 0 };
  } catch {
    return { handle, dir, size: 0 };
  }
}
