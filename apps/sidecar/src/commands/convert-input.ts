// The work of `logpush-otel convert` on one input: parse it, map its records and encode them as requests of at
// most `batchSize` records, each written as the bytes that go to stdout (an OTLP/JSON line, or a varint length
// and a protobuf message). The same function runs on the main thread (`--workers 1`, standard input) and in a
// pool worker, so both paths write the same bytes.
import { createReadStream } from 'node:fs';
import { createMapper, encodeLogsJson, encodeLogsProto } from '@logpush-otel/otlp';
import type { MappingOptions } from '@logpush-otel/otlp';
import { parseBatches } from '@logpush-otel/parser';
import type { ParseError, ParseInput } from '@logpush-otel/parser';
import type { LogEntry } from '@logpush-otel/pipeline';
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
}

/** What one input produces, in order: output bytes, or rejection lines for --errors. */
export type ConvertChunk =
  | { readonly kind: 'output'; readonly bytes: Uint8Array }
  | { readonly kind: 'rejected'; readonly text: string };

/** Counts of one input. */
export interface ConvertCounts {
  lines: number;
  converted: number;
  rejected: number;
  requests: number;
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

const encoder = new TextEncoder();

/** The bytes one request is written as (in a fresh buffer of their own). */
function requestBytes(format: ConvertOptions['format'], entries: readonly LogEntry[]): Uint8Array {
  if (format === 'otlp-json') return encoder.encode(`${encodeLogsJson(entries)}\n`);
  const message = encodeLogsProto(entries);
  const prefix = varint(message.length);
  const out = new Uint8Array(prefix.length + message.length);
  out.set(prefix, 0);
  out.set(message, prefix.length);
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
  const map = createMapper(options.mapping);
  const counts: ConvertCounts = { lines: 0, converted: 0, rejected: 0, requests: 0 };
  let pending: LogEntry[] = [];
  let rejectedText = '';
  const flushRejected = async (): Promise<void> => {
    if (rejectedText === '') return;
    const text = rejectedText;
    rejectedText = '';
    await emit({ kind: 'rejected', text }, text.length * 2);
  };
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const bytes = requestBytes(options.format, pending);
    pending = [];
    counts.requests++;
    await flushRejected();
    // Its own buffer: moved to the main thread rather than copied.
    await emit({ kind: 'output', bytes }, bytes.byteLength, [bytes.buffer as ArrayBuffer]);
  };
  const batches = parseBatches(input, { source, dataset: options.dataset });
  let result = await batches.next();
  while (result.done !== true) {
    for (const r of result.value) {
      if (!r.ok) {
        counts.rejected++;
        rejectedText += rejection(r.error);
        continue;
      }
      const entry = logEntryOf(r, source, options.observedUnixNano);
      map(entry);
      pending.push(entry);
      counts.converted++;
      if (pending.length >= options.batchSize) await flush();
    }
    if (rejectedText.length > 1 << 20) await flushRejected();
    result = await batches.next();
  }
  counts.lines += result.value.lines;
  await flush();
  await flushRejected();
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
