// The `file-pass` worker task: one pass of the logpush_file receiver over one file (file-pass.ts) with each
// batch turned into entries, mapped as the `cloudflare` processor maps them, and encoded into the request body
// the otlp exporter sends (compressed when it compresses). The pipelines a worker serves end with the mapping
// (wiring.ts), so records are mapped straight into the request body (createDirectEncoder: the bytes of the
// mapper + encoder, without a LogRecord object per record). The main thread gets bodies, positions, counts and
// dead letters; the records themselves never leave the worker and are released once encoded.
import { gzipSync } from 'node:zlib';
import { createDirectEncoder } from '@logpush-otel/otlp';
import type { DirectEncoder, MappingOptions } from '@logpush-otel/otlp';
import type { Attributes, DeadLetter, LogEntry, MappedEntry } from '@logpush-otel/pipeline';
import type { StreamPosition } from '../checkpoint/ack-tracker.ts';
import { deadLetterOf, logEntryOf } from '../log-entry.ts';
import { readFilePass } from '../receivers/logpush-file/file-pass.ts';
import type { FileDescription, PassEnd, PassOptions } from '../receivers/logpush-file/file-pass.ts';
import type { BodyEncoding } from './encoded.ts';
import type { Emit } from './protocol.ts';

/** Input of the task (structured-cloneable). */
export interface FilePassTask {
  readonly file: FileDescription;
  readonly start: StreamPosition;
  readonly pass: PassOptions;
  /** Attributes every entry gets (`log.file.name`, `log.file.path`). */
  readonly fileAttributes: Attributes;
  readonly mapping: MappingOptions;
  /** `receivers/<id>`: the component of dead letters for lines that do not parse. */
  readonly receiverComponent: string;
  /** `processors/<id>`: the component of dead letters for records that cannot be mapped. */
  readonly mapComponent: string;
  readonly encoding: BodyEncoding;
}

/** One batch of the pass, encoded. */
export interface FilePassChunk {
  /** Where the batch starts (the previous batch's end, or where the pass started) and ends. */
  readonly start: StreamPosition;
  readonly end: StreamPosition;
  /** Decompressed bytes the batch covers. */
  readonly bytes: number;
  /** Records in `wire`. */
  readonly records: number;
  /** The request body; undefined when no record of the batch was mapped. */
  readonly wire: Uint8Array | undefined;
  readonly encodedBytes: number;
  readonly newestTimeUnixNano: bigint | undefined;
  /** The dataset of the first record that has one (the receiver remembers it per file). */
  readonly dataset: string | undefined;
  /** Lines that did not parse. */
  readonly letters: DeadLetter[];
  /** Records the mapping refused. */
  readonly unmappable: DeadLetter[];
}

/** The request body of the records `encoder` holds, compressed as `encoding` says (a buffer of its own). */
function encodeBody(encoder: DirectEncoder, encoding: BodyEncoding): { wire: Uint8Array; size: number } {
  // finish() hands out a buffer of its own (never from Buffer's shared pool): it can be transferred
  const body = encoder.finish();
  if (encoding.compression !== 'gzip') return { wire: body, size: body.byteLength };
  const zipped = gzipSync(body, { level: encoding.compressionLevel });
  return { wire: new Uint8Array(zipped), size: body.byteLength };
}

/** The dead letter of an entry the mapping refused. */
function refusedLetter(entry: LogEntry, error: unknown, component: string): DeadLetter {
  return {
    reason: `could not map the record to a LogRecord: ${error instanceof Error ? error.message : String(error)}`,
    component,
    source: entry.position.source,
    line: entry.position.line,
    offset: entry.position.offset,
    raw: entry.raw,
  };
}

/** Maps `entries` in place with `map`; returns those mapped and dead letters for the others. */
export function mapEntries(
  entries: LogEntry[],
  map: (entry: LogEntry) => MappedEntry,
  component: string,
): { mapped: MappedEntry[]; refused: DeadLetter[] } {
  const mapped: MappedEntry[] = [];
  const refused: DeadLetter[] = [];
  for (const entry of entries) {
    try {
      mapped.push(map(entry));
    } catch (error) {
      refused.push(refusedLetter(entry, error, component));
    }
  }
  return { mapped, refused };
}

export async function filePassTask(input: unknown, emit: Emit<unknown>): Promise<PassEnd> {
  const task = input as FilePassTask;
  const encoder = createDirectEncoder(task.mapping, {
    format: task.encoding.protocol === 'http/json' ? 'otlp-json' : 'otlp-proto',
  });
  const pass = readFilePass(task.file, task.start, task.pass);
  let from = task.start;
  for (;;) {
    const step = await pass.next();
    if (step.done === true) return step.value;
    const batch = step.value;
    const observed = BigInt(Date.now()) * 1_000_000n;
    let dataset: string | undefined;
    let newest: bigint | undefined;
    const refused: DeadLetter[] = [];
    for (const r of batch.records) {
      // the file attributes are only read by the mapping: one object serves every entry
      const entry = logEntryOf(r, task.file.path, observed, batch.base, task.fileAttributes);
      try {
        encoder.add(entry);
      } catch (error) {
        refused.push(refusedLetter(entry, error, task.mapComponent));
      }
      if (dataset === undefined && r.dataset !== 'unknown') dataset = r.dataset;
      if (r.timeUnixNano !== undefined && (newest === undefined || r.timeUnixNano > newest))
        newest = r.timeUnixNano;
    }
    const records = encoder.count;
    const encoded = records > 0 ? encodeBody(encoder, task.encoding) : undefined;
    const chunk: FilePassChunk = {
      start: from,
      end: batch.end,
      bytes: batch.bytes,
      records,
      wire: encoded?.wire,
      encodedBytes: encoded?.size ?? 0,
      newestTimeUnixNano: newest,
      dataset,
      letters: batch.errors.map((e) => deadLetterOf(e, task.receiverComponent, batch.base)),
      unmappable: refused,
    };
    from = batch.end;
    const transfer = encoded === undefined ? [] : [encoded.wire.buffer as ArrayBuffer];
    try {
      await emit(chunk, encoded?.wire.byteLength ?? 0, transfer);
    } catch (error) {
      await pass.return({ kind: 'replaced' });
      throw error;
    }
  }
}
