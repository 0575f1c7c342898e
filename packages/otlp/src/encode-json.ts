// OTLP/JSON (the protobuf JSON mapping of ExportLogsServiceRequest): lowerCamelCase field names, 64-bit integers
// as decimal strings, bytes as base64, severityNumber as an integer, default values omitted.
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, Attributes, LogEntry, LogRecordData } from '@logpush-otel/pipeline';
import { AttributeBuilder, KeyCache, arrayIndex } from './attribute-builder.ts';
import { groupByResource } from './encode-proto.ts';
import type { LogRecordFields } from './mapper.ts';
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

/** What the JSON writers keep per attribute id: the start of the KeyValue (text and UTF-8), the array index. */
export interface JsonKeyHead {
  readonly prefix: string;
  readonly bytes: Uint8Array;
  readonly index: number;
}

const jsonHeads = new KeyCache<JsonKeyHead>((key) => {
  const prefix = `{"key":${JSON.stringify(key)},"value":`;
  return { prefix, bytes: Buffer.from(prefix, 'utf8'), index: arrayIndex(key) };
});

/**
 * Where a LogRecord's OTLP/JSON goes: a string being built (encodeLogsJson), or a byte buffer (the direct
 * encoder). The text is the same: the record is written by {@link writeLogRecordJson} either way.
 */
export interface JsonOut {
  text(s: string): void;
  /** The start of an attribute's KeyValue. */
  key(head: JsonKeyHead): void;
}

/** A {@link JsonOut} into a string. */
class StringOut implements JsonOut {
  s = '';

  text(s: string): void {
    this.s += s;
  }

  key(head: JsonKeyHead): void {
    this.s += head.prefix;
  }
}

/** The builder's attributes as a JSON array, in the order of the object `b.build()` would make. */
function writeBuilderAttributesJson(out: JsonOut, b: AttributeBuilder): void {
  jsonHeads.check();
  const n = b.n;
  const ids = b.ids;
  const values = b.values;
  let indexed: number[] | undefined;
  for (let i = 0; i < n; i++) if (jsonHeads.get(ids[i] ?? 0).index >= 0) (indexed ??= []).push(i);
  out.text('[');
  let first = true;
  if (indexed !== undefined) {
    // Rare (numeric processor keys, raw field names): the array-index keys first, in ascending order.
    indexed.sort((x, y) => jsonHeads.get(ids[x] ?? 0).index - jsonHeads.get(ids[y] ?? 0).index);
    for (const i of indexed) {
      if (!first) out.text(',');
      first = false;
      out.key(jsonHeads.get(ids[i] ?? 0));
      out.text(anyValueJson(values[i]));
      out.text('}');
    }
  }
  for (let i = 0; i < n; i++) {
    const head = jsonHeads.get(ids[i] ?? 0);
    if (head.index >= 0) continue;
    if (!first) out.text(',');
    first = false;
    out.key(head);
    out.text(anyValueJson(values[i]));
    out.text('}');
  }
  out.text(']');
}

/**
 * One LogRecord in OTLP/JSON into `out`, its attributes from an object (a mapped entry's) or from the mapping's
 * builder (the direct encoder).
 */
export function writeLogRecordJson(
  out: JsonOut,
  log: LogRecordFields,
  attributes: Attributes | AttributeBuilder,
): void {
  let s = '{';
  if (log.timeUnixNano !== undefined) s += `"timeUnixNano":"${log.timeUnixNano}",`;
  s += `"observedTimeUnixNano":"${log.observedTimeUnixNano}"`;
  if (log.severityNumber !== 0) s += `,"severityNumber":${log.severityNumber}`;
  if (log.severityText !== '') s += `,"severityText":${JSON.stringify(log.severityText)}`;
  s += `,"body":${anyValueJson(log.body)}`;
  if (log.eventName !== '') s += `,"eventName":${JSON.stringify(log.eventName)}`;
  out.text(`${s},"attributes":`);
  if (attributes instanceof AttributeBuilder) writeBuilderAttributesJson(out, attributes);
  else out.text(attributesJson(attributes));
  out.text(
    log.droppedAttributesCount !== 0 ? `,"droppedAttributesCount":${log.droppedAttributesCount}}` : '}',
  );
}

const stringOut = new StringOut();

function logRecordJson(log: LogRecordData): string {
  stringOut.s = '';
  writeLogRecordJson(stringOut, log, log.attributes);
  const s = stringOut.s;
  stringOut.s = '';
  return s;
}

/** The ScopeLogs `scope` member. */
export function scopeJson(scope: Scope): string {
  return scope.version === ''
    ? `{"name":${JSON.stringify(scope.name)}}`
    : `{"name":${JSON.stringify(scope.name)},"version":${JSON.stringify(scope.version)}}`;
}

/** The start of one ResourceLogs, up to its first LogRecord; `]}]}` closes it. */
export function groupJsonHead(resourceAttributes: Attributes, scope: string): string {
  return `{"resource":{"attributes":${attributesJson(resourceAttributes)}},"scopeLogs":[{"scope":${scope},"logRecords":[`;
}

/**
 * Encodes mapped entries (each with `log` and `resource` set) as one OTLP/JSON `ExportLogsServiceRequest` on a
 * single line (no newline): one ResourceLogs per distinct resource key with one ScopeLogs for `scope`.
 */
export function encodeLogsJson(entries: readonly LogEntry[], scope: Scope = defaultScope): string {
  const scopeText = scopeJson(scope);
  let s = '{"resourceLogs":[';
  let firstGroup = true;
  for (const group of groupByResource(entries)) {
    if (!firstGroup) s += ',';
    firstGroup = false;
    s += groupJsonHead(group.resource.attributes, scopeText);
    for (let i = 0; i < group.logs.length; i++) {
      if (i > 0) s += ',';
      s += logRecordJson(group.logs[i] as LogRecordData);
    }
    s += ']}]}';
  }
  return `${s}]}`;
}
