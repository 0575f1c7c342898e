import type { JsonValue, LogpushRecord } from '@logpush-otel/pipeline';

type RawJson = (text: string) => unknown;
const rawJSON = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

function bigintAsRaw(this: unknown, _key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? (rawJSON as RawJson)(value.toString()) : value;
}

/** JSON text of a parsed record, writing bigint integers as their exact digits (JSON.stringify throws on them). */
export function recordToJson(record: LogpushRecord): string {
  // JSON.rawJSON (Node 21+) keeps the exact digits and lets the native serializer do the rest.
  if (rawJSON === undefined) return write(record);
  // Fast path: bigints are nearly always top-level timestamps; swap them for raw JSON and serialize without a
  // replacer. A bigint deeper down makes JSON.stringify throw, and the replacer path handles it.
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    const v = record[key];
    if (typeof v === 'bigint') {
      copy ??= { ...record };
      copy[key] = rawJSON(v.toString());
    }
  }
  try {
    return JSON.stringify(copy ?? record);
  } catch {
    return JSON.stringify(record, bigintAsRaw);
  }
}

function write(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) parts.push(`${JSON.stringify(k)}:${write(v)}`);
  return `{${parts.join(',')}}`;
}
