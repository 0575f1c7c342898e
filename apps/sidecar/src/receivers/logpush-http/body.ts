// Checks a request body as it streams in, without holding it: gzip or plain by magic bytes, decompressed size
// and ratio limits (a gzip bomb is stopped at the limit, in bounded memory), JSON-looking content, and the
// `{"content":"tests"}` upload Logpush sends when a job is created.
import { createGunzip } from 'node:zlib';
import type { Gunzip } from 'node:zlib';

/** A request refused: the HTTP status, a reason label for metrics, and a message for the client. */
export class Refusal extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

/** Limits applied to one body. */
export interface BodyLimits {
  readonly maxDecompressedBytes: number;
  readonly maxRatio: number;
}

/** What a body turned out to be once it was read to its end. */
export interface BodyVerdict {
  readonly gzip: boolean;
  /** Bytes after decompression (the body's size when plain). */
  readonly decompressedBytes: number;
  /** Lines (terminated ones, plus an unterminated last one). */
  readonly lines: number;
  /** The body was Logpush's destination test upload. */
  readonly validation: boolean;
  /** The decompressed content ends with a line terminator. */
  readonly endsWithNewline: boolean;
}

const VALIDATION = '{"content":"tests"}';
/** The ratio limit applies once this much was decompressed (small bodies compress well by nature). */
const RATIO_FLOOR = 1024 * 1024;
/** Compressed input is fed to the decompressor in slices this big, so one slice can only inflate so far. */
const SLICE = 4096;

/** Feed the body with `push` (in order, awaiting each), then call `end`; both throw a {@link Refusal}. */
export class BodyCheck {
  readonly #limits: BodyLimits;
  #gzip: boolean | undefined;
  #head = Buffer.alloc(0);
  #gunzip: Gunzip | undefined;
  #failure: Error | undefined;
  #compressed = 0;
  #decompressed = 0;
  #newlines = 0;
  #firstByte: number | undefined;
  #lastByte = -1;
  #prefix = '';

  constructor(limits: BodyLimits) {
    this.#limits = limits;
  }

  /** Compressed (wire) bytes seen so far. */
  get compressedBytes(): number {
    return this.#compressed;
  }

  async push(chunk: Buffer): Promise<void> {
    this.#throwIfFailed();
    this.#compressed += chunk.length;
    if (this.#gzip === undefined) {
      this.#head = Buffer.concat([this.#head, chunk]);
      if (this.#head.length < 2) return;
      this.#gzip = this.#head[0] === 0x1f && this.#head[1] === 0x8b;
      chunk = this.#head;
      this.#head = Buffer.alloc(0);
      if (this.#gzip) this.#startGunzip();
    }
    if (!this.#gzip) {
      this.#inspect(chunk);
      this.#throwIfFailed();
      return;
    }
    const gz = this.#gunzip as Gunzip;
    for (let at = 0; at < chunk.length; at += SLICE) {
      const ok = gz.write(chunk.subarray(at, at + SLICE));
      if (!ok) await this.#drained(gz);
      this.#throwIfFailed();
    }
  }

  async end(): Promise<BodyVerdict> {
    this.#throwIfFailed();
    if (this.#gzip === undefined) {
      // Zero or one byte: plain.
      this.#gzip = false;
      this.#inspect(this.#head);
    }
    if (this.#gzip) {
      const gz = this.#gunzip as Gunzip;
      await new Promise<void>((resolve) => {
        gz.once('end', resolve);
        gz.once('close', resolve);
        gz.end();
      });
    }
    this.#throwIfFailed();
    if (this.#decompressed === 0 || this.#firstByte === undefined)
      throw new Refusal(400, 'empty-body', 'the body is empty: expected gzip-compressed NDJSON');
    return {
      gzip: this.#gzip,
      decompressedBytes: this.#decompressed,
      lines: this.#newlines + (this.#lastByte === 0x0a ? 0 : 1),
      validation: this.#prefix.trim() === VALIDATION,
      endsWithNewline: this.#lastByte === 0x0a,
    };
  }

  /** Stops decompressing (the request failed elsewhere). */
  abort(): void {
    this.#gunzip?.destroy();
  }

  #startGunzip(): void {
    const gz = createGunzip({ chunkSize: 16 * 1024 });
    this.#gunzip = gz;
    gz.on('data', (out: Buffer) => {
      if (this.#failure !== undefined) return;
      this.#inspect(out);
      if (this.#failure !== undefined) gz.destroy();
    });
    gz.on('error', (error: Error) => {
      this.#failure ??= new Refusal(
        400,
        'invalid-gzip',
        `the body is not a valid gzip stream: ${error.message}`,
      );
    });
  }

  #drained(gz: Gunzip): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        gz.off('drain', done);
        gz.off('close', done);
        resolve();
      };
      gz.on('drain', done);
      gz.on('close', done);
    });
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #fail(refusal: Refusal): void {
    this.#failure ??= refusal;
  }

  /** Looks at decompressed bytes: size, ratio, first byte, line count, the validation upload. */
  #inspect(out: Buffer): void {
    if (out.length === 0) return;
    this.#decompressed += out.length;
    if (this.#decompressed > this.#limits.maxDecompressedBytes) {
      this.#fail(
        new Refusal(
          413,
          'decompressed-too-large',
          `the body decompresses to more than max_decompressed_bytes (${this.#limits.maxDecompressedBytes} bytes)`,
        ),
      );
      return;
    }
    if (
      this.#gzip === true &&
      this.#decompressed > RATIO_FLOOR &&
      this.#decompressed > this.#limits.maxRatio * Math.max(1, this.#compressed)
    ) {
      this.#fail(
        new Refusal(
          413,
          'decompression-ratio',
          `the body decompresses more than ${this.#limits.maxRatio} times its compressed size (max_decompression_ratio)`,
        ),
      );
      return;
    }
    if (this.#prefix.length < 64) this.#prefix += out.subarray(0, 64).toString('latin1');
    if (this.#firstByte === undefined) {
      for (const b of out) {
        if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) continue;
        this.#firstByte = b;
        if (b !== 0x7b && b !== 0x5b) {
          const what = this.#gzip === true ? 'decompressed body' : 'body (not gzip either)';
          this.#fail(
            new Refusal(
              400,
              'not-json',
              `the ${what} does not start with '{' or '[': expected gzip-compressed NDJSON (or JSON)`,
            ),
          );
          return;
        }
        break;
      }
    }
    for (let at = out.indexOf(0x0a); at !== -1; at = out.indexOf(0x0a, at + 1)) this.#newlines++;
    this.#lastByte = out[out.length - 1] as number;
  }
}
