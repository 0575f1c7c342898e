// OTLP/JSON (the protobuf JSON mapping of ExportLogsServiceRequest): lowerCamelCase field names, 64-bit integers
// as decimal strings, bytes as base64, severityNumber as an integer, default values omitted.
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, Attributes, LogEntry, LogRecordData } from '@logpush-otel/pipeline';
import { groupByResource } from './encode-proto.ts';
import { defaultScope } from './scope.ts';
import type { Scope } from './scope.ts';

const keyPrefixes = new Map<string, string>();

function keyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `{"key":${JSON.stringify(key)},"value":`;
    if (keyPrefixes.size < 4096) keyPrefixes.set(key, prefix);
  }
  return prefix;
}

function doubleJson(n: number): string {
  if (Number.isFinite(n)) return `{"doubleValue":${JSON.stringify(n)}}`;
  return `{"doubleValue":"${Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity'}"}`;
}

/** One AnyValue in OTLP/JSON. */
export function anyValueJson(value: AnyValue | undefined): string {
  switch (typeof value) {
    case 'string':
      return `{"stringValue":${JSON.stringify(value)}}`;
    case 'boolean':
      return value ? '{"boolValue":true}' : '{"boolValue":false}';
    case 'number':
      return Number.isInteger(value) && value >= -9223372036854775808 && value < 9223372036854775808
        ? `{"intValue":"${BigInt(value).toString()}"}`
        : doubleJson(value);
    case 'bigint':
      return `{"intValue":"${BigInt.asIntN(64, value).toString()}"}`;
    case 'object': {
      if (value === null) return '{}';
      if (value instanceof Double) return doubleJson(value.value);
      if (value instanceof Uint8Array) {
        return `{"bytesValue":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`;
      }
      if (Array.isArray(value)) {
        let s = '{"arrayValue":{"values":[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) s += ',';
          s += anyValueJson(value[i]);
        }
        return `${s}]}}`;
      }
      return `{"kvlistValue":{"values":${attributesJson(value)}}}`;
    }
    default:
      return '{}';
  }
}

function attributesJson(attributes: Attributes): string {
  let s = '[';
  let first = true;
  for (const key in attributes) {
    if (!first) s += ',';
    first = false;
    s += keyPrefix(key) + anyValueJson(attributes[key]) + '}';
  }
  return `${s}]`;
}

function logRecordJson(log: LogRecordData): string {
  let s = '{';
  if (log.timeUnixNano !== undefined) s += `"timeUnixNano":"${log.timeUnixNano}",`;
  s += `"observedTimeUnixNano":"${log.observedTimeUnixNano}"`;
  if (log.severityNumber !== 0) s += `,"severityNumber":${log.severityNumber}`;
  if (log.severityText !== '') s += `,"severityText":${JSON.stringify(log.severityText)}`;
  s += `,"body":${anyValueJson(log.body)}`;
  if (log.eventName !== '') s += `,"eventName":${JSON.stringify(log.eventName)}`;
  s += `,"attributes":${attributesJson(log.attributes)}`;
  if (log.droppedAttributesCount !== 0) s += `,"droppedAttributesCount":${log.droppedAttributesCount}`;
  return `${s}}`;
}

/**
 * Encodes mapped entries (each with `log` and `resource` set) as one OTLP/JSON `ExportLogsServiceRequest` on a
 * single line (no newline): one ResourceLogs per distinct resource key with one ScopeLogs for `scope`.
 */
export function encodeLogsJson(entries: readonly LogEntry[], scope: Scope = defaultScope): string {
  const scopeJson =
    scope.version === ''
      ? `{"name":${JSON.stringify(scope.name)}}`
      : `{"name":${JSON.stringify(scope.name)},"version":${JSON.stringify(scope.version)}}`;
  let s = '{"resourceLogs":[';
  let firstGroup = true;
  for (const group of groupByResource(entries)) {
    if (!firstGroup) s += ',';
    firstGroup = false;
    s += `{"resource":{"attributes":${attributesJson(group.resource.attributes)}},"scopeLogs":[{"scope":${scopeJson},"logRecords":[`;
    for (let i = 0; i < group.logs.length; i++) {
      if (i > 0) s += ',';
      s += logRecordJson(group.logs[i] as LogRecordData);
    }
    s += ']}]}';
  }
  return `${s}]}`;
}
