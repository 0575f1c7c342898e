// Runs the bundled Worker (dist/worker.js, as `wrangler deploy` uploads it) in workerd through Miniflare, and
// maps Logpush lines in Node the way the sidecar does, for comparison.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Miniflare } from 'miniflare';
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, LogEntry } from '@logpush-otel/pipeline';
import { createMapper } from '@logpush-otel/otlp';
import type { MappingOptions } from '@logpush-otel/otlp';
import { parseLine } from '@logpush-otel/parser';
import type { DecodedValue } from '@logpush-otel/testdata/otlp-receiver';
import { bundlePath } from '../scripts/build.ts';

/** wrangler.jsonc (its comments are whole lines; trailing commas allowed), for the Worker's settings. */
const wrangler = JSON.parse(
  readFileSync(new URL('../wrangler.jsonc', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n')
    .replace(/,(\s*[}\]])/g, '$1'),
) as { compatibility_date: string; compatibility_flags: string[] };

/** Starts the bundle in workerd with wrangler.jsonc's compatibility settings and these bindings. */
export async function startWorker(
  bindings: Record<string, string>,
  options: { r2Buckets?: string[] } = {},
): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundlePath,
    // Module names are paths relative to this root (workerd refuses `..`, e.g. when run from another workspace).
    modulesRoot: dirname(bundlePath),
    compatibilityDate: wrangler.compatibility_date,
    compatibilityFlags: wrangler.compatibility_flags,
    bindings,
    ...(options.r2Buckets === undefined ? {} : { r2Buckets: options.r2Buckets }),
  });
  await mf.ready;
  return mf;
}

/** A mapped value in the form the loopback receiver decodes it (ints as bigint, doubles as number). */
export function decodedForm(value: AnyValue): DecodedValue {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (value instanceof Double) return value.value;
  if (Array.isArray(value)) return value.map(decodedForm);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, DecodedValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodedForm(v);
    return out;
  }
  return value;
}

/** What a record must look like at the backend: the fields that do not depend on when it was read. */
export interface ExpectedRecord {
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: DecodedValue | undefined;
  eventName: string;
  attributes: Record<string, DecodedValue>;
  resource: Record<string, DecodedValue>;
}

/** Maps NDJSON lines in Node with the sidecar's mapper. */
export function mapInNode(lines: readonly string[], options: MappingOptions = {}): ExpectedRecord[] {
  const map = createMapper(options);
  return lines.map((line, i) => {
    const r = parseLine(line, { line: i + 1 });
    if (!r.ok) throw new Error(r.error.message);
    const entry: LogEntry = {
      dataset: r.dataset,
      record: r.record,
      timeUnixNano: r.timeUnixNano,
      observedUnixNano: 1n,
      raw: r.raw,
      position: { source: 'test', line: i + 1, offset: 0 },
      attributes: {},
    };
    map(entry);
    const log = entry.log;
    if (log === undefined || entry.resource === undefined) throw new Error('not mapped');
    return {
      timeUnixNano: log.timeUnixNano ?? 0n,
      severityNumber: log.severityNumber,
      severityText: log.severityText,
      body: decodedForm(log.body),
      eventName: log.eventName,
      attributes: decodedForm(log.attributes) as Record<string, DecodedValue>,
      resource: decodedForm(entry.resource.attributes) as Record<string, DecodedValue>,
    };
  });
}

/** The fields of {@link ExpectedRecord} picked from a received record. */
export function expectedShape(r: ExpectedRecord): ExpectedRecord {
  return {
    timeUnixNano: r.timeUnixNano,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    eventName: r.eventName,
    attributes: r.attributes,
    resource: r.resource,
  };
}

function text(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? 'undefined';
}

/** Sorted by every field: two lists holding the same records give equal lists, whatever their order. */
export function sortedRecords(list: readonly ExpectedRecord[]): ExpectedRecord[] {
  return list
    .map((r) => ({ r: expectedShape(r), k: text(expectedShape(r)) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map(({ r }) => r);
}
