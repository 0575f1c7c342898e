// Values per schema. The rules (documented in the README):
// - null and '' mean absent: such object members are removed at every depth, known and unknown fields alike
//   (done while parsing, see exact-json.ts and the CSV cell typing); array items are kept.
// - int: a digit string becomes a number, or a bigint beyond 2^53. float: a numeric string becomes a number.
//   bool: 'true'/'false' become booleans. 'int or string': kept as given.
// - array[...]: a scalar becomes a one-element array; array[int] digit-string items become numbers (or bigint).
// - Anything else, including values whose type does not match the schema and unknown fields, is kept as given.
import type { JsonValue, LogpushRecord } from './types.ts';
import type { DatasetSchema, FieldType, TimeUnit } from '@logpush-otel/schema';
import { TimestampError, toUnixNano } from '@logpush-otel/schema';
import { integerFromDigits } from './csv.ts';

/** How a field is coerced. */
export const Kind = {
  string: 0,
  int: 1,
  float: 2,
  bool: 3,
  intOrString: 4,
  object: 5,
  arrayString: 6,
  arrayInt: 7,
  arrayObject: 8,
} as const;
/** One of {@link Kind}. */
export type Kind = (typeof Kind)[keyof typeof Kind];

const kindOfType: Readonly<Record<FieldType, Kind>> = {
  string: Kind.string,
  int: Kind.int,
  float: Kind.float,
  bool: Kind.bool,
  'int or string': Kind.intOrString,
  object: Kind.object,
  'array[string]': Kind.arrayString,
  'array[int]': Kind.arrayInt,
  'array[object]': Kind.arrayObject,
};

const TIME_UNITS = new Set<string>(['nanoseconds', 'microseconds', 'milliseconds', 'seconds']);

/** A dataset prepared for fast per-record work. */
export interface CompiledDataset {
  readonly id: string;
  readonly schema: DatasetSchema | undefined;
  readonly kinds: ReadonlyMap<string, Kind>;
  readonly timestampField: string | undefined;
  readonly timestampUnit: TimeUnit | undefined;
}

const compiled = new WeakMap<DatasetSchema, CompiledDataset>();

/** Field names tried, in order, for the event time of a record of an unknown dataset. */
export const UNKNOWN_TIMESTAMP_FIELDS: readonly string[] = [
  'EdgeStartTimestamp',
  'Datetime',
  'Timestamp',
  'timestamp',
  'time',
];

/** The 'unknown' dataset: no schema, no coercion beyond removing null and ''. */
export const UNKNOWN: CompiledDataset = {
  id: 'unknown',
  schema: undefined,
  kinds: new Map(),
  timestampField: undefined,
  timestampUnit: undefined,
};

/** Prepares (and caches) a dataset schema. */
export function compileDataset(schema: DatasetSchema): CompiledDataset {
  const cached = compiled.get(schema);
  if (cached !== undefined) return cached;
  const kinds = new Map<string, Kind>();
  for (const f of schema.fields) kinds.set(f.name, kindOfType[f.type]);
  const unit = schema.fieldsByName.get(schema.timestampField)?.unit;
  const result: CompiledDataset = {
    id: schema.id,
    schema,
    kinds,
    timestampField: schema.timestampField,
    timestampUnit: unit !== undefined && TIME_UNITS.has(unit) ? (unit as TimeUnit) : undefined,
  };
  compiled.set(schema, result);
  return result;
}

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function toInt(v: JsonValue): JsonValue {
  return typeof v === 'string' && INTEGER.test(v) ? integerFromDigits(v) : v;
}

/** Applies the coercion rules to `record` in place; returns how many of its fields the dataset does not know. */
export function coerceRecord(record: LogpushRecord, dataset: CompiledDataset): number {
  const kinds = dataset.kinds;
  let unknown = 0;
  for (const key in record) {
    const v = record[key] as JsonValue;
    const kind = kinds.get(key);
    if (kind === undefined) {
      unknown++;
      continue;
    }
    switch (kind) {
      case Kind.int:
        if (typeof v === 'string' && INTEGER.test(v)) record[key] = integerFromDigits(v);
        break;
      case Kind.float:
        if (typeof v === 'string' && NUMBER.test(v)) record[key] = Number(v);
        break;
      case Kind.bool:
        if (v === 'true') record[key] = true;
        else if (v === 'false') record[key] = false;
        break;
      case Kind.arrayString:
      case Kind.arrayObject:
        if (!Array.isArray(v)) record[key] = [v];
        break;
      case Kind.arrayInt:
        if (!Array.isArray(v)) record[key] = [toInt(v)];
        else if (v.some((item) => typeof item === 'string')) record[key] = v.map(toInt);
        break;
      default:
        break;
    }
  }
  return unknown;
}

/** The event time of a coerced record, or a TimestampError naming the field. */
export function eventTime(
  record: LogpushRecord,
  dataset: CompiledDataset,
): { time: bigint | undefined } | { field: string; error: TimestampError } {
  const field = dataset.timestampField;
  if (field === undefined) {
    for (const name of UNKNOWN_TIMESTAMP_FIELDS) {
      const v = record[name];
      if (v === undefined) continue;
      try {
        return { time: toUnixNano(v) };
      } catch {
        return { time: undefined };
      }
    }
    return { time: undefined };
  }
  const v = record[field];
  if (v === undefined) return { time: undefined };
  try {
    return { time: toUnixNano(v, dataset.timestampUnit) };
  } catch (e) {
    if (e instanceof TimestampError) return { field, error: e };
    throw e;
  }
}
