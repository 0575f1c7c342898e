// Byte-level line framing: LF or CRLF terminators, a bounded line size (longer lines are discarded up to the next
// newline, never buffered), exact decompressed byte offsets, and resumption from an offset. Lines are decoded
// from UTF-8 one at a time, so a multi-byte character split across chunks is never broken.
import { Buffer, isUtf8 } from 'node:buffer';

/** Bytes of an over-long line kept for its error excerpt. */
const TOO_LONG_HEAD_BYTES = 800;

/** Receives what the framer finds. */
export interface LineSink {
  /** A non-blank line, decoded, without its terminator. */
  line(text: string, line: number, offset: number, nextOffset: number): void;
  /** A line longer than the limit; `head` is its decoded start (at most a few hundred bytes). */
  tooLong(line: number, offset: number, nextOffset: number, length: number, head: string): void;
  /** The first non-blank line of the stream when it lies before the resume offset (CSV header, format sniffing). */
  head(text: string): void;
}

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  return text.trim() === '';
}

function decode(bytes: Buffer, start: number, end: number, atStreamStart: boolean): string {
  if (end > start && bytes[end - 1] === 0x0d) end--;
  if (
    atStreamStart &&
    end - start >= 3 &&
    bytes[start] === 0xef &&
    bytes[start + 1] === 0xbb &&
    bytes[start + 2] === 0xbf
  )
    start += 3;
  return bytes.toString('utf8', start, end);
}

/** Splits decompressed bytes into lines; see {@link LineSink}. */
export class LineFramer {
  private readonly maxLineBytes: number;
  private readonly skipUntil: number;
  /** Absolute offset of the next byte to arrive. */
  private pos = 0;
  /** Absolute offset where the current (incomplete) line starts. */
  private lineStart: number;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private discarding = false;
  private discardHead: Buffer | undefined;
  private wantHead: boolean;
  private headParts: Buffer[] = [];
  private headLen = 0;
  /** Number of the last line framed. */
  lineNo: number;
  /** Lines framed in this run. */
  lines = 0;
  /** Lines holding bytes that are not UTF-8 (decoded with U+FFFD in their place). */
  invalidUtf8 = 0;
  /** Offset after the last complete line. */
  consumedOffset: number;
  /** Line count at consumedOffset. */
  consumedLines: number;

  constructor(maxLineBytes: number, resume: { offset: number; line: number } | undefined, wantHead: boolean) {
    this.maxLineBytes = maxLineBytes;
    this.skipUntil = resume?.offset ?? 0;
    this.lineStart = this.skipUntil;
    this.lineNo = resume?.line ?? 0;
    this.consumedOffset = this.skipUntil;
    this.consumedLines = this.lineNo;
    this.wantHead = wantHead && this.skipUntil > 0;
  }

  /** Bytes received but not yet part of a complete line. */
  get pendingBytes(): number {
    return this.pos > this.lineStart ? this.pos - this.lineStart : 0;
  }

  /** Frames one chunk of decompressed bytes. */
  push(chunk: Buffer, sink: LineSink): void {
    let i = 0;
    if (this.pos < this.skipUntil) {
      const skip = Math.min(chunk.length, this.skipUntil - this.pos);
      if (this.wantHead) this.scanHead(chunk, skip, sink);
      this.pos += skip;
      if (skip === chunk.length) return;
      i = skip;
    }
    const base = this.pos - i;
    for (;;) {
      const nl = chunk.indexOf(10, i);
      if (nl < 0) {
        this.holdPartial(chunk, i);
        break;
      }
      const next = base + nl + 1;
      this.finishLine(next, next - 1 - this.lineStart, sink, chunk, i, nl);
      i = nl + 1;
    }
    this.pos = base + chunk.length;
  }

  /**
   * Ends the input. A final line without terminator is framed unless `holdTail`; returns true when such a tail
   * was held back.
   */
  end(holdTail: boolean, sink: LineSink): boolean {
    if (this.pos <= this.lineStart) return false;
    if (holdTail) return true;
    this.finishLine(this.pos, this.pos - this.lineStart, sink, undefined, 0, 0);
    return false;
  }

  /**
   * Completes the line from `lineStart` to `next` (the offset after its terminator, if any): its bytes are the
   * carried partial plus `chunk[from, to)` (no chunk for a final tail); `discardedLength` is its length without
   * the terminator, reported when the line was already being discarded as too long. Advances the consumed position.
   */
  private finishLine(
    next: number,
    discardedLength: number,
    sink: LineSink,
    chunk: Buffer | undefined,
    from: number,
    to: number,
  ): void {
    const offset = this.lineStart;
    this.lineNo++;
    this.lines++;
    if (this.discarding) {
      const head = this.discardHead ?? Buffer.alloc(0);
      this.discarding = false;
      this.discardHead = undefined;
      sink.tooLong(this.lineNo, offset, next, discardedLength, head.toString('utf8'));
    } else if (this.carryLen === 0 && chunk !== undefined) {
      this.emit(chunk, from, to, offset, next, sink);
    } else {
      if (chunk !== undefined) this.carry.push(chunk.subarray(from, to));
      const whole = Buffer.concat(this.carry, this.carryLen + to - from);
      this.carry = [];
      this.carryLen = 0;
      this.emit(whole, 0, whole.length, offset, next, sink);
    }
    this.consumedOffset = next;
    this.consumedLines = this.lineNo;
    this.lineStart = next;
  }

  /**
   * Hands on the complete line `buf[start, end)` (its newline excluded; a trailing CR is not content): as a line
   * unless blank, or as too long (with its first bytes) when its content exceeds `maxLineBytes`.
   */
  private emit(buf: Buffer, start: number, end: number, offset: number, next: number, sink: LineSink): void {
    let contentLen = end - start;
    if (contentLen > 0 && buf[end - 1] === 0x0d) contentLen--;
    if (contentLen > this.maxLineBytes) {
      sink.tooLong(
        this.lineNo,
        offset,
        next,
        contentLen,
        decode(buf, start, start + Math.min(contentLen, TOO_LONG_HEAD_BYTES), false),
      );
    } else {
      const text = decode(buf, start, end, offset === 0);
      // U+FFFD in the text is either in the input or stands for bytes that are not UTF-8: only then check.
      if (text.includes('\uFFFD') && !isUtf8(buf.subarray(start, end))) this.invalidUtf8++;
      if (!isBlank(text)) sink.line(text, this.lineNo, offset, next);
    }
  }

  private holdPartial(chunk: Buffer, from: number): void {
    const rest = chunk.length - from;
    if (rest === 0) return;
    if (this.discarding) return;
    if (this.carryLen + rest > this.maxLineBytes + 1) {
      // Over the limit (one byte of slack for a CR before the LF): keep only the head for the error excerpt.
      const parts = [...this.carry, chunk.subarray(from)];
      this.discardHead = Buffer.concat(parts, this.carryLen + rest).subarray(0, TOO_LONG_HEAD_BYTES);
      this.discardHead = Buffer.from(this.discardHead);
      this.carry = [];
      this.carryLen = 0;
      this.discarding = true;
      return;
    }
    // Copy: a caller may reuse its chunk buffer after we return.
    this.carry.push(Buffer.from(chunk.subarray(from)));
    this.carryLen += rest;
  }

  /** Captures the first non-blank line from the skipped (already consumed) region. */
  private scanHead(chunk: Buffer, end: number, sink: LineSink): void {
    let i = 0;
    while (this.wantHead && i < end) {
      const nl = chunk.indexOf(10, i);
      const stop = nl < 0 || nl >= end ? end : nl;
      this.headParts.push(chunk.subarray(i, stop));
      this.headLen += stop - i;
      if (this.headLen > this.maxLineBytes) {
        this.wantHead = false;
        this.headParts = [];
        return;
      }
      if (stop === end && (nl < 0 || nl >= end)) {
        // The line continues past this chunk (or past the resume offset): keep a copy and wait.
        this.headParts = [Buffer.concat(this.headParts, this.headLen)];
        if (this.pos + end >= this.skipUntil) this.finishHead(sink);
        return;
      }
      this.finishHead(sink);
      i = nl + 1;
    }
  }

  private finishHead(sink: LineSink): void {
    const whole = Buffer.concat(this.headParts, this.headLen);
    this.headParts = [];
    this.headLen = 0;
    const text = decode(whole, 0, whole.length, true);
    if (isBlank(text)) return;
    this.wantHead = false;
    sink.head(text);
  }
}
