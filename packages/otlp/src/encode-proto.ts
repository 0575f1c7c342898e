// A fast writer of the OTLP protobuf wire format (ExportLogsServiceRequest) straight from mapped entries.
// Two passes: the first computes every nested message and string length (kept in a flat Int32Array in the order
// the second pass needs them), the second writes into one exactly-sized buffer. Field order and presence match
// the official @opentelemetry/otlp-transformer serializer, so equal input gives identical bytes.
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, Attributes, LogEntry, LogRecordData, ResourceData } from '@logpush-otel/pipeline';
import { defaultScope } from './scope.ts';
import type { Scope } from './scope.ts';

let sizes = new Int32Array(16_384);
let sp = 0; // next slot to fill (pass 1)
let rp = 0; // next slot to read (pass 2)
let buf: Buffer = Buffer.alloc(0);
let pos = 0;

function reserve(): number {
  if (sp === sizes.length) {
    const bigger = new Int32Array(sizes.length * 2);
    bigger.set(sizes);
    sizes = bigger;
  }
  return sp++;
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function int64Size(n: number): number {
  if (n < 0) return 10;
  if (n < 0x10000000) return varintSize(n);
  let size = 4;
  let v = Math.floor(n / 0x10000000);
  while (v > 0) {
    size++;
    v = Math.floor(v / 128);
  }
  return size;
}

function bigintSize(n: bigint): number {
  let v = BigInt.asUintN(64, n);
  let size = 1;
  while (v >= 0x80n) {
    size++;
    v >>= 7n;
  }
  return size;
}

/** UTF-8 byte length, counting a lone surrogate as 3 bytes (U+FFFD), like Buffer and TextEncoder. */
function utf8Length(s: string): number {
  const n = s.length;
  if (n > 64) return Buffer.byteLength(s, 'utf8');
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 2; // 4 bytes for 2 code units
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

function isInt64(n: number): boolean {
  return Number.isInteger(n) && n >= -9223372036854775808 && n < 9223372036854775808;
}

// ---- pass 1: sizes ----

function sizeString(s: string): number {
  const length = utf8Length(s);
  sizes[reserve()] = length;
  return varintSize(length) + length;
}

function sizeAnyValue(value: AnyValue | undefined): number {
  switch (typeof value) {
    case 'string':
      return 1 + sizeString(value);
    case 'boolean':
      return 2;
    case 'number':
      return isInt64(value) ? 1 + int64Size(value) : 9;
    case 'bigint':
      return 1 + bigintSize(value);
    case 'object': {
      if (value === null) return 0;
      if (value instanceof Double) return 9;
      if (value instanceof Uint8Array) return 1 + varintSize(value.length) + value.length;
      const slot = reserve();
      let inner = 0;
      if (Array.isArray(value)) {
        for (const item of value) {
          const itemSlot = reserve();
          const itemSize = sizeAnyValue(item);
          sizes[itemSlot] = itemSize;
          inner += 1 + varintSize(itemSize) + itemSize;
        }
      } else {
        inner = sizeAttributes(value);
      }
      sizes[slot] = inner;
      return 1 + varintSize(inner) + inner;
    }
    default:
      return 0;
  }
}

function sizeKeyValue(key: string, value: AnyValue | undefined): number {
  const keySize = sizeString(key);
  const slot = reserve();
  const valueSize = sizeAnyValue(value);
  sizes[slot] = valueSize;
  return 1 + keySize + 1 + varintSize(valueSize) + valueSize;
}

/** Size of repeated KeyValue entries with a one-byte tag each. */
function sizeAttributes(attributes: Attributes): number {
  let total = 0;
  for (const key in attributes) {
    const slot = reserve();
    const kv = sizeKeyValue(key, attributes[key]);
    sizes[slot] = kv;
    total += 1 + varintSize(kv) + kv;
  }
  return total;
}

function sizeLogRecord(log: LogRecordData): number {
  let size = 9; // time_unix_nano
  if (log.severityNumber !== 0) size += 1 + varintSize(log.severityNumber);
  if (log.severityText !== '') size += 1 + sizeString(log.severityText);
  const bodySlot = reserve();
  const body = sizeAnyValue(log.body);
  sizes[bodySlot] = body;
  size += 1 + varintSize(body) + body;
  size += sizeAttributes(log.attributes);
  size += 1 + varintSize(log.droppedAttributesCount);
  size += 9; // observed_time_unix_nano
  if (log.eventName !== '') size += 1 + sizeString(log.eventName);
  return size;
}

function sizeScope(scope: Scope): number {
  let size = 1 + sizeString(scope.name);
  if (scope.version !== '') size += 1 + sizeString(scope.version);
  return size;
}

// ---- pass 2: writing ----

function writeVarint(n: number): void {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
}

function writeInt64(n: number): void {
  if (n >= 0 && n <= 0xffffffff) {
    writeVarint(n);
    return;
  }
  let low: number;
  let high: number;
  if (n >= 0) {
    low = n >>> 0;
    high = Math.floor(n / 4294967296) >>> 0;
  } else {
    const abs = -n;
    low = ~(abs >>> 0) >>> 0;
    high = ~(Math.floor(abs / 4294967296) >>> 0) >>> 0;
    low = (low + 1) >>> 0;
    if (low === 0) high = (high + 1) >>> 0;
  }
  while (high > 0 || low > 0x7f) {
    buf[pos++] = (low & 0x7f) | 0x80;
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
  }
  buf[pos++] = low;
}

function writeBigint(n: bigint): void {
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
}

function writeFixed64(n: bigint | undefined): void {
  if (n === undefined || n === 0n) {
    buf.fill(0, pos, pos + 8);
  } else {
    const v = BigInt.asUintN(64, n);
    buf.writeUInt32LE(Number(v & 0xffffffffn), pos);
    buf.writeUInt32LE(Number(v >> 32n), pos + 4);
  }
  pos += 8;
}

function writeString(s: string): void {
  const length = sizes[rp++] ?? 0;
  writeVarint(length);
  if (length === s.length) {
    if (length < 48) {
      for (let i = 0; i < length; i++) buf[pos + i] = s.charCodeAt(i);
    } else {
      buf.write(s, pos, length, 'latin1');
    }
  } else {
    buf.write(s, pos, length, 'utf8');
  }
  pos += length;
}

function writeAnyValue(value: AnyValue | undefined): void {
  switch (typeof value) {
    case 'string':
      buf[pos++] = 0x0a;
      writeString(value);
      return;
    case 'boolean':
      buf[pos++] = 0x10;
      buf[pos++] = value ? 1 : 0;
      return;
    case 'number':
      if (isInt64(value)) {
        buf[pos++] = 0x18;
        writeInt64(value);
      } else {
        buf[pos++] = 0x21;
        buf.writeDoubleLE(value, pos);
        pos += 8;
      }
      return;
    case 'bigint':
      buf[pos++] = 0x18;
      writeBigint(value);
      return;
    case 'object': {
      if (value === null) return;
      if (value instanceof Double) {
        buf[pos++] = 0x21;
        buf.writeDoubleLE(value.value, pos);
        pos += 8;
        return;
      }
      if (value instanceof Uint8Array) {
        buf[pos++] = 0x3a;
        writeVarint(value.length);
        buf.set(value, pos);
        pos += value.length;
        return;
      }
      if (Array.isArray(value)) {
        buf[pos++] = 0x2a;
        writeVarint(sizes[rp++] ?? 0);
        for (const item of value) {
          buf[pos++] = 0x0a;
          writeVarint(sizes[rp++] ?? 0);
          writeAnyValue(item);
        }
        return;
      }
      buf[pos++] = 0x32;
      writeVarint(sizes[rp++] ?? 0);
      writeAttributes(value, 0x0a);
      return;
    }
    default:
      return;
  }
}

function writeAttributes(attributes: Attributes, tag: number): void {
  for (const key in attributes) {
    buf[pos++] = tag;
    writeVarint(sizes[rp++] ?? 0);
    buf[pos++] = 0x0a;
    writeString(key);
    buf[pos++] = 0x12;
    writeVarint(sizes[rp++] ?? 0);
    writeAnyValue(attributes[key]);
  }
}

function writeLogRecord(log: LogRecordData): void {
  buf[pos++] = 0x09;
  writeFixed64(log.timeUnixNano);
  if (log.severityNumber !== 0) {
    buf[pos++] = 0x10;
    writeVarint(log.severityNumber);
  }
  if (log.severityText !== '') {
    buf[pos++] = 0x1a;
    writeString(log.severityText);
  }
  buf[pos++] = 0x2a;
  writeVarint(sizes[rp++] ?? 0);
  writeAnyValue(log.body);
  writeAttributes(log.attributes, 0x32);
  buf[pos++] = 0x38;
  writeVarint(log.droppedAttributesCount);
  buf[pos++] = 0x59;
  writeFixed64(log.observedTimeUnixNano);
  if (log.eventName !== '') {
    buf[pos++] = 0x62;
    writeString(log.eventName);
  }
}

function writeScope(scope: Scope): void {
  buf[pos++] = 0x0a;
  writeString(scope.name);
  if (scope.version !== '') {
    buf[pos++] = 0x12;
    writeString(scope.version);
  }
}

interface Group {
  readonly resource: ResourceData;
  readonly logs: LogRecordData[];
}

/** Groups entries by resource key, in first-seen order. Throws if an entry was not mapped. */
export function groupByResource(entries: readonly LogEntry[]): Group[] {
  const groups: Group[] = [];
  let last: Group | undefined;
  let byKey: Map<string, Group> | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined) continue;
    const { log, resource } = entry;
    if (log === undefined || resource === undefined) {
      throw new TypeError(
        `encode: entry ${i} (${entry.position.source}:${entry.position.line}) has no log/resource; map it with createMapper first`,
      );
    }
    if (last !== undefined && (last.resource === resource || last.resource.key === resource.key)) {
      last.logs.push(log);
      continue;
    }
    if (byKey === undefined) {
      byKey = new Map();
      for (const g of groups) byKey.set(g.resource.key, g);
    }
    let group = byKey.get(resource.key);
    if (group === undefined) {
      group = { resource, logs: [] };
      groups.push(group);
      byKey.set(resource.key, group);
    }
    group.logs.push(log);
    last = group;
  }
  return groups;
}

/**
 * Encodes mapped entries (each with `log` and `resource` set) as an OTLP `ExportLogsServiceRequest` in protobuf:
 * one ResourceLogs per distinct resource key (first-seen order) with one ScopeLogs for `scope`. Synchronous;
 * the result is a fresh buffer owned by the caller.
 */
export function encodeLogsProto(entries: readonly LogEntry[], scope: Scope = defaultScope): Uint8Array {
  const groups = groupByResource(entries);
  sp = 0;
  let total = 0;
  for (const group of groups) {
    const resourceLogsSlot = reserve();
    const resourceSlot = reserve();
    const resourceSize = sizeAttributes(group.resource.attributes) + 2;
    sizes[resourceSlot] = resourceSize;
    const scopeLogsSlot = reserve();
    const scopeSlot = reserve();
    const scopeSize = sizeScope(scope);
    sizes[scopeSlot] = scopeSize;
    let scopeLogs = 1 + varintSize(scopeSize) + scopeSize;
    for (const log of group.logs) {
      const slot = reserve();
      const size = sizeLogRecord(log);
      sizes[slot] = size;
      scopeLogs += 1 + varintSize(size) + size;
    }
    sizes[scopeLogsSlot] = scopeLogs;
    const resourceLogs = 1 + varintSize(resourceSize) + resourceSize + 1 + varintSize(scopeLogs) + scopeLogs;
    sizes[resourceLogsSlot] = resourceLogs;
    total += 1 + varintSize(resourceLogs) + resourceLogs;
  }
  buf = Buffer.allocUnsafe(total);
  pos = 0;
  rp = 0;
  for (const group of groups) {
    buf[pos++] = 0x0a;
    writeVarint(sizes[rp++] ?? 0);
    buf[pos++] = 0x0a;
    writeVarint(sizes[rp++] ?? 0);
    writeAttributes(group.resource.attributes, 0x0a);
    buf[pos++] = 0x10;
    buf[pos++] = 0;
    buf[pos++] = 0x12;
    writeVarint(sizes[rp++] ?? 0);
    buf[pos++] = 0x0a;
    writeVarint(sizes[rp++] ?? 0);
    writeScope(scope);
    for (const log of group.logs) {
      buf[pos++] = 0x12;
      writeVarint(sizes[rp++] ?? 0);
      writeLogRecord(log);
    }
  }
  if (pos !== total || rp !== sp) {
    throw new Error(`encodeLogsProto: internal size mismatch (wrote ${pos} of ${total} bytes)`);
  }
  const out = buf;
  buf = Buffer.alloc(0);
  return out;
}
