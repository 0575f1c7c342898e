// One pass over one file: open it, check it is still the file that was found, detect gzip and format from its
// first bytes, seek (plain NDJSON) or resume (everything else) at the starting position, read it in chunks and
// parse it into batches, each with the position it ends at. It takes plain values and yields plain values and
// knows nothing of the receiver, so it can run in a worker thread.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { detectInput, parseBatches } from '@logpush-otel/parser';
import type { ParseError, ParseFormat, ParseOk, ParseOptions, ParseSummary } from '@logpush-otel/parser';
import type { StreamPosition } from '../../checkpoint/ack-tracker.ts';
import { GzipCursor } from './gzip-cursor.ts';

/** The file to read: its path and the identity it was found with. */
export interface FileDescription {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

/** How to parse. */
export interface PassOptions {
  readonly format: ParseFormat;
  /** Dataset id or alias, or `auto`. */
  readonly dataset: string;
  /** With `auto`: the dataset found earlier in this file, tried first (a record that does not fit is detected). */
  readonly datasetHint?: string;
  /** CSV column names when the file has no header line (empty: read the header). */
  readonly fieldNames: readonly string[];
  readonly maxLineBytes: number;
  /** A batch is complete once it holds this many records, or this many rejected lines. */
  readonly batchSize: number;
  /** Read a final line without terminator too (otherwise it is held back: the file may still be written). */
  readonly flushTail: boolean;
}

/** Records and rejected lines read in order; `end` is where the next pass would start after them. */
export interface PassBatch {
  /** Lines and offsets of `records` and `errors` count from here. */
  readonly base: StreamPosition;
  readonly records: ParseOk[];
  readonly errors: ParseError[];
  readonly end: StreamPosition;
  /** Decompressed bytes the batch covers. */
  readonly bytes: number;
}

/**
 * The inflate state of a growing gzip file, kept by the caller between passes (a worker thread would keep it per
 * file). Given to a pass over a gzip NDJSON file, the pass continues decompressing where the last one stopped
 * instead of from the start; the pass replaces `cursor` (undefined when it cannot be continued).
 */
export interface GzipResume {
  cursor: GzipCursor | undefined;
}

/** How a pass ended. */
export type PassEnd =
  /** No file at the path any more. */
  | { readonly kind: 'gone' }
  /** Another file (inode) is at the path now. */
  | { readonly kind: 'replaced' }
  /** The file is empty. */
  | { readonly kind: 'empty' }
  | {
      readonly kind: 'read';
      /** Size of the file when the pass opened it. */
      readonly size: number;
      readonly gzip: boolean;
      /** The stream ended complete: every line terminated (or flushed), or the gzip trailer read. */
      readonly complete: boolean;
      /** A stream-level problem: truncated or corrupt gzip, or a read error. */
      readonly streamError: ParseError | undefined;
      /** What the parser counted over the pass. */
      readonly summary: ParseSummary;
      /** The reason of the first line the pass rejected, if any. */
      readonly firstReason: string | undefined;
    };

const STREAM_ERRORS = new Set(['truncated-gzip', 'corrupt-gzip', 'read-error']);
/** Bytes read per chunk. */
const READ_CHUNK = 1 << 18;

/**
 * Reads `file` from `start` (a position the parse already covered: decompressed offset and lines) and yields
 * batches in order; returns how the pass ended. Stopping early (`return()`) closes the file. Throws for a file
 * that cannot be opened or read (other than a missing one).
 */
export async function* readFilePass(
  file: FileDescription,
  start: StreamPosition,
  options: PassOptions,
  resume?: GzipResume,
): AsyncGenerator<PassBatch, PassEnd> {
  let handle: FileHandle;
  try {
    handle = await open(file.path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  try {
    const st = await handle.stat();
    if (st.ino !== file.ino || st.dev !== file.dev) return { kind: 'replaced' };
    const size = st.size;
    if (size === 0) return { kind: 'empty' };
    const head = Buffer.alloc(1024); // enough for the first line of a gzip stream, past its block header
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const input = detectInput(head.subarray(0, bytesRead));
    const format = options.format === 'auto' ? input.format : options.format;
    // Plain NDJSON: seek to the starting offset instead of reading the file again from its start. Gzip NDJSON
    // with an inflate state from an earlier pass: decompress only what was appended.
    let cursor: GzipCursor | undefined;
    // (A file continued with an inflate state was found to be NDJSON by the pass that started it.)
    const ndjson = format === 'ndjson' || (options.format === 'auto' && resume?.cursor !== undefined);
    if (resume !== undefined && input.gzip && ndjson) {
      cursor = resume.cursor?.canStartAt(start.offset) === true ? resume.cursor : new GzipCursor();
      if (cursor !== resume.cursor) resume.cursor?.close();
      resume.cursor = undefined; // given back once this pass completes
    }
    const seek = (!input.gzip || cursor !== undefined) && format === 'ndjson' && start.offset > 0;
    const base: StreamPosition = seek ? start : { offset: 0, line: 0 };
    const parseOptions: ParseOptions = {
      source: file.path,
      dataset: options.dataset,
      ...(options.datasetHint === undefined ? {} : { datasetHint: options.datasetHint }),
      format: seek || cursor !== undefined ? 'ndjson' : options.format,
      maxLineBytes: options.maxLineBytes,
      holdIncompleteTail: !options.flushTail,
    };
    if (options.fieldNames.length > 0) parseOptions.fieldNames = options.fieldNames;
    if (!seek && start.offset > 0) parseOptions.resumeFrom = { offset: start.offset, line: start.line };
    const stream =
      cursor === undefined
        ? handle.createReadStream({
            start: seek ? start.offset : 0,
            highWaterMark: READ_CHUNK,
            autoClose: false,
          })
        : undefined;
    const parsed = parseBatches(
      stream ?? (cursor as GzipCursor).read(handle, size, start.offset),
      parseOptions,
    );
    let finished = false;
    try {
      let records: ParseOk[] = [];
      let errors: ParseError[] = [];
      let bytes = 0;
      let end = start;
      let yielded = start;
      let streamError: ParseError | undefined;
      let firstReason: string | undefined;
      let summary: ParseSummary;
      for (;;) {
        const step = await parsed.next();
        if (step.done === true) {
          summary = step.value;
          finished = true;
          break;
        }
        for (const r of step.value) {
          if (r.ok) {
            records.push(r);
            bytes += r.nextOffset - r.offset;
            end = { offset: base.offset + r.nextOffset, line: base.line + r.line };
          } else if (STREAM_ERRORS.has(r.error.code)) {
            streamError = r.error;
            continue;
          } else {
            errors.push(r.error);
            firstReason ??= r.error.reason;
            bytes += r.error.nextOffset - r.error.offset;
            end = { offset: base.offset + r.error.nextOffset, line: base.line + r.error.line };
          }
          if (records.length >= options.batchSize || errors.length >= options.batchSize) {
            yield { base, records, errors, end, bytes };
            yielded = end;
            records = [];
            errors = [];
            bytes = 0;
          }
        }
      }
      // Everything the parser consumed (blank lines and a trailing terminator included).
      const consumed: StreamPosition = {
        offset: base.offset + summary.consumedOffset,
        line: base.line + summary.consumedLines,
      };
      if (consumed.offset > end.offset) end = consumed;
      if (records.length > 0 || errors.length > 0 || end.offset > yielded.offset) {
        yield { base, records, errors, end, bytes };
      }
      if (cursor !== undefined) {
        // The parser saw plain bytes: how the gzip stream ended is the cursor's to say.
        const gz = cursor.end ?? { kind: 'corrupt', reason: 'gzip stream not read to its end' };
        if (gz.kind !== 'complete') streamError = streamEnd(file.path, gz, consumed, gz.kind);
        if (gz.kind === 'corrupt') cursor.close();
        else if (resume !== undefined) resume.cursor = cursor;
        return {
          kind: 'read',
          size,
          gzip: true,
          complete: gz.kind === 'complete' && summary.complete,
          streamError,
          summary,
          firstReason,
        };
      }
      return {
        kind: 'read',
        size,
        gzip: input.gzip,
        complete: summary.complete,
        streamError,
        summary,
        firstReason,
      };
    } finally {
      if (!finished) {
        await parsed.return(undefined as unknown as ParseSummary);
        cursor?.close();
      }
      stream?.destroy();
    }
  } finally {
    await handle.close();
  }
}

/** The stream-level error of a gzip stream that ended `kind`, at the position the parse reached. */
function streamEnd(
  source: string,
  gz: { reason: string },
  at: StreamPosition,
  kind: 'truncated' | 'corrupt',
): ParseError {
  const code = kind === 'truncated' ? 'truncated-gzip' : 'corrupt-gzip';
  return {
    code,
    reason: gz.reason,
    source,
    line: at.line + 1,
    offset: at.offset,
    nextOffset: at.offset,
    excerpt: '',
    raw: '',
    message: `${source}:${at.line + 1} (byte ${at.offset}): ${gz.reason}`,
  };
}

/**
 * The end of the last complete line among the first `size` bytes of a plain file, and the lines before it
 * (where `start_at: end` starts reading).
 */
export async function endOfLastLine(path: string, size: number): Promise<StreamPosition> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 16);
    let position = 0;
    let lines = 0;
    let lastNewlineEnd = 0;
    while (position < size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
      if (bytesRead === 0) break;
      let i = buffer.indexOf(10, 0);
      while (i >= 0 && i < bytesRead) {
        lines++;
        lastNewlineEnd = position + i + 1;
        i = buffer.indexOf(10, i + 1);
      }
      position += bytesRead;
    }
    return { offset: lastNewlineEnd, line: lines };
  } finally {
    await handle.close();
  }
}
