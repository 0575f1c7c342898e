// `logpush-otel convert`: Logpush files (plain or gzip, NDJSON or CSV) to OTLP/JSON lines or length-delimited
// OTLP protobuf on stdout, without any backend. Rejected lines go to --errors with their reasons.
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { BODY_MODES, PROFILES } from '@logpush-otel/otlp';
import type { MappingOptions } from '@logpush-otel/otlp';
import type { ConfigIssue } from '@logpush-otel/pipeline';
import { getDataset } from '@logpush-otel/schema';
import { parseKeyValueList } from '../config/otel-env.ts';
import { startProgressBar } from '../service/progress.ts';
import { OrderedLane } from './convert-order.ts';
import { parseWorkersSetting, workerCount } from '../workers/count.ts';
import { WorkerPool } from '../workers/pool.ts';
import { CONVERT_FORMATS, convertInput } from './convert-input.ts';
import type { ConvertChunk, ConvertCounts, ConvertOptions } from './convert-input.ts';

/** One line for `logpush-otel --help`. */
export const summary = 'Convert Logpush files to OTLP/JSON or OTLP protobuf on stdout';

/** The complete --help text. */
export const usage = `Usage: logpush-otel convert [FILE...|-] [options]

Reads Cloudflare Logpush files (plain or gzip, detected by magic bytes; NDJSON, CSV with a header line, or a JSON
array, detected from the content) and writes OpenTelemetry logs to stdout:
  otlp-json   one OTLP/JSON ExportLogsServiceRequest per line (the layout of the Collector's file exporter)
  otlp-proto  length-delimited protobuf ExportLogsServiceRequests (each message preceded by its byte length as a
              protobuf varint)
A request holds the records of one input file (at most --batch-size of them). Records are converted with
semantic-convention attributes, exact nanosecond timestamps and severities (see
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
  --workers auto|N        Worker threads converting files side by side (default auto: one per available
                          core); 1 converts on the main thread. Output keeps the order of the input files.
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

/**
 * Output of a later file kept in memory while an earlier file is written (per file being converted); past it
 * the output goes to a spill file (convert-order.ts), so the worker converting it never waits for the writer.
 */
const CONVERT_MEMORY_BUDGET = 8 * 1024 * 1024;

const FORMATS = CONVERT_FORMATS;

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
  workers: number;
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
        workers: { type: 'string' },
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
  const workers = parseWorkersSetting(v.workers ?? 'auto');
  if (workers === undefined) {
    throw new UsageError(`--workers must be auto or a positive integer; got '${v.workers ?? ''}'`);
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
    workers: workerCount(workers),
  };
}

/** Writes `chunk`, waiting when the stream asks for it (backpressure); rejects on a stream error. */
async function write(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

function nowUnixNano(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
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

  const convertOptions: ConvertOptions = {
    dataset: options.dataset,
    format: options.format,
    batchSize: options.batchSize,
    mapping: options.mapping,
    observedUnixNano: nowUnixNano(),
    ...(options.fieldNames === undefined ? {} : { fieldNames: options.fieldNames }),
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    holdRejections: options.errors === undefined,
    trackProgress: bar !== undefined,
  };
  let converted = 0;
  const writeChunk = async (chunk: ConvertChunk): Promise<void> => {
    if (outputFailed !== undefined) throw outputFailed;
    bytesRead += chunk.read;
    converted += chunk.records;
    if (chunk.kind === 'output') await write(out, chunk.bytes);
    else if (chunk.kind === 'rejected') {
      if (chunk.text !== '') await write(errorsStream, chunk.text);
    } else toStderr(`logpush-otel convert: ${chunk.text}\n`);
    bar?.update(bytesRead, converted);
  };
  // Files go to the workers in order; each file's chunks are written once every earlier file is written, so the
  // output is in input order. Until then its lane keeps them (memory, then a spill file) and acknowledges them,
  // so a worker ahead of the writer keeps converting.
  // A one-off conversion keeps V8's own old-generation sizing (no heap limit: fewer full collections, faster).
  const files = options.files.filter((f) => f !== '-');
  const pool =
    options.workers > 1 && files.length > 1
      ? new WorkerPool(Math.min(options.workers, files.length), { heapLimitMb: 0 })
      : undefined;
  const totals: ConvertCounts = { lines: 0, converted: 0, rejected: 0, requests: 0, invalidUtf8: 0 };
  const lanes: OrderedLane[] = [];
  try {
    let previous: Promise<unknown> = Promise.resolve();
    const runs: Promise<ConvertCounts>[] = [];
    for (const file of options.files) {
      const before = previous;
      if (file === '-' || pool === undefined) {
        const run = before.then(() =>
          convertInput(
            file === '-' ? process.stdin : createReadStream(file),
            file === '-' ? 'stdin' : file,
            convertOptions,
            writeChunk,
          ),
        );
        run.catch(() => undefined);
        runs.push(run);
        previous = run;
        continue;
      }
      const lane = new OrderedLane(writeChunk, CONVERT_MEMORY_BUDGET);
      lanes.push(lane);
      const run = pool.run<ConvertChunk, ConvertCounts>(
        'convert-file',
        { path: file, options: convertOptions },
        (chunk) => lane.handle(chunk),
      );
      // Reported below in order; a failure also stops the files after it (they are never released).
      run.catch(() => undefined);
      runs.push(run);
      const released = before.then(() => lane.release());
      previous = Promise.all([released, run]);
      previous.catch(() => undefined);
    }
    for (const run of runs) {
      const c = await run;
      totals.lines += c.lines;
      totals.converted += c.converted;
      totals.rejected += c.rejected;
      totals.requests += c.requests;
      totals.invalidUtf8 += c.invalidUtf8;
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return totals.rejected > 0 ? 3 : 0;
    process.stderr.write(`logpush-otel convert: ${e.message}\n`);
    return 1;
  } finally {
    await pool?.close();
    await Promise.all(lanes.map((l) => l.close()));
    bar?.stop();
    if (options.errors !== undefined) {
      errorsStream.end();
      await once(errorsStream, 'close').catch(() => undefined);
    }
  }
  const { lines, rejected, requests, invalidUtf8 } = totals;
  if (outputFailed !== undefined) {
    process.stderr.write(`logpush-otel convert: writing the output failed: ${outputFailed.message}\n`);
    return 1;
  }
  process.stderr.write(
    `logpush-otel convert: ${options.files.length} input${options.files.length === 1 ? '' : 's'}, ${lines} lines, ` +
      `${totals.converted} records converted, ${rejected} rejected, ${requests} ${options.format} request${requests === 1 ? '' : 's'} written` +
      `${invalidUtf8 > 0 ? `, ${invalidUtf8} line${invalidUtf8 === 1 ? '' : 's'} with invalid UTF-8 (read as U+FFFD)` : ''}\n`,
  );
  return rejected > 0 ? 3 : 0;
}
