// Incremental inflate of a gzip file that grows: the inflate state is kept between passes, so each pass
// decompresses only the bytes appended since the last one, instead of the whole stream again. Members are framed
// here (header, raw deflate data, CRC-32 and size trailer), so the end of each member is known exactly: a stream
// that ends at a member boundary is complete, anything else is still being written.
import { Buffer } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { constants, crc32, createInflateRaw } from 'node:zlib';
import type { InflateRaw } from 'node:zlib';

/** How the compressed bytes available so far end. */
export type GzipEnd =
  | { readonly kind: 'complete' }
  | { readonly kind: 'truncated'; readonly reason: string }
  | { readonly kind: 'corrupt'; readonly reason: string };

const READ_CHUNK = 1 << 18;
const INFLATE_CHUNK = 1 << 17;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** Length of the gzip member header at the start of `b`; undefined when more bytes are needed; -1 if not gzip. */
function headerLength(b: Buffer): number | undefined {
  if (b.length >= 1 && b[0] !== 0x1f) return -1;
  if (b.length >= 2 && b[1] !== 0x8b) return -1;
  if (b.length >= 3 && b[2] !== 8) return -1;
  if (b.length < 10) return undefined;
  const flags = b[3] ?? 0;
  let n = 10;
  if ((flags & FEXTRA) !== 0) {
    if (b.length < n + 2) return undefined;
    n += 2 + b.readUInt16LE(n);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if ((flags & flag) === 0) continue;
    const zero = b.indexOf(0, n);
    if (zero < 0) return undefined;
    n = zero + 1;
  }
  if ((flags & FHCRC) !== 0) n += 2;
  return b.length >= n ? n : undefined;
}

/** One member's raw deflate data being inflated. */
interface Member {
  readonly inflate: InflateRaw;
  crc: number;
  size: number;
  out: Buffer[];
  ended: boolean;
  error: Error | undefined;
}

function openMember(): Member {
  const inflate = createInflateRaw({ chunkSize: INFLATE_CHUNK });
  const member: Member = { inflate, crc: 0, size: 0, out: [], ended: false, error: undefined };
  inflate.on('data', (d: Buffer) => member.out.push(d));
  inflate.on('end', () => (member.ended = true));
  inflate.on('error', (e: Error) => (member.error = e));
  return member;
}

/**
 * The inflate state of one gzip file between passes. `read` continues from where the last call stopped; the
 * decompressed bytes after the last newline are kept (`held`), so a pass can start at the end of the last
 * complete line. Not usable once a call was abandoned or failed: then start a new cursor.
 */
export class GzipCursor {
  /** Compressed bytes read from the file so far. */
  #readPos = 0;
  /** Compressed bytes read and not consumed yet (a partial header or trailer). */
  #pending: Buffer = Buffer.alloc(0);
  #member: Member | undefined;
  #phase: 'header' | 'data' | 'trailer' | 'padding' = 'header';
  /** A member ended (so the stream may be complete). */
  #members = 0;
  /** Decompressed bytes produced so far. */
  #produced = 0;
  /** Decompressed bytes after the last newline, ending at `#produced`. */
  #held: Buffer = Buffer.alloc(0);
  #usable = true;
  /** Compressed bytes fed to inflate over the cursor's life (inflate work). */
  inflated = 0;
  /** How the last `read` ended. */
  end: GzipEnd | undefined;

  /** Whether a pass starting at decompressed offset `offset` can continue with this cursor. */
  canStartAt(offset: number): boolean {
    if (!this.#usable) return false;
    if (this.#readPos === 0) return offset >= 0; // a new cursor decompresses from the start and skips
    return offset >= this.#produced - this.#held.length && offset <= this.#produced;
  }

  /**
   * Reads the compressed bytes of `handle` from where the last call stopped up to `size`, and yields the
   * decompressed bytes from offset `from` on, up to the last newline (the rest follows once the stream is
   * complete, or with the next call). `end` says how the stream ended. Throws on read errors.
   */
  async *read(handle: FileHandle, size: number, from: number): AsyncGenerator<Buffer, void> {
    if (!this.canStartAt(from)) throw new Error(`gzip cursor cannot start at ${from}`);
    this.#usable = false; // until this call completes
    this.end = undefined;
    let skip = from - (this.#produced - this.#held.length);
    let carry = this.#held;
    const emit = (pieces: Buffer[]): Buffer | undefined => {
      // Everything up to the last newline goes out; the rest waits (the stream may not be complete yet).
      const all =
        carry.length > 0 || pieces.length !== 1 ? Buffer.concat([carry, ...pieces]) : (pieces[0] ?? carry);
      const newline = all.lastIndexOf(10);
      carry = newline < 0 ? all : Buffer.from(all.subarray(newline + 1));
      if (newline < 0) return undefined;
      let out = all.subarray(0, newline + 1);
      if (skip > 0) {
        const n = Math.min(skip, out.length);
        out = out.subarray(n);
        skip -= n;
      }
      return out.length > 0 ? out : undefined;
    };
    const chunk = Buffer.alloc(READ_CHUNK);
    for (;;) {
      const want = Math.min(READ_CHUNK, size - this.#readPos);
      if (want <= 0) break;
      const { bytesRead } = await handle.read(chunk, 0, want, this.#readPos);
      if (bytesRead === 0) break;
      this.#readPos += bytesRead;
      const produced = await this.#consume(Buffer.concat([this.#pending, chunk.subarray(0, bytesRead)]));
      if (produced.length > 0) {
        const out = emit(produced);
        if (out !== undefined) yield out;
      }
      if (this.end !== undefined) break; // corrupt
    }
    this.end ??= this.#endOfInput();
    if (this.end.kind === 'complete' && carry.length > 0) {
      // A complete stream whose last line has no newline: hand it out too (the parser decides to hold it).
      const out = skip > 0 ? carry.subarray(Math.min(skip, carry.length)) : carry;
      if (out.length > 0) yield out;
    }
    this.#held = carry;
    this.#usable = this.end.kind !== 'corrupt';
  }

  /** Frees the inflate state. */
  close(): void {
    this.#usable = false;
    this.#member?.inflate.destroy();
    this.#member = undefined;
  }

  /** Feeds `bytes` (pending bytes first) through the member framing; returns the decompressed output. */
  async #consume(bytes: Buffer): Promise<Buffer[]> {
    const out: Buffer[] = [];
    let i = 0;
    this.#pending = Buffer.alloc(0);
    while (i < bytes.length && this.end === undefined) {
      const rest = bytes.subarray(i);
      if (this.#phase === 'padding') return out; // zero padding after the last member is ignored
      if (this.#phase === 'header') {
        if (this.#members > 0 && rest[0] === 0) {
          this.#phase = 'padding';
          return out;
        }
        const n = headerLength(rest);
        if (n === undefined) {
          this.#pending = Buffer.from(rest);
          return out;
        }
        if (n < 0) {
          this.end = { kind: 'corrupt', reason: 'gzip data is corrupt (incorrect header check)' };
          return out;
        }
        i += n;
        this.#member = openMember();
        this.#phase = 'data';
      } else if (this.#phase === 'data') {
        const m = this.#member as Member;
        const before = m.inflate.bytesWritten;
        await this.#inflate(m, rest);
        for (const d of m.out) {
          m.crc = crc32(d, m.crc);
          m.size += d.length;
          this.#produced += d.length;
          out.push(d);
        }
        m.out = [];
        if (m.error !== undefined) {
          this.end = { kind: 'corrupt', reason: `gzip data is corrupt (${m.error.message})` };
          return out;
        }
        if (!m.ended) return out; // all of `rest` is deflate data so far
        i += m.inflate.bytesWritten - before;
        m.inflate.destroy();
        this.#phase = 'trailer';
      } else {
        if (rest.length < 8) {
          this.#pending = Buffer.from(rest);
          return out;
        }
        const m = this.#member as Member;
        if (rest.readUInt32LE(0) !== m.crc >>> 0 || rest.readUInt32LE(4) !== m.size % 2 ** 32) {
          this.end = { kind: 'corrupt', reason: 'gzip data is corrupt (incorrect data check)' };
          return out;
        }
        i += 8;
        this.#member = undefined;
        this.#members++;
        this.#phase = 'header';
      }
    }
    return out;
  }

  /** Writes `bytes` to the member's inflate and waits until everything decompressible came out. */
  async #inflate(m: Member, bytes: Buffer): Promise<void> {
    this.inflated += bytes.length;
    await new Promise<void>((resolve) => {
      // A zlib error destroys the stream: its flush callback may then never run.
      const done = (): void => {
        m.inflate.off('error', done);
        m.inflate.off('close', done);
        resolve();
      };
      m.inflate.on('error', done);
      m.inflate.on('close', done);
      m.inflate.write(bytes);
      m.inflate.flush(constants.Z_SYNC_FLUSH, done);
    });
    // 'end' and the last 'data' events may follow the flush callback by a tick.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  #endOfInput(): GzipEnd {
    if (
      this.#phase === 'padding' ||
      (this.#phase === 'header' && this.#members > 0 && this.#pending.length === 0)
    )
      return { kind: 'complete' };
    return {
      kind: 'truncated',
      reason: 'gzip data ends before its end marker; the file may still be being written',
    };
  }
}
