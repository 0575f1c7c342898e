// Reads a generated Logpush directory back, so the suites can state what must arrive: every record with its
// dataset, its raw timestamp digits and its exact event time in unix nanoseconds.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { getDataset, toUnixNano } from '@logpush-otel/schema';

/** One input record as the suites expect to see it delivered. */
export interface InputRecord {
  /** Dataset id ('http_requests', 'firewall_events', 'spectrum_events'). */
  readonly dataset: string;
  /** File (relative to the directory) and 1-based line. */
  readonly file: string;
  readonly line: number;
  /** The record, with every integer kept as its source digits (a string) when it is not a safe JS number. */
  readonly record: Readonly<Record<string, unknown>>;
  /** The timestamp field's raw JSON text (digits, or a quoted RFC 3339 string). */
  readonly rawTime: string;
  /** The event time in unix nanoseconds. */
  readonly timeUnixNano: bigint;
}

/** Parses one NDJSON line, keeping integers beyond 2^53 as their exact digit strings. */
export function parseExact(line: string): Record<string, unknown> {
  return JSON.parse(line, (_key, value: unknown, context?: { source?: string }) => {
    if (
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      context?.source &&
      /^-?\d+$/.test(context.source)
    ) {
      return context.source;
    }
    return value;
  }) as Record<string, unknown>;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.log(\.gz)?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * Reads every `*.log` / `*.log.gz` file under `dir` (the dataset given per sub-tree root by `datasetOf`, which
 * receives the path relative to `dir`) and returns its records with their exact event times.
 */
export async function readInputDirectory(
  dir: string,
  datasetOf: (relativePath: string) => string,
): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  for (const path of await listFiles(dir)) {
    const file = relative(dir, path);
    const dataset = datasetOf(file);
    const schema = getDataset(dataset);
    if (!schema) throw new Error(`${file}: unknown dataset ${dataset}`);
    const bytes = await readFile(path);
    const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo += 1;
      if (line.trim() === '') continue;
      const record = parseExact(line);
      const value = record[schema.timestampField];
      const time = toUnixNano(value);
      if (time === undefined) throw new Error(`${file}:${lineNo}: no ${schema.timestampField}`);
      out.push({
        dataset,
        file,
        line: lineNo,
        record,
        rawTime: typeof value === 'string' && !/^\d+$/.test(value) ? JSON.stringify(value) : String(value),
        timeUnixNano: time,
      });
    }
  }
  return out;
}
