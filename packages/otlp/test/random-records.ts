// Seeded random records of any dataset of the catalogue, built from its field list: every field type, values of
// the wrong type, empty and missing fields, bigints beyond 2^53, Unicode, cookie and secret headers, numeric and
// `__proto__` object keys, oversized objects, unknown fields, odd or missing timestamps; and processor
// attributes that collide with table keys. For tests that compare two paths on inputs nobody wrote by hand.
import type { Attributes, JsonValue, LogEntry, LogpushRecord } from '@logpush-otel/pipeline';
import { getDataset, toUnixNano } from '@logpush-otel/schema';
import type { FieldSchema } from '@logpush-otel/schema';
import { OBSERVED } from './helpers.ts';

/** A small seeded PRNG (mulberry32). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

const STRINGS = [
  'example.com',
  'GET',
  'post',
  'HTTP/2',
  'TLSv1.3',
  'none',
  'block',
  '192.0.2.44',
  '2001:db8::1',
  '/path/to?token=secret&q=1',
  'https://user:pw@example.com/a?b=c',
  'éé東京🚀',
  '\ud800 lone',
  'a'.repeat(130),
  '東'.repeat(50),
  '{"nested":"json"}',
  '2023-11-14T22:13:20.123456789Z',
  '1700000000',
  'true',
  '0',
];

const OBJECT_KEYS = [
  'Cookie',
  'set-cookie',
  'cookie2',
  'Authorization',
  'X-Forwarded-For',
  'user-agent',
  'Content-Type',
  '5',
  '10',
  'a.b',
  'UPPER',
  'with space',
  'ключ',
  '__proto__',
  'session',
];

function scalar(r: Random): JsonValue {
  switch (r.int(8)) {
    case 0:
      return r.int(1000);
    case 1:
      return r.pick([9007199254740993n, -9223372036854775808n, 18446744073709551615n, 1700000000123456789n]);
    case 2:
      return r.pick([1.5, 2, -0.25, 1e300, 0]);
    case 3:
      return r.chance(0.5);
    default:
      return r.pick(STRINGS);
  }
}

function object(r: Random, depth: number): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  const n = r.chance(0.1) ? 40 : r.int(6);
  for (let i = 0; i < n; i++) {
    const key = i < OBJECT_KEYS.length && r.chance(0.6) ? r.pick(OBJECT_KEYS) : `k${i}`;
    const value = depth < 2 && r.chance(0.15) ? anyValue(r, depth + 1) : scalar(r);
    // an own `__proto__` key, as JSON.parse makes it
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function anyValue(r: Random, depth: number): JsonValue {
  switch (r.int(4)) {
    case 0:
      return object(r, depth);
    case 1:
      return Array.from({ length: r.int(4) }, () => (r.chance(0.8) ? scalar(r) : object(r, depth + 1)));
    default:
      return scalar(r);
  }
}

function timestamp(r: Random): JsonValue {
  return r.pick<JsonValue>([
    1700000000123456789n,
    1700000000,
    1700000000123,
    '2023-11-14T22:13:20Z',
    '2023-11-14T22:13:20.123456789Z',
    'not a time',
    -1,
  ]);
}

function fieldValue(r: Random, field: FieldSchema): JsonValue {
  if (field.enum !== undefined && field.enum.length > 0 && r.chance(0.7)) {
    const v = r.pick(field.enum);
    return r.chance(0.2) ? v.toUpperCase() : v;
  }
  if (r.chance(0.08)) return anyValue(r, 1); // the wrong type
  switch (field.type) {
    case 'int':
      return r.chance(0.2) ? r.pick([9007199254740993n, -5, 0]) : r.int(70000);
    case 'float':
      return r.pick([0.5, 3, 1.25e-7, 100]);
    case 'bool':
      return r.chance(0.5);
    case 'object':
      return object(r, 0);
    case 'int or string':
      return r.chance(0.5) ? r.int(100000) : r.pick(STRINGS);
    case 'array[string]':
      return Array.from({ length: r.int(4) }, () => r.pick(STRINGS));
    case 'array[int]':
      return Array.from({ length: r.int(4) }, () => r.int(500));
    case 'array[object]':
      return Array.from({ length: r.int(3) }, () => object(r, 1));
    case 'string':
      return field.unit !== undefined && r.chance(0.5) ? r.int(100000) : r.pick(STRINGS);
  }
}

/** One random record of `dataset` (a catalogue id). */
export function randomRecord(r: Random, dataset: string): LogpushRecord {
  const schema = getDataset(dataset);
  const record: LogpushRecord = {};
  for (const field of schema?.fields ?? []) {
    const roll = r.next();
    if (roll < 0.12) continue;
    if (roll < 0.16) record[field.name] = null;
    else if (roll < 0.2) record[field.name] = '';
    else if (field.name === schema?.timestampField || schema?.otherTimestampFields.includes(field.name))
      record[field.name] = r.chance(0.85) ? 1700000000123456789n + BigInt(r.int(1e6)) : timestamp(r);
    else record[field.name] = fieldValue(r, field);
  }
  // schema drift: fields the tables do not know
  if (r.chance(0.3)) record.NewField = scalar(r);
  if (r.chance(0.1)) record.Cookies = object(r, 1);
  if (r.chance(0.1)) record['7'] = scalar(r);
  if (r.chance(0.1)) record.SomeObject = object(r, 0);
  return record;
}

const PROCESSOR_ATTRIBUTES: readonly (readonly [string, JsonValue | number[]])[] = [
  ['geo.country.iso_code', 'FR'],
  ['user_agent.original', 'Mozilla/5.0'],
  ['log.file.name', 'a.log.gz'],
  ['2', 'two'],
  ['10', 10],
  ['Status', 'reserved for datadog'],
  ['http_request_method', 'collides for Loki'],
  ['http.request.method', 'PATCH'],
  ['client.geo.location', [1.5, 2]],
  ['network.peer.address', '198.51.100.7'],
];

/** The time the parser would give `record` (undefined when its timestamp field is missing or unreadable). */
function eventTime(dataset: string, record: LogpushRecord): bigint | undefined {
  const field = getDataset(dataset)?.timestampField;
  const value = field === undefined ? undefined : record[field];
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return toUnixNano(value);
  } catch {
    return undefined;
  }
}

/** A random entry of `dataset`: a random record, sometimes processor attributes, sometimes a rewritten raw. */
export function randomEntry(r: Random, dataset: string, line: number): LogEntry {
  const record = randomRecord(r, dataset);
  const attributes: Attributes = {};
  if (r.chance(0.4)) {
    for (const [key, value] of PROCESSOR_ATTRIBUTES) if (r.chance(0.4)) attributes[key] = value;
  }
  const raw = JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return {
    dataset,
    record,
    timeUnixNano: eventTime(dataset, record),
    observedUnixNano: OBSERVED + BigInt(line),
    raw,
    position: { source: 'random', line, offset: 0 },
    attributes,
  };
}
