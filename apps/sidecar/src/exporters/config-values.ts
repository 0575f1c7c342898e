// Small readers for exporter configuration values. Each accepts both what a user writes in YAML (`10s`, `4MiB`)
// and the resolved form the exporter's defaultConfig() holds (milliseconds, bytes), so validating a validated
// config gives the same config back.
import type { ConfigIssue } from '@logpush-otel/pipeline';

/** Shows a config value in a message: strings quoted, long values cut to 60 characters. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (Array.isArray(value)) text = 'a list';
  else if (typeof value === 'object') text = 'a mapping';
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    text = String(value);
  else text = typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Whether `value` is a plain mapping. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?$/i;
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Reads one component's mapping and collects every problem with its path. Getters return the valid value or
 * the fallback (recording an issue); `finish` reports unknown keys too.
 */
export class ValueReader {
  readonly issues: ConfigIssue[] = [];
  readonly path: string;
  readonly #values: Record<string, unknown>;
  readonly #seen = new Set<string>();
  readonly #children: ValueReader[] = [];

  constructor(config: unknown, path: string) {
    this.path = path;
    if (config === undefined || config === null) this.#values = {};
    else if (isMapping(config)) this.#values = config;
    else {
      this.#values = {};
      this.issues.push({ path, message: `expected a mapping, got ${describeValue(config)}` });
    }
  }

  issue(key: string, message: string): void {
    this.issues.push({ path: key === '' ? this.path : `${this.path}.${key}`, message });
  }

  raw(key: string): unknown {
    this.#seen.add(key);
    const v = this.#values[key];
    return v === null ? undefined : v;
  }

  string(key: string, fallback: string): string {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === 'string') return v;
    this.issue(key, `expected a string, got ${describeValue(v)}`);
    return fallback;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    this.issue(key, `expected true or false, got ${describeValue(v)}`);
    return fallback;
  }

  number(
    key: string,
    fallback: number,
    options: { min?: number; max?: number; integer?: boolean } = {},
  ): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    const { min, max, integer } = options;
    if (
      !Number.isFinite(n) ||
      (integer === true && !Number.isInteger(n)) ||
      (min !== undefined && n < min) ||
      (max !== undefined && n > max)
    ) {
      const range = [min === undefined ? '' : `>= ${min}`, max === undefined ? '' : `<= ${max}`]
        .filter((s) => s !== '')
        .join(' and ');
      this.issue(
        key,
        `expected ${integer === true ? 'an integer' : 'a number'}${range === '' ? '' : ` ${range}`}, got ${describeValue(v)}`,
      );
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.issue(key, `expected one of ${allowed.join(', ')}, got ${describeValue(v)}`);
    return fallback;
  }

  /** A duration: `200ms`, `5s`, `1.5m`, `2h`, or a number of milliseconds. */
  duration(key: string, fallbackMs: number, options: { minMs?: number } = {}): number {
    const v = this.raw(key);
    if (v === undefined) return fallbackMs;
    let ms: number | undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) ms = v;
    else if (typeof v === 'string') {
      const m = DURATION.exec(v.trim());
      if (m !== null) ms = Math.round(Number(m[1]) * (DURATION_UNITS[m[2] ?? 'ms'] ?? 1));
      else if (v.trim() === '0') ms = 0;
    }
    if (ms === undefined) {
      this.issue(
        key,
        `expected a duration such as 500ms, 5s or 1m (or milliseconds), got ${describeValue(v)}`,
      );
      return fallbackMs;
    }
    if (options.minMs !== undefined && ms < options.minMs) {
      this.issue(key, `expected a duration of at least ${options.minMs}ms, got ${describeValue(v)}`);
      return fallbackMs;
    }
    return ms;
  }

  /** A byte size: `4MiB`, `512KiB`, `5MB`, or a number of bytes. */
  byteSize(key: string, fallback: number, options: { min?: number } = {}): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    let n: number | undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = v;
    else if (typeof v === 'string') {
      const m = SIZE.exec(v.trim());
      if (m !== null) n = Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
    }
    if (n === undefined || (options.min !== undefined && n < options.min)) {
      const floor = options.min === undefined ? '' : ` of at least ${options.min} bytes`;
      this.issue(key, `expected a size${floor} such as 4MiB, 512KiB or 100000, got ${describeValue(v)}`);
      return fallback;
    }
    return n;
  }

  /** A mapping of names to strings (numbers and booleans are turned into strings). */
  stringMap(key: string, fallback: Readonly<Record<string, string>>): Record<string, string> {
    const v = this.raw(key);
    if (v === undefined) return { ...fallback };
    if (!isMapping(v)) {
      this.issue(key, `expected a mapping of names to strings, got ${describeValue(v)}`);
      return { ...fallback };
    }
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v)) {
      if (typeof item === 'string') out[k] = item;
      else if (typeof item === 'number' || typeof item === 'boolean') out[k] = String(item);
      else this.issue(`${key}.${k}`, `expected a string, got ${describeValue(item)}`);
    }
    return out;
  }

  /** A nested mapping, read by a child reader whose issues land in this one's list. */
  section(key: string): ValueReader {
    const child = new ValueReader(this.raw(key), `${this.path}.${key}`);
    this.#children.push(child);
    return child;
  }

  /** The validation result: the config, or every issue (unknown keys included, with the known ones listed). */
  finish<C>(config: C): { ok: true; config: C } | { ok: false; issues: ConfigIssue[] } {
    const issues = [...this.#allIssues()];
    return issues.length === 0 ? { ok: true, config } : { ok: false, issues };
  }

  *#allIssues(): Generator<ConfigIssue> {
    yield* this.issues;
    const known = [...this.#seen].sort().join(', ');
    for (const key of Object.keys(this.#values)) {
      if (!this.#seen.has(key))
        yield { path: `${this.path}.${key}`, message: `unknown key (known keys: ${known})` };
    }
    for (const child of this.#children) yield* child.#allIssues();
  }
}
