import type { JsonValue } from '@logpush-otel/pipeline';

/** A record value as a finite number: numbers, bigints and numeric strings; undefined otherwise. */
export function toNumber(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Whether a record value is absent: undefined, null or the empty string. */
export function isAbsent(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || value === '';
}
