// One read pass over one object of the `logpush_s3` receiver: download it from the acknowledged position on
// (a ranged GET for plain NDJSON; for gzip, from the start with the parser skipping what was already
// delivered), parse it as a stream, and hand records on in units of `batch_size`, each holding one slot of the
// receiver's in-flight bound. The pass never holds more than one unit and the parser's buffers in memory.
import { parseBatches } from '@logpush-otel/parser';
import type { ParseError, ParseOptions, ParseSummary } from '@logpush-otel/parser';
import type { DeadLetter, LogEntry } from '@logpush-otel/pipeline';
import { AckTracker } from '../../checkpoint/index.ts';
import type { FileCheckpoint, StreamPosition } from '../../checkpoint/index.ts';
import { deadLetterOf, logEntryOf } from '../../log-entry.ts';
import type { Slots } from '../logpush-file/slots.ts';
import type { LogpushS3ReceiverConfig } from './config.ts';
import type { ListedObject, ObjectStore } from './object-store.ts';

/** An object the receiver is reading (or waiting to finish). The checkpoint holds the acknowledged position. */
export interface ObjectState {
  readonly key: string;
  etag: string;
  size: number;
  lastModified: number;
  cp: FileCheckpoint;
  tracker: AckTracker;
  /** Where the next pass starts: the end of the last unit handed on. */
  read: StreamPosition;
  /** Bumped when the object is read again from the start: work of older generations is ignored. */
  generation: number;
  active: boolean;
  inFlight: number;
  /** The last pass read the whole object. */
  complete: boolean;
  /** A unit of the current generation was rejected, or a read failed: re-read from the checkpoint once settled. */
  failed: boolean;
  failures: number;
  retryAt: number;
  /** delete/tag running after the object was finished. */
  finishing: boolean;
}

/** A new state for a listed object, from its checkpoint (`cp`, possibly fresh). */
export function newObjectState(o: ListedObject, cp: FileCheckpoint): ObjectState {
  const read = { offset: cp.offset, line: cp.line };
  return {
    key: o.key,
    etag: o.etag,
    size: o.size,
    lastModified: o.lastModified,
    cp,
    tracker: new AckTracker(read),
    read,
    generation: 0,
    active: false,
    inFlight: 0,
    complete: false,
    failed: false,
    failures: 0,
    retryAt: 0,
    finishing: false,
  };
}

/** Records and dead letters handed on together. */
export interface Unit {
  entries: LogEntry[];
  letters: DeadLetter[];
}

/** What a pass needs from the receiver. */
export interface PassContext {
  readonly store: ObjectStore;
  readonly config: LogpushS3ReceiverConfig;
  readonly component: string;
  readonly slots: Slots;
  /** Aborted when the receiver shuts down. */
  readonly signal: AbortSignal;
  /** Hands a unit on with a slot the pass acquired; false when reading must stop. */
  dispatch(obj: ObjectState, generation: number, unit: Unit, end: StreamPosition): Promise<boolean>;
  countBytes(bytes: number): void;
}

/** How a pass ended. */
export type PassEnd =
  | { kind: 'complete' }
  | { kind: 'stopped' }
  /** The object's bytes are damaged (corrupt or short gzip, every byte received): dead-letter the rest. */
  | { kind: 'damaged'; error: ParseError };

const STREAM_ERRORS = new Set(['truncated-gzip', 'corrupt-gzip', 'read-error']);

/**
 * What an object's first bytes say: gzip (the 1f 8b magic), and whether the first non-blank byte is `{` (NDJSON).
 * Only used to decide whether a resume can use a ranged GET; the parser detects the input itself.
 */
function headKind(head: Uint8Array): { gzip: boolean; ndjson: boolean } {
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const first = head.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  return { gzip, ndjson: !gzip && first === 0x7b };
}

/** The body's chunks, counting the bytes received. */
async function* counted(
  body: AsyncIterable<Uint8Array>,
  total: { bytes: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    total.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Reads `obj` from `obj.read` to its end. Throws on a failed request or an interrupted download (the caller
 * classifies the error and retries from the checkpoint).
 */
export async function readObjectPass(ctx: PassContext, obj: ObjectState): Promise<PassEnd> {
  const { config, store } = ctx;
  const generation = obj.generation;
  const start = obj.read;
  const source = store.uri(obj.key);
  // Resume a plain NDJSON object with a ranged GET; anything else is read from the start and skipped forward.
  let seek = false;
  if (start.offset > 0 && config.format !== 'csv' && config.format !== 'json-array') {
    const head = await store.head(obj.key, obj.etag, 64);
    const kind = headKind(head);
    seek = !kind.gzip && (config.format === 'ndjson' || kind.ndjson);
  }
  const base: StreamPosition = seek ? start : { offset: 0, line: 0 };
  const options: ParseOptions = {
    source,
    dataset: config.dataset === 'auto' ? (obj.cp.dataset ?? 'auto') : config.dataset,
    format: seek ? 'ndjson' : config.format,
    maxLineBytes: config.max_line_bytes,
  };
  if (config.field_names.length > 0) options.fieldNames = config.field_names;
  if (!seek && start.offset > 0) options.resumeFrom = { offset: start.offset, line: start.line };

  // Aborted on shutdown (ctx.signal) or when the pass stops early; either ends the download.
  const abort = new AbortController();
  const received = { bytes: 0 };
  const download = await store.get(
    obj.key,
    obj.etag,
    seek ? start.offset : 0,
    AbortSignal.any([ctx.signal, abort.signal]),
  );
  const expected = seek ? obj.size - start.offset : obj.size;
  const parsed = parseBatches(counted(download.body, received), options);
  const slot = { held: false };
  let unit: Unit = { entries: [], letters: [] };
  let end = start;
  let streamError: ParseError | undefined;
  let summary: ParseSummary | undefined;
  let stopped = false;
  const attributes: LogEntry['attributes'] = config.include_object_key
    ? { 'aws.s3.bucket': store.bucket, 'aws.s3.key': obj.key }
    : {};
  try {
    for (;;) {
      const step = await parsed.next();
      if (step.done) {
        summary = step.value;
        break;
      }
      const observed = BigInt(Date.now()) * 1_000_000n;
      let bytes = 0;
      for (const r of step.value) {
        // A unit is filled only while holding a slot, so objects waiting for one hold no parsed records.
        if (!slot.held) {
          if (!(await ctx.slots.acquire())) {
            stopped = true;
            break;
          }
          slot.held = true;
        }
        if (r.ok) {
          unit.entries.push(logEntryOf(r, source, observed, base, { ...attributes }));
          if (obj.cp.dataset === undefined && r.dataset !== 'unknown' && config.dataset === 'auto') {
            obj.cp.dataset = r.dataset;
          }
          bytes += r.nextOffset - r.offset;
          end = { offset: base.offset + r.nextOffset, line: base.line + r.line };
        } else if (STREAM_ERRORS.has(r.error.code)) {
          streamError = r.error;
        } else {
          const e = r.error;
          unit.letters.push({ ...deadLetterOf(e, ctx.component, base), source });
          bytes += e.nextOffset - e.offset;
          end = { offset: base.offset + e.nextOffset, line: base.line + e.line };
        }
        if (unit.entries.length >= config.batch_size || unit.letters.length >= config.batch_size) {
          slot.held = false; // handed to dispatch
          if (!(await ctx.dispatch(obj, generation, unit, end))) {
            stopped = true;
            break;
          }
          unit = { entries: [], letters: [] };
        }
      }
      ctx.countBytes(bytes);
      if (stopped) break;
    }
  } finally {
    if (stopped || summary === undefined) {
      await parsed.return(undefined as unknown as ParseSummary).catch(() => undefined);
      abort.abort();
    }
    download.body.destroy();
    if (slot.held && (stopped || summary === undefined || streamError !== undefined)) {
      slot.held = false;
      ctx.slots.release();
    }
  }
  if (stopped || summary === undefined) return { kind: 'stopped' };
  if (streamError !== undefined && (streamError.code === 'read-error' || received.bytes < expected)) {
    // The download was cut short: not the object's fault. Hand on what was parsed, then retry from there.
    throw new Error(
      `download of ${obj.key} interrupted after ${received.bytes} of ${expected} bytes: ${streamError.reason}`,
    );
  }
  const consumed: StreamPosition = {
    offset: base.offset + summary.consumedOffset,
    line: base.line + summary.consumedLines,
  };
  if (consumed.offset > end.offset) end = consumed;
  if (unit.entries.length > 0 || unit.letters.length > 0 || end.offset > obj.read.offset) {
    if (!slot.held && !(await ctx.slots.acquire())) return { kind: 'stopped' };
    slot.held = false;
    if (!(await ctx.dispatch(obj, generation, unit, end))) return { kind: 'stopped' };
  } else if (slot.held) {
    ctx.slots.release();
  }
  return streamError === undefined ? { kind: 'complete' } : { kind: 'damaged', error: streamError };
}
