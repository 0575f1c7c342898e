// A fast writer of the OTLP protobuf wire format (ExportLogsServiceRequest) straight from mapped entries. Field
// order and presence match the official @opentelemetry/otlp-transformer serializer, so equal input gives
// identical bytes.
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, Attributes, LogEntry, LogRecordData, ResourceData } from '@logpush-otel/pipeline';
import { defaultScope } from './scope.ts';
import type { Scope } from './scope.ts';

// One pass: each nested message reserves the bytes its length usually needs, is written, and then its length
// is filled in (moving the content when the length needs a different number of bytes), so the output is the
// canonical encoding with minimal varints.
let buf: Buffer = Buffer.alloc(1 << 20);
let pos = 0;

function ensure(extra: number): void {
  if (pos + extra <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + extra) size *= 2;
  const bigger = Buffer.alloc(size);
  buf.copy(bigger, 0, 0, pos);
  buf = bigger;
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function isInt64(n: number): boolean {
  return Number.isInteger(n) && n >= -9223372036854775808 && n < 9223372036854775808;
}

function writeVarint(n: number): void {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
}

/** Reserves `reserve` bytes for a length; returns where they start. */
function begin(reserve: number): number {
  ensure(reserve);
  const start = pos;
  pos += reserve;
  return start;
}

/** Writes the length of what followed `begin` at `start`, moving the content if the varint is not `reserve` long. */
function end(start: number, reserve: number): void {
  const length = pos - start - reserve;
  const size = varintSize(length);
  if (size !== reserve) {
    if (size > reserve) ensure(size - reserve);
    buf.copyWithin(start + size, start + reserve, pos);
    pos += size - reserve;
  }
  let p = start;
  let n = length;
  while (n > 0x7f) {
    buf[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[p] = n;
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

// The last fixed64 converted: consecutive records usually share their observed time.
let lastFixed = 0n;
let lastLow = 0;
let lastHigh = 0;

function writeFixed64(n: bigint | undefined): void {
  if (n === undefined || n === 0n) {
    buf.fill(0, pos, pos + 8);
  } else {
    if (n !== lastFixed) {
      const v = BigInt.asUintN(64, n);
      lastLow = Number(v & 0xffffffffn);
      lastHigh = Number(v >> 32n);
      lastFixed = n;
    }
    buf.writeUInt32LE(lastLow, pos);
    buf.writeUInt32LE(lastHigh, pos + 4);
  }
  pos += 8;
}

/** A length-prefixed UTF-8 string (lone surrogates become U+FFFD, as with TextEncoder). */
function writeString(s: string): void {
  const n = s.length;
  if (n < 43) {
    // At most 126 UTF-8 bytes: the length fits one byte.
    ensure(1 + 3 * n);
    const start = pos++;
    if (n < 16) {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          pos = start + 1 + buf.write(s, start + 1, 'utf8');
          buf[start] = pos - start - 1;
          return;
        }
        buf[pos++] = c;
      }
      buf[start] = n;
      return;
    }
    const written = buf.write(s, pos, 'utf8');
    pos += written;
    buf[start] = written;
    return;
  }
  // Reserve the length's varint for the all-ASCII case (byte length = string length) and write straight after
  // it; move the bytes only when multi-byte characters made the length need a longer varint.
  ensure(5 + 3 * n);
  const reserve = varintSize(n);
  const start = pos;
  pos += reserve;
  const written = buf.write(s, pos, 'utf8');
  pos += written;
  const size = varintSize(written);
  if (size !== reserve) {
    buf.copyWithin(start + size, start + reserve, pos);
    pos += size - reserve;
  }
  let p = start;
  let length = written;
  while (length > 0x7f) {
    buf[p++] = (length & 0x7f) | 0x80;
    length >>>= 7;
  }
  buf[p] = length;
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
        ensure(6 + value.length);
        buf[pos++] = 0x3a;
        writeVarint(value.length);
        buf.set(value, pos);
        pos += value.length;
        return;
      }
      if (Array.isArray(value)) {
        buf[pos++] = 0x2a;
        const start = begin(1);
        for (const item of value) {
          ensure(16);
          buf[pos++] = 0x0a;
          const itemStart = begin(1);
          writeAnyValue(item);
          end(itemStart, 1);
        }
        end(start, 1);
        return;
      }
      buf[pos++] = 0x32;
      const start = begin(1);
      writeAttributes(value, 0x0a);
      end(start, 1);
      return;
    }
    default:
      return;
  }
}

// Encoded `key` fields of KeyValue (tag, length, UTF-8 bytes) of recently seen attribute keys: a record's keys
// come from a bounded set, and copying their bytes beats encoding the string again.
const keyFields = new Map<string, Uint8Array>();

function keyField(key: string): Uint8Array | undefined {
  let field = keyFields.get(key);
  if (field === undefined) {
    const bytes = Buffer.from(key, 'utf8');
    if (bytes.length >= 128) return undefined;
    field = new Uint8Array(bytes.length + 2);
    field[0] = 0x0a;
    field[1] = bytes.length;
    field.set(bytes, 2);
    if (keyFields.size >= 8192) keyFields.clear();
    keyFields.set(key, field);
  }
  return field;
}

function writeAttributes(attributes: Attributes, tag: number): void {
  for (const key in attributes) {
    const field = keyField(key);
    ensure(24 + (field?.length ?? 0));
    buf[pos++] = tag;
    const start = begin(1);
    if (field !== undefined) {
      buf.set(field, pos);
      pos += field.length;
    } else {
      buf[pos++] = 0x0a;
      writeString(key);
    }
    ensure(16);
    buf[pos++] = 0x12;
    const valueStart = begin(1);
    writeAnyValue(attributes[key]);
    end(valueStart, 1);
    end(start, 1);
  }
}

function writeLogRecord(log: LogRecordData): void {
  ensure(32);
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
  ensure(16);
  buf[pos++] = 0x2a;
  const bodyStart = begin(2);
  writeAnyValue(log.body);
  end(bodyStart, 2);
  writeAttributes(log.attributes, 0x32);
  ensure(24);
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
  ensure(8);
  buf[pos++] = 0x0a;
  writeString(scope.name);
  if (scope.version !== '') {
    ensure(2);
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
  pos = 0;
  for (const group of groups) {
    ensure(16);
    buf[pos++] = 0x0a;
    const resourceLogs = begin(4);
    buf[pos++] = 0x0a;
    const resource = begin(2);
    writeAttributes(group.resource.attributes, 0x0a);
    ensure(2);
    buf[pos++] = 0x10;
    buf[pos++] = 0;
    end(resource, 2);
    ensure(8);
    buf[pos++] = 0x12;
    const scopeLogs = begin(4);
    buf[pos++] = 0x0a;
    const scopeStart = begin(1);
    writeScope(scope);
    end(scopeStart, 1);
    for (const log of group.logs) {
      ensure(8);
      buf[pos++] = 0x12;
      const record = begin(2);
      writeLogRecord(log);
      end(record, 2);
    }
    end(scopeLogs, 4);
    end(resourceLogs, 4);
  }
  // Hand the written bytes out without copying; the next call writes into a fresh buffer sized for a similar
  // request (so a batch rarely grows the buffer, and the returned view wastes little memory). Buffers are
  // zero-filled (fresh pages from the OS, cheap), so the bytes past the view never hold stale process memory.
  const out = buf.subarray(0, pos);
  buf = Buffer.alloc(Math.max(1 << 16, Math.ceil(pos * 1.1) + 1024));
  return out;
}
