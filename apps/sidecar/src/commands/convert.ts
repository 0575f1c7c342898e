// `logpush-otel convert`: Logpush files (plain or gzip, NDJSON or CSV) to OTLP/JSON lines or length-delimited
// OTLP protobuf on stdout, without any backend. Rejected lines go to --errors with their reasons.
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { BODY_MODES, PROFILES, createMapper, encodeLogsJson, encodeLogsProto } from '@logpush-otel/otlp';
import type { MappingOptions } from '@logpush-otel/otlp';
import { parseBatches } from '@logpush-otel/parser';
import type { ParseError, ParseOptions, ParseSummary } from '@logpush-otel/parser';
import type { ConfigIssue, LogEntry } from '@logpush-otel/pipeline';
import { getDataset } from '@logpush-otel/schema';
import { parseKeyValueList } from '../config/otel-env.ts';
import { logEntryOf } from '../log-entry.ts';
import { startProgressBar } from '../service/progress.ts';

/** One line for `logpush-otel --help`. */
export const summary = 'Convert Logpush files to OTLP/JSON or OTLP protobuf on stdout';

/** The complete --help text. */
export const usage = `Usage: logpush-otel convert [FILE...|-] [options]

Reads Cloudflare Logpush files (plain or gzip, detected by magic bytes; NDJSON, CSV with a header line, or a JSON
array, detected from the content) and writes OpenTelemetry logs to stdout:
  otlp-json   one OTLP/JSON ExportLogsServiceRequest per line (the layout of the Collector's file exporter)
  otlp-proto  length-delimited protobuf ExportLogsServiceRequests (each message preceded by its byte length as a
              protobuf varint)
Records are converted with semantic-convention attributes, exact nanosecond timestamps and severities (see
docs/mapping.md). With no FILE, or when FILE is -, reads standard input.

Options:
  --dataset auto|<id>     Logpush dataset of the input: a dataset id (http_requests, firewall_events,
                          spectrum_events, gateway_dns, ...) or alias (Cloudflare.HttpRequest); applies to CSV too.
                          Default auto: detect it from the first record's fields, and again for a record whose
                          fields do not fit (files mixing datasets, such as dead-letter replays).
  --field-names A,B,...   CSV column names, as the Logpush job's field_names: Logpush writes CSV without a header
                          line unless the job adds one. Without it, a CSV first line is taken as the header only
                          when it names Logpush fields; otherwise the file is refused.
  --max-line-bytes N      Longest line read, in bytes (default 1048576); longer lines are rejected.
  --format otlp-json|otlp-proto
                          Output format. Default otlp-json.
  --body summary|original|map
                          LogRecord body: a one-line summary (default), the original line, or the record as a map.
  --profile default|loki|datadog|datadog-raw
                          Attribute profile. loki: attribute budget 110 (Loki's 128 structured-metadata entries);
                          datadog: no attribute named like a Datadog reserved attribute (status, message,
                          service...); datadog-raw: Cloudflare's raw field names plus source=cloudflare, for
                          Datadog's own Cloudflare pipeline. Default default.
  --batch-size N          Records per ExportLogsServiceRequest (default 1000).
  --attribute-limit N     Most attributes per record (default 120; 110 with --profile loki).
  --service-name NAME     Resource service.name (default: OTEL_SERVICE_NAME, else cloudflare).
  --errors FILE           Write rejected lines to FILE (default: standard error), one JSON object per line:
                          {"source","line","offset","code","reason","field"?,"raw"}. A new FILE is
                          created readable by its owner only (0600). On standard error, a file none of whose
                          lines could be read (binary, another format, CSV without field names) gets one line
                          instead: FILE: not Logpush text: <first reason> (N lines rejected).
  -h, --help              Show this help.

Environment:
  OTEL_SERVICE_NAME         default for --service-name
  OTEL_RESOURCE_ATTRIBUTES  extra resource attributes, key1=value1,key2=value2 (percent-decoded, read as the run
                            command reads it: a member without a key is a usage error)

A summary (files, lines, records converted, lines rejected, requests written, lines with invalid UTF-8) is
printed on standard error; while converting files, a progress bar (bytes, percent, records/s, ETA) shows there
when it is a terminal. Bytes that are not UTF-8 are read as U+FFFD and the line is kept. A record without
an event time is kept with its observed time and cloudflare.time_missing=true, as in the sidecar.

Exit status:
  0  every line converted
  1  failure (an input file cannot be opened, or an output cannot be written)
  2  usage error (unknown option, invalid value, unknown dataset)
  3  some lines were rejected (see --errors); the others were converted

Examples:
  logpush-otel convert 20240101T000000Z_20240101T000500Z_abc.log.gz > out.otlp.jsonl
  zcat http.log.gz | logpush-otel convert --dataset http_requests --profile loki -
  logpush-otel convert --format otlp-proto --errors rejected.jsonl logs/*.log.gz > out.otlp.bin
`;

class UsageError extends Error {}

const FORMATS = ['otlp-json', 'otlp-proto'] as const;

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${value}'`);
}

function positiveInt(
  name: string,
  value: string | undefined,
  fallback: number | undefined,
): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--${name} must be a positive integer; got '${value}'`);
  }
  return Number(value);
}

interface Options {
  files: string[];
  dataset: string;
  format: (typeof FORMATS)[number];
  batchSize: number;
  errors: string | undefined;
  mapping: MappingOptions;
  fieldNames: string[] | undefined;
  maxLineBytes: number | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        dataset: { type: 'string' },
        format: { type: 'string' },
        body: { type: 'string' },
        profile: { type: 'string' },
        'batch-size': { type: 'string' },
        'attribute-limit': { type: 'string' },
        'service-name': { type: 'string' },
        errors: { type: 'string' },
        'field-names': { type: 'string' },
        'max-line-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  const dataset = v.dataset ?? 'auto';
  if (dataset !== 'auto' && getDataset(dataset) === undefined) {
    throw new UsageError(
      `--dataset: unknown dataset '${dataset}' (expected auto, a Logpush dataset id or an alias)`,
    );
  }
  // The same reading (and refusal of a malformed list) as `run` and `validate`.
  const issues: ConfigIssue[] = [];
  const resourceAttributes = parseKeyValueList(
    process.env.OTEL_RESOURCE_ATTRIBUTES ?? '',
    'OTEL_RESOURCE_ATTRIBUTES',
    issues,
  );
  if (issues.length > 0) throw new UsageError(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  const mapping: MappingOptions = {
    body: oneOf('body', v.body, BODY_MODES, 'summary'),
    profile: oneOf('profile', v.profile, PROFILES, 'default'),
    resourceAttributes,
  };
  const limit = positiveInt('attribute-limit', v['attribute-limit'], undefined);
  if (limit !== undefined) mapping.attributeLimit = limit;
  const serviceName = v['service-name'] ?? process.env.OTEL_SERVICE_NAME;
  if (serviceName !== undefined && serviceName !== '') mapping.serviceName = serviceName;
  if (v.errors === '') throw new UsageError('--errors needs a file name');
  let fieldNames: string[] | undefined;
  if (v['field-names'] !== undefined) {
    fieldNames = v['field-names'].split(',').map((n) => n.trim());
    if (fieldNames.some((n) => n === ''))
      throw new UsageError(
        `--field-names must be a comma-separated list of names; got '${v['field-names']}'`,
      );
  }
  return {
    files: parsed.positionals.length === 0 ? ['-'] : parsed.positionals,
    dataset,
    format: oneOf('format', v.format, FORMATS, 'otlp-json'),
    batchSize: positiveInt('batch-size', v['batch-size'], 1000) ?? 1000,
    errors: v.errors,
    mapping,
    fieldNames,
    maxLineBytes: positiveInt('max-line-bytes', v['max-line-bytes'], undefined),
  };
}

/** Writes `chunk`, waiting when the stream asks for it (backpressure); rejects on a stream error. */
async function write(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
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

function nowUnixNano(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** Most rejections of one file held back (on standard error) until the file is known to hold Logpush text. */
const HELD_REJECTIONS = 100;

/**
 * The rejections of one input file. With rejections going to a file (--errors), each is written at once. On
 * standard error, they are held while the file has not given a single record: a file none of whose lines can be
 * read (binary, another format, CSV without field names) then gets one line from {@link finish} instead of one
 * per line of garbage.
 */
class RejectionReport {
  readonly #source: string;
  readonly #out: Writable;
  readonly #hold: boolean;
  #held: string[] = [];
  #count = 0;
  #first: ParseError | undefined;
  #anyRecord = false;

  constructor(source: string, out: Writable, hold: boolean) {
    this.#source = source;
    this.#out = out;
    this.#hold = hold;
  }

  async rejected(error: ParseError): Promise<void> {
    this.#count++;
    this.#first ??= error;
    const line = rejection(error);
    if (!this.#hold || this.#anyRecord) await write(this.#out, line);
    else if (this.#held.length < HELD_REJECTIONS) this.#held.push(line);
  }

  /** A record was read: the file is Logpush text, so what was held is written. */
  async accepted(): Promise<void> {
    if (this.#anyRecord) return;
    this.#anyRecord = true;
    for (const line of this.#held) await write(this.#out, line);
    const hidden = this.#count - this.#held.length;
    if (hidden > 0)
      await write(this.#out, `(${hidden} more rejected lines of ${this.#source} before its first record)\n`);
    this.#held = [];
  }

  /** The one line for a file of which no line could be read, or undefined. */
  finish(): string | undefined {
    if (this.#anyRecord || this.#first === undefined) return undefined;
    const e = this.#first;
    return (
      `${this.#source}: not Logpush text: ${e.reason} (first at line ${e.line}; ` +
      `${this.#count} line${this.#count === 1 ? '' : 's'} rejected, none read)`
    );
  }
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

/** Runs `logpush-otel convert` with `argv` (after the command name); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(
      `logpush-otel convert: ${error.message}\nRun 'logpush-otel convert --help' for usage.\n`,
    );
    return 2;
  }
  if (options.files.filter((f) => f === '-').length > 1) {
    process.stderr.write(`logpush-otel convert: standard input (-) can be read only once\n`);
    return 2;
  }
  for (const file of options.files) {
    if (file === '-') continue;
    try {
      if (!statSync(file).isFile()) throw new Error('not a regular file');
    } catch (error) {
      const reason =
        error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
      process.stderr.write(`logpush-otel convert: cannot read ${file}: ${reason}\n`);
      return 1;
    }
  }

  const out = process.stdout;
  // On a terminal, a progress bar over the input files' bytes; messages for stderr are printed above it.
  let totalBytes = 0;
  if (!options.files.includes('-')) for (const f of options.files) totalBytes += statSync(f).size;
  const bar = startProgressBar(totalBytes);
  let bytesRead = 0;
  const toStderr = (text: string): void => {
    if (bar === undefined) process.stderr.write(text);
    else bar.log(text);
  };
  const errorsStream: Writable =
    options.errors !== undefined
      ? createWriteStream(options.errors, { mode: 0o600 })
      : bar === undefined
        ? process.stderr
        : new Writable({
            write(chunk: Buffer | string, _encoding, done) {
              toStderr(chunk.toString());
              done();
            },
          });
  let outputFailed: Error | undefined;
  const onOutputError = (error: Error): void => {
    outputFailed ??= error;
  };
  out.on('error', onOutputError);
  errorsStream.on('error', onOutputError);

  const map = createMapper(options.mapping);
  let pending: LogEntry[] = [];
  let requests = 0;
  let converted = 0;
  let rejected = 0;
  let lines = 0;
  let invalidUtf8 = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    if (options.format === 'otlp-json') {
      await write(out, `${encodeLogsJson(pending)}\n`);
    } else {
      const message = encodeLogsProto(pending);
      await write(out, varint(message.length));
      await write(out, message);
    }
    requests++;
    pending = [];
  };

  try {
    for (const file of options.files) {
      const source = file === '-' ? 'stdin' : file;
      const input = file === '-' ? process.stdin : createReadStream(file);
      if (bar !== undefined) input.on('data', (chunk: Buffer | string) => (bytesRead += chunk.length));
      const parseOptions: ParseOptions = { source, dataset: options.dataset };
      if (options.fieldNames !== undefined) parseOptions.fieldNames = options.fieldNames;
      if (options.maxLineBytes !== undefined) parseOptions.maxLineBytes = options.maxLineBytes;
      const batches = parseBatches(input, parseOptions);
      const report = new RejectionReport(source, errorsStream, options.errors === undefined);
      let result = await batches.next();
      while (result.done !== true) {
        const observed = nowUnixNano();
        for (const r of result.value) {
          if (!r.ok) {
            rejected++;
            await report.rejected(r.error);
            continue;
          }
          await report.accepted();
          const entry = logEntryOf(r, source, observed);
          map(entry);
          pending.push(entry);
          converted++;
          if (pending.length >= options.batchSize) await flush();
        }
        bar?.update(bytesRead, converted);
        if (outputFailed !== undefined) throw outputFailed;
        result = await batches.next();
      }
      const fileSummary: ParseSummary = result.value;
      lines += fileSummary.lines;
      invalidUtf8 += fileSummary.invalidUtf8Lines;
      const unreadable = report.finish();
      if (unreadable !== undefined) toStderr(`logpush-otel convert: ${unreadable}\n`);
    }
    await flush();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return rejected > 0 ? 3 : 0;
    process.stderr.write(`logpush-otel convert: ${e.message}\n`);
    return 1;
  } finally {
    bar?.stop();
    if (options.errors !== undefined) {
      errorsStream.end();
      await once(errorsStream, 'close').catch(() => undefined);
    }
  }
  if (outputFailed !== undefined) {
    process.stderr.write(`logpush-otel convert: writing the output failed: ${outputFailed.message}\n`);
    return 1;
  }
  process.stderr.write(
    `logpush-otel convert: ${options.files.length} input${options.files.length === 1 ? '' : 's'}, ${lines} lines, ` +
      `${converted} records converted, ${rejected} rejected, ${requests} ${options.format} request${requests === 1 ? '' : 's'} written` +
      `${invalidUtf8 > 0 ? `, ${invalidUtf8} line${invalidUtf8 === 1 ? '' : 's'} with invalid UTF-8 (read as U+FFFD)` : ''}\n`,
  );
  return rejected > 0 ? 3 : 0;
}
