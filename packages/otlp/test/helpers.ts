// Test helpers: fixture records as LogEntry objects (parsed here with exact integers, independently of the parser
// package), and the official OpenTelemetry serializers' view of the same records.
import { readFileSync } from 'node:fs';
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, Attributes, JsonValue, LogEntry, LogpushRecord } from '@logpush-otel/pipeline';
import { datasetIds, getDataset, toUnixNano } from '@logpush-otel/schema';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Scope } from '../src/index.ts';

/** The observed time used by every test entry: 2023-11-14T22:13:20Z. */
export const OBSERVED = 1_700_000_000_000_000_000n;

/** JSON.parse keeping integers that do not fit a double as bigint (source-text reviver). */
export function parseExact(line: string): LogpushRecord {
  return JSON.parse(line, (_key, value: unknown, context?: { source?: string }) => {
    if (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      !Number.isSafeInteger(value) &&
      context?.source
    ) {
      return /^-?\d+$/.test(context.source) ? BigInt(context.source) : value;
    }
    return value;
  }) as LogpushRecord;
}

/** A LogEntry for `record` of `dataset`, its time read from the dataset's timestamp field. */
export function entryOf(dataset: string, record: LogpushRecord, raw = '', line = 1): LogEntry {
  const field = getDataset(dataset)?.timestampField;
  const value = field === undefined ? undefined : record[field];
  return {
    dataset,
    record,
    timeUnixNano: value === undefined ? undefined : toUnixNano(value),
    observedUnixNano: OBSERVED,
    raw:
      raw === '' ? JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) : raw,
    position: { source: 'test', line, offset: 0 },
    attributes: {},
  };
}

/** The fixture lines of test/fixtures/<dataset>/records.ndjson. */
export function fixtureLines(dataset: string): string[] {
  return readFileSync(new URL(`fixtures/${dataset}/records.ndjson`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Entries of a fixture file. */
export function fixtureEntries(dataset: string): LogEntry[] {
  return fixtureLines(dataset).map((raw, i) => entryOf(dataset, parseExact(raw), raw, i + 1));
}

export const SEED_DATASETS = ['http_requests', 'firewall_events', 'spectrum_events'] as const;

/** Every dataset of the catalogue has a fixture directory (`test/fixtures/<dataset id>/`), the seeds included. */
export const FIXTURE_DATASETS: readonly string[] = datasetIds;

type OfficialValue =
  string | number | boolean | Uint8Array | null | OfficialValue[] | { [k: string]: OfficialValue };

/** Our AnyValue as the OpenTelemetry JS API represents it (bigint → number, Double → number). */
export function toOfficialValue(value: AnyValue): OfficialValue {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Double) return value.value;
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toOfficialValue);
  const out: { [k: string]: OfficialValue } = {};
  for (const [k, v] of Object.entries(value)) out[k] = toOfficialValue(v);
  return out;
}

function hrTime(nanos: bigint | undefined): [number, number] {
  const n = nanos ?? 0n;
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

/** The same mapped entries as the official SDK's ReadableLogRecords (one Resource object per resource key). */
export function toReadableLogRecords(entries: readonly LogEntry[], scope: Scope): ReadableLogRecord[] {
  const resources = new Map<string, Resource>();
  const instrumentationScope = { name: scope.name, version: scope.version };
  return entries.map((entry) => {
    const { log, resource } = entry;
    if (log === undefined || resource === undefined) throw new Error('entry not mapped');
    let r = resources.get(resource.key);
    if (r === undefined) {
      r = resourceFromAttributes(toOfficialValue(resource.attributes) as Record<string, string>);
      resources.set(resource.key, r);
    }
    const record: ReadableLogRecord = {
      hrTime: hrTime(log.timeUnixNano),
      hrTimeObserved: hrTime(log.observedTimeUnixNano),
      ...(log.severityNumber !== 0 ? { severityNumber: log.severityNumber } : {}),
      ...(log.severityText !== '' ? { severityText: log.severityText } : {}),
      body: toOfficialValue(log.body),
      ...(log.eventName !== '' ? { eventName: log.eventName } : {}),
      resource: r,
      instrumentationScope,
      attributes: toOfficialValue(log.attributes) as ReadableLogRecord['attributes'],
      droppedAttributesCount: log.droppedAttributesCount,
    };
    return record;
  });
}

/** A copy of mapped entries whose integral doubles are plain integers (the official API cannot express them). */
export function withoutIntegralDoubles(entries: readonly LogEntry[]): LogEntry[] {
  const fix = (v: AnyValue): AnyValue => {
    if (v instanceof Double) return Number.isInteger(v.value) ? v.value : v;
    if (Array.isArray(v)) return v.map(fix);
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      const out: Attributes = {};
      for (const [k, x] of Object.entries(v)) out[k] = fix(x);
      return out;
    }
    return v;
  };
  return entries.map((e) => {
    if (e.log === undefined) return e;
    return {
      ...e,
      log: { ...e.log, attributes: fix(e.log.attributes) as Attributes, body: fix(e.log.body) },
    };
  });
}

/** A JSON value with bigints, for readable assertions. */
export type { JsonValue };
