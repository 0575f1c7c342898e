// The work of `logpush-otel convert` on one input: parse it, map its records and encode them as requests of at
// most `batchSize` records, each written as the bytes that go to stdout (an OTLP/JSON line, or a varint length
// and a protobuf message). The same function runs on the main thread (`--workers 1`, standard input) and in a
// pool worker, so both paths write the same bytes.
import { createReadStream } from 'node:fs';
import { createDirectEncoder } from '@logpush-otel/otlp';
import type { DirectEncoder, MappingOptions } from '@logpush-otel/otlp';
import { parseBatches } from '@logpush-otel/parser';
import type { ParseError, ParseInput, ParseOptions } from '@logpush-otel/parser';
import { logEntryOf } from '../log-entry.ts';
import type { Emit } from '../workers/protocol.ts';

export const CONVERT_FORMATS = ['otlp-json', 'otlp-proto'] as const;

/** How to convert (structured-cloneable: it crosses to a worker). */
export interface ConvertOptions {
  readonly dataset: string;
  readonly format: (typeof CONVERT_FORMATS)[number];
  readonly batchSize: number;
  readonly mapping: MappingOptions;
  /** The observed time of every record of the run (when the command started), unix nanoseconds. */
  readonly observedUnixNano: bigint;
  /** CSV column names when the input has no header line (`--field-names`). */
  readonly fieldNames?: readonly string[];
  /** Longest line read (`--max-line-bytes`); the parser's default when left out. */
  readonly maxLineBytes?: number;
  /**
   * Rejections go to standard error: hold them while the input has not given a record, so an input none of whose
   * lines can be read gets one `unreadable` line instead of one per line of garbage.
   */
  readonly holdRejections?: boolean;
  /** Count the input bytes read, for the progress bar (only when one is shown). */
  readonly trackProgress?: boolean;
}

/**
 * What one input produces, in order: output bytes, rejection lines for --errors, or the one line saying the input
 * is not Logpush text. Each chunk also carries the input bytes read and records converted since the previous one
 * (for the progress bar).
 */
export type ConvertChunk = (
  | { readonly kind: 'output'; readonly bytes: Uint8Array }
  | { readonly kind: 'rejected'; readonly text: string }
  | { readonly kind: 'unreadable'; readonly text: string }
) & { readonly read: number; readonly records: number };

/** Counts of one input. */
export interface ConvertCounts {
  lines: number;
  converted: number;
  rejected: number;
  requests: number;
  /** Lines with bytes that are not UTF-8 (read as U+FFFD). */
  invalidUtf8: number;
}

function varint(n: number): Uint8Array {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Uint8Array.from(bytes);
}

function rejection(error: ParseError): string {
  return `${JSON.stringify({
    source: error.source,
    line: error.line,
    offset: error.offset,
    code: error.code,
    reason: error.reason,
    ...(error.field === undefined ? {} : { field: error.field }),
    raw: error.raw,
  })}\n`;
}

/** Most rejections of one input held back (on standard error) until the input is known to hold Logpush text. */
const HELD_REJECTIONS = 100;

/**
 * The rejection lines of one input. Unless held, each is passed on at once. Held (rejections on standard error),
 * they wait while the input has not given a single record: an input none of whose lines can be read (binary,
 * another format, CSV without field names) then gets one line from {@link finish} instead.
 */
class RejectionReport {
  readonly #source: string;
  readonly #hold: boolean;
  #held: string[] = [];
  #count = 0;
  #first: ParseError | undefined;
  #anyRecord = false;

  constructor(source: string, hold: boolean) {
    this.#source = source;
    this.#hold = hold;
  }

  /** The text to pass on now for `error` ('' while held). */
  rejected(error: ParseError): string {
    this.#count++;
    this.#first ??= error;
    const line = rejection(error);
    if (!this.#hold || this.#anyRecord) return line;
    if (this.#held.length < HELD_REJECTIONS) this.#held.push(line);
    return '';
  }

  /** A record was read: the input is Logpush text, so what was held is passed on (returned). */
  accepted(): string {
    if (this.#anyRecord) return '';
    this.#anyRecord = true;
    let text = this.#held.join('');
    const hidden = this.#count - this.#held.length;
    if (hidden > 0) text += `(${hidden} more rejected lines of ${this.#source} before its first record)\n`;
    this.#held = [];
    return text;
  }

  /** The one line for an input of which no line could be read, or undefined. */
  finish(): string | undefined {
    if (this.#anyRecord || this.#first === undefined) return undefined;
    const e = this.#first;
    return (
      `${this.#source}: not Logpush text: ${e.reason} (first at line ${e.line}; ` +
      `${this.#count} line${this.#count === 1 ? '' : 's'} rejected, none read)`
    );
  }
}

/**
 * The bytes the request of the records `encoder` holds is written as (in a fresh buffer of their own): OTLP/JSON
 * and a newline, or the protobuf message after its varint length.
 */
function requestBytes(format: ConvertOptions['format'], encoder: DirectEncoder): Uint8Array {
  const message = encoder.finish();
  const prefix = format === 'otlp-json' ? new Uint8Array(0) : varint(message.length);
  const out = new Uint8Array(prefix.length + message.length + (format === 'otlp-json' ? 1 : 0));
  out.set(prefix, 0);
  out.set(message, prefix.length);
  if (format === 'otlp-json') out[out.length - 1] = 0x0a;
  return out;
}

/**
 * Converts `input` (named `source` in positions and rejections), handing chunks to `emit` in order. Requests
 * never hold records of two inputs. Rejects only when the input cannot be read at all (open error).
 */
export async function convertInput(
  input: ParseInput,
  source: string,
  options: ConvertOptions,
  emit: Emit<ConvertChunk>,
): Promise<ConvertCounts> {
  // convert has no processors: the mapping is the last step, so records are mapped straight into the request
  const encoder = createDirectEncoder(options.mapping, { format: options.format });
  const counts: ConvertCounts = { lines: 0, converted: 0, rejected: 0, requests: 0, invalidUtf8: 0 };
  // Progress since the last chunk: input bytes read, records converted.
  let read = 0;
  let records = 0;
  const progress = (): { read: number; records: number } => {
    const p = { read, records };
    read = 0;
    records = 0;
    return p;
  };
  if (options.trackProgress === true && typeof (input as Partial<NodeJS.ReadableStream>).on === 'function') {
    (input as NodeJS.ReadableStream).on('data', (chunk: Buffer | string) => (read += chunk.length));
  }
  let rejectedText = '';
  const flushRejected = async (): Promise<void> => {
    if (rejectedText === '') return;
    const text = rejectedText;
    rejectedText = '';
    await emit({ kind: 'rejected', text, ...progress() }, text.length * 2);
  };
  const flush = async (): Promise<void> => {
    if (encoder.count === 0) return;
    const bytes = requestBytes(options.format, encoder);
    counts.requests++;
    await flushRejected();
    // Its own buffer: moved to the main thread rather than copied.
    await emit({ kind: 'output', bytes, ...progress() }, bytes.byteLength, [bytes.buffer as ArrayBuffer]);
  };
  const parseOptions: ParseOptions = { source, dataset: options.dataset };
  if (options.fieldNames !== undefined) parseOptions.fieldNames = [...options.fieldNames];
  if (options.maxLineBytes !== undefined) parseOptions.maxLineBytes = options.maxLineBytes;
  const report = new RejectionReport(source, options.holdRejections === true);
  const batches = parseBatches(input, parseOptions);
  let result = await batches.next();
  while (result.done !== true) {
    for (const r of result.value) {
      if (!r.ok) {
        counts.rejected++;
        rejectedText += report.rejected(r.error);
        continue;
      }
      rejectedText += report.accepted();
      encoder.add(logEntryOf(r, source, options.observedUnixNano));
      counts.converted++;
      records++;
      if (encoder.count >= options.batchSize) await flush();
    }
    if (rejectedText.length > 1 << 20) await flushRejected();
    result = await batches.next();
  }
  counts.lines += result.value.lines;
  counts.invalidUtf8 += result.value.invalidUtf8Lines;
  await flush();
  await flushRejected();
  const unreadable = report.finish();
  if (unreadable !== undefined) await emit({ kind: 'unreadable', text: unreadable, ...progress() }, 0);
  else if (read > 0 || records > 0) await emit({ kind: 'rejected', text: '', ...progress() }, 0);
  return counts;
}

/** Input of the `convert-file` worker task. */
export interface ConvertFileTask {
  readonly path: string;
  readonly options: ConvertOptions;
}

/** The `convert-file` worker task: {@link convertInput} over a file. */
export function convertFileTask(input: unknown, emit: Emit<unknown>): Promise<ConvertCounts> {
  const { path, options } = input as ConvertFileTask;
  return convertInput(createReadStream(path), path, options, emit);
}
