// The protobuf writer of OTLP logs: values, attributes (from an object or straight from an AttributeBuilder),
// LogRecords and the ResourceLogs/ScopeLogs framing. Field order and presence match the official
// @opentelemetry/otlp-transformer serializer, so equal input gives identical bytes. Used by encode-proto.ts
// (mapped entries) and direct-encoder.ts (records mapped straight into the request).
import { Double } from '@logpush-otel/pipeline';
import type { AnyValue, Attributes } from '@logpush-otel/pipeline';
import { AttributeBuilder, KeyCache, arrayIndex } from './attribute-builder.ts';
import type { LogRecordFields } from './mapper.ts';
import type { Scope } from './scope.ts';

// One pass: each nested message reserves the bytes its length usually needs, is written, and then its length
// is filled in (moving the content when the length needs a different number of bytes), so the output is the
// canonical encoding with minimal varints. The functions write at `pos` into `buf`, the buffer of the sink
// entered last.
let buf: Buffer = Buffer.alloc(0);
let pos = 0;

/** An output buffer and its write position; the writer functions write into the sink entered last. */
export interface Sink {
  buf: Buffer;
  pos: number;
}

/** Makes `sink` the target of the writer functions (until {@link leave}; synchronous use only). */
export function enter(sink: Sink): void {
  buf = sink.buf;
  pos = sink.pos;
}

/** Stores the write state back into `sink` (the buffer may have grown). */
export function leave(sink: Sink): void {
  sink.buf = buf;
  sink.pos = pos;
}

/** Where the next byte is written in the entered sink. */
export function position(): number {
  return pos;
}

/** Drops what was written from `at` on (a record that failed half-way). */
export function truncate(at: number): void {
  pos = at;
}

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

// A fixed64 goes through a one-element BigUint64Array: storing a bigint there wraps it to 64 bits without
// allocating (shifting and masking bigints allocates at every step, several times slower).
const fixed = new BigUint64Array(1);
const fixedBytes = new Uint8Array(fixed.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeFixed64(n: bigint | undefined): void {
  if (n === undefined || n === 0n) {
    buf.fill(0, pos, pos + 8);
  } else {
    fixed[0] = n;
    if (littleEndian) for (let i = 0; i < 8; i++) buf[pos + i] = fixedBytes[i] ?? 0;
    else for (let i = 0; i < 8; i++) buf[pos + i] = fixedBytes[7 - i] ?? 0;
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

/** The encoded `key` field of KeyValue, or undefined when the key is too long to be worth caching. */
function encodeKeyField(key: string): Uint8Array | undefined {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length >= 128) return undefined;
  const field = new Uint8Array(bytes.length + 2);
  field[0] = 0x0a;
  field[1] = bytes.length;
  field.set(bytes, 2);
  return field;
}

function keyField(key: string): Uint8Array | undefined {
  let field = keyFields.get(key);
  if (field === undefined) {
    field = encodeKeyField(key);
    if (field === undefined) return undefined;
    if (keyFields.size >= 8192) keyFields.clear();
    keyFields.set(key, field);
  }
  return field;
}

/** One KeyValue as field `tag`: `field` is the key's encoded field (or undefined: written from `key`). */
function writeKeyValue(
  tag: number,
  field: Uint8Array | undefined,
  key: string,
  value: AnyValue | undefined,
): void {
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
  writeAnyValue(value);
  end(valueStart, 1);
  end(start, 1);
}

function writeAttributes(attributes: Attributes, tag: number): void {
  for (const key in attributes) writeKeyValue(tag, keyField(key), key, attributes[key]);
}

/** What the writer keeps per attribute id: the key, its encoded field, and its array index (-1 if none). */
interface KeyHead {
  readonly key: string;
  readonly field: Uint8Array | undefined;
  readonly index: number;
}

const heads = new KeyCache<KeyHead>((key) => ({ key, field: encodeKeyField(key), index: arrayIndex(key) }));

/** The builder's attributes as KeyValues, in the order of the object `b.build()` would make. */
function writeBuilderAttributes(b: AttributeBuilder, tag: number): void {
  heads.check();
  const n = b.n;
  const ids = b.ids;
  const values = b.values;
  const first = pos;
  let indexed: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const head = heads.get(ids[i] ?? 0);
    if (head.index >= 0) (indexed ??= []).push(i);
    else writeKeyValue(tag, head.field, head.key, values[i]);
  }
  if (indexed === undefined) return;
  // Rare (numeric processor keys, raw field names): write the array-index keys in ascending order after the
  // others, then move them to the front.
  indexed.sort((x, y) => heads.get(ids[x] ?? 0).index - heads.get(ids[y] ?? 0).index);
  const middle = pos;
  for (const i of indexed) {
    const head = heads.get(ids[i] ?? 0);
    writeKeyValue(tag, head.field, head.key, values[i]);
  }
  const moved = Buffer.from(buf.subarray(middle, pos));
  buf.copyWithin(first + moved.length, first, middle);
  moved.copy(buf, first);
}

/**
 * One LogRecord (field 2 of ScopeLogs) with the attributes of an object (the mapped entry's) or of the builder
 * the mapping filled (the direct path): the same bytes for the same attributes.
 */
export function writeLogRecord(log: LogRecordFields, attributes: Attributes | AttributeBuilder): void {
  ensure(40);
  buf[pos++] = 0x12;
  const record = begin(2);
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
  if (attributes instanceof AttributeBuilder) writeBuilderAttributes(attributes, 0x32);
  else writeAttributes(attributes, 0x32);
  ensure(24);
  buf[pos++] = 0x38;
  writeVarint(log.droppedAttributesCount);
  buf[pos++] = 0x59;
  writeFixed64(log.observedTimeUnixNano);
  if (log.eventName !== '') {
    buf[pos++] = 0x62;
    writeString(log.eventName);
  }
  end(record, 2);
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

/** Where the lengths of an open ResourceLogs and of its ScopeLogs go (see {@link closeGroup}). */
export interface OpenGroup {
  readonly resourceLogs: number;
  readonly scopeLogs: number;
}

/**
 * Opens one ResourceLogs (field 1 of the request): its Resource, and the header of its one ScopeLogs for
 * `scope`. The group's LogRecords follow ({@link writeLogRecord}), then {@link closeGroup}.
 */
export function openGroup(resourceAttributes: Attributes, scope: Scope): OpenGroup {
  ensure(16);
  buf[pos++] = 0x0a;
  const resourceLogs = begin(4);
  buf[pos++] = 0x0a;
  const resource = begin(2);
  writeAttributes(resourceAttributes, 0x0a);
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
  return { resourceLogs, scopeLogs };
}

/** Writes the lengths of a group opened with {@link openGroup} (nothing of it may follow yet). */
export function closeGroup(group: OpenGroup): void {
  end(group.scopeLogs, 4);
  end(group.resourceLogs, 4);
}
