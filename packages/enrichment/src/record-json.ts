import type { JsonValue, LogpushRecord } from '@logpush-otel/pipeline';

/** JSON text of a parsed record, writing bigint integers as their exact digits (JSON.stringify throws on them). */
export function recordToJson(record: LogpushRecord): string {
  return write(record);
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
