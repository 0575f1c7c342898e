// Reads what the Collector's file exporter wrote: one OTLP/JSON ExportLogsServiceRequest per line.
import { readTextIfExists } from './processes.ts';

/** An OTLP AnyValue in plain JS: intValue → bigint, bytesValue → base64 string, kvlist → object. */
export type PlainValue =
  string | number | boolean | bigint | null | PlainValue[] | { [key: string]: PlainValue };

/** One LogRecord of the file exporter output, with its resource and scope flattened in. */
export interface CollectedRecord {
  /** Decimal digits exactly as written by the Collector ('0' when absent). */
  readonly timeUnixNano: string;
  readonly observedTimeUnixNano: string;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly eventName: string;
  readonly body: PlainValue | undefined;
  readonly attributes: Readonly<Record<string, PlainValue>>;
  readonly resource: Readonly<Record<string, PlainValue>>;
  readonly scopeName: string;
}

interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
}
interface JsonLogsRequest {
  resourceLogs?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeLogs?: {
      scope?: { name?: string };
      logRecords?: {
        timeUnixNano?: string;
        observedTimeUnixNano?: string;
        severityNumber?: number;
        severityText?: string;
        eventName?: string;
        body?: JsonAnyValue;
        attributes?: JsonKeyValue[];
      }[];
    }[];
  }[];
}

/** Converts an OTLP/JSON AnyValue to a plain value. */
export function plainValue(value: JsonAnyValue | undefined): PlainValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return BigInt(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plainValue);
  if (value.kvlistValue !== undefined) return plainAttributes(value.kvlistValue.values);
  return null;
}

function plainAttributes(list: JsonKeyValue[] | undefined): Record<string, PlainValue> {
  const out: Record<string, PlainValue> = {};
  for (const kv of list ?? []) out[kv.key] = plainValue(kv.value);
  return out;
}

/** Flattens the file exporter's text (JSON lines) into records, in file order. */
export function parseCollectorOutput(text: string): CollectedRecord[] {
  const records: CollectedRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as JsonLogsRequest;
    for (const rl of request.resourceLogs ?? []) {
      const resource = plainAttributes(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const lr of sl.logRecords ?? []) {
          records.push({
            timeUnixNano: lr.timeUnixNano ?? '0',
            observedTimeUnixNano: lr.observedTimeUnixNano ?? '0',
            severityNumber: lr.severityNumber ?? 0,
            severityText: lr.severityText ?? '',
            eventName: lr.eventName ?? '',
            body: lr.body === undefined ? undefined : plainValue(lr.body),
            attributes: plainAttributes(lr.attributes),
            resource,
            scopeName: sl.scope?.name ?? '',
          });
        }
      }
    }
  }
  return records;
}

/** Reads and parses the file exporter output at `path` ('' when absent yet). */
export async function readCollectorOutput(path: string): Promise<CollectedRecord[]> {
  const text = await readTextIfExists(path);
  // The exporter may be in the middle of a line: parse complete lines only.
  return parseCollectorOutput(text.slice(0, text.lastIndexOf('\n') + 1));
}

/**
 * Polls the file exporter output until it holds at least `count` records, then returns them. Rejects after
 * `timeoutMs` saying how many arrived.
 */
export async function waitForCollectorRecords(
  path: string,
  count: number,
  timeoutMs = 60_000,
): Promise<CollectedRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await readCollectorOutput(path);
    if (records.length >= count) return records;
    if (Date.now() > deadline) {
      throw new Error(
        `${path}: expected ${count} records from the Collector, found ${records.length} after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
