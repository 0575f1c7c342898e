import type { ConfigIssue } from './errors.ts';

/** Shows a config value in a message: strings quoted, long values truncated to 60 characters. */
export function describeValue(value: unknown): string {
  let text: string;
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}`;
  else if (Array.isArray(value)) text = 'a list';
  else if (typeof value === 'object') text = 'a mapping';
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Whether `value` is a plain object (a YAML mapping). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Merges `override` over `base`: mappings merge key by key (recursively), everything else (lists, scalars)
 * replaces. `null` in `override` for a whole component section means "defaults", as in the Collector.
 */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (override === undefined || override === null) return base;
  if (isPlainObject(base) && isPlainObject(override)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) out[key] = mergeConfig(base[key], value);
    return out;
  }
  return override;
}

const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration such as `200ms`, `5s`, `1.5m`, `2h` (or the number 0) into milliseconds; undefined if invalid. */
export function parseDuration(value: unknown): number | undefined {
  if (value === 0) return 0;
  if (typeof value !== 'string') return undefined;
  const m = durationPattern.exec(value.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (durationUnits[m[2] ?? 'ms'] ?? 1));
}

const sizePattern = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?$/i;
const sizeUnits: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses a byte size such as `4MiB`, `512KiB`, `1000000` (or a number) into bytes; undefined if invalid. */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = sizePattern.exec(value.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (sizeUnits[(m[2] ?? 'b').toLowerCase()] ?? 1));
}

/**
 * Reads one component's configuration mapping, collecting every problem with its path instead of stopping at
 * the first. Each getter returns the value when valid, or the fallback (and records an issue). Call
 * {@link ConfigReader.finish} last: it reports keys that no getter asked for as unknown.
 *
 * ```ts
 * const r = new ConfigReader(config, 'exporters.otlp');
 * const endpoint = r.url('endpoint', '');
 * return r.finish({ endpoint });
 * ```
 */
export class ConfigReader {
  readonly path: string;
  readonly issues: ConfigIssue[] = [];
  private readonly values: Record<string, unknown>;
  private readonly seen = new Set<string>();
  private readonly children: ConfigReader[] = [];

  /** `config` should be a mapping (null and undefined count as empty); `path` prefixes every issue. */
  constructor(config: unknown, path: string) {
    this.path = path;
    if (config === null || config === undefined) this.values = {};
    else if (isPlainObject(config)) this.values = config;
    else {
      this.values = {};
      this.issue('', `expected a mapping, got ${describeValue(config)}`);
    }
  }

  /** Records a problem at `key` (relative to this reader's path; '' for the section itself). */
  issue(key: string, message: string): void {
    this.issues.push({ path: key === '' ? this.path : `${this.path}.${key}`, message });
  }

  /** The raw value at `key` (marks it as known). */
  raw(key: string): unknown {
    this.seen.add(key);
    return this.values[key];
  }

  /** Whether the user set `key` (to something other than null). */
  has(key: string): boolean {
    const v = this.values[key];
    return v !== undefined && v !== null;
  }

  /** A string; `options.nonEmpty` rejects ''. */
  string(key: string, fallback: string, options?: { nonEmpty?: boolean }): string {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') {
      this.issue(key, `expected a string, got ${describeValue(v)}`);
      return fallback;
    }
    if (options?.nonEmpty === true && v.length === 0) {
      this.issue(key, 'expected a non-empty string, got ""');
      return fallback;
    }
    return v;
  }

  /** An optional string: undefined when absent. */
  optionalString(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.issue(key, `expected a string, got ${describeValue(v)}`);
      return undefined;
    }
    return v;
  }

  /** A boolean (YAML true/false; also the strings "true"/"false" that env substitution produces). */
  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    this.issue(key, `expected true or false, got ${describeValue(v)}`);
    return fallback;
  }

  /** A number within `[min, max]`; `integer` requires a whole number. Numeric strings are accepted. */
  number(key: string, fallback: number, options?: { min?: number; max?: number; integer?: boolean }): number {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    const kind = options?.integer === true ? 'an integer' : 'a number';
    const min = options?.min;
    const max = options?.max;
    const range =
      min !== undefined && max !== undefined
        ? ` between ${min} and ${max}`
        : min !== undefined
          ? ` >= ${min}`
          : max !== undefined
            ? ` <= ${max}`
            : '';
    if (
      !Number.isFinite(n) ||
      (options?.integer === true && !Number.isInteger(n)) ||
      (min !== undefined && n < min) ||
      (max !== undefined && n > max)
    ) {
      this.issue(key, `expected ${kind}${range}, got ${describeValue(v)}`);
      return fallback;
    }
    return n;
  }

  /**
   * A duration (`200ms`, `5s`, `1m`, `1h`) in milliseconds. With `options.milliseconds`, a plain non-negative
   * number (or the string "0") is also taken as milliseconds: the resolved form a component's defaults hold, so
   * validating a validated config gives the same config back.
   */
  duration(key: string, fallbackMs: number, options?: { minMs?: number; milliseconds?: boolean }): number {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallbackMs;
    const asMs = options?.milliseconds === true;
    const ms =
      asMs && typeof v === 'number'
        ? Number.isFinite(v) && v >= 0
          ? v
          : undefined
        : asMs && typeof v === 'string' && v.trim() === '0'
          ? 0
          : parseDuration(v);
    if (ms === undefined) {
      const also = asMs ? ' (or milliseconds)' : '';
      this.issue(key, `expected a duration such as 200ms, 5s or 1m${also}, got ${describeValue(v)}`);
      return fallbackMs;
    }
    if (options?.minMs !== undefined && ms < options.minMs) {
      this.issue(key, `expected a duration of at least ${options.minMs}ms, got ${describeValue(v)}`);
      return fallbackMs;
    }
    return ms;
  }

  /** A byte size (`4MiB`, `512KiB`, `100000`) in bytes. */
  byteSize(key: string, fallback: number, options?: { min?: number }): number {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    const n = parseByteSize(v);
    if (n === undefined || (options?.min !== undefined && n < options.min)) {
      const floor = options?.min !== undefined ? ` of at least ${options.min} bytes` : '';
      this.issue(key, `expected a size${floor} such as 4MiB, 512KiB or 100000, got ${describeValue(v)}`);
      return fallback;
    }
    return n;
  }

  /** One of `allowed`. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.issue(key, `expected one of ${allowed.join(', ')}, got ${describeValue(v)}`);
    return fallback;
  }

  /** An http(s) URL (as a string); `fallback` when absent. */
  url(key: string, fallback: string): string {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') {
      try {
        const u = new URL(v);
        if (u.protocol === 'http:' || u.protocol === 'https:') return v;
      } catch {
        // reported below
      }
    }
    this.issue(key, `expected an http(s) URL, got ${describeValue(v)}`);
    return fallback;
  }

  /** A list of strings (a single string is accepted as a one-item list). */
  stringList(key: string, fallback: readonly string[]): string[] {
    const v = this.raw(key);
    if (v === undefined || v === null) return [...fallback];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) {
      const out: string[] = [];
      v.forEach((item, i) => {
        if (typeof item === 'string') out.push(item);
        else this.issue(`${key}[${i}]`, `expected a string, got ${describeValue(item)}`);
      });
      return out;
    }
    this.issue(key, `expected a list of strings, got ${describeValue(v)}`);
    return [...fallback];
  }

  /** A mapping of string to string (headers, attributes). Numbers and booleans are converted to strings. */
  stringMap(key: string, fallback: Readonly<Record<string, string>>): Record<string, string> {
    const v = this.raw(key);
    if (v === undefined || v === null) return { ...fallback };
    if (!isPlainObject(v)) {
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

  /** A nested section, read by its own reader (whose issues are merged into this one by `finish`). */
  section(key: string): ConfigReader {
    const child = new ConfigReader(this.raw(key), `${this.path}.${key}`);
    this.children.push(child);
    return child;
  }

  /** Every issue of this reader and its sections, plus one per unknown key (listing the known ones). */
  allIssues(): ConfigIssue[] {
    const unknown = Object.keys(this.values).filter((k) => !this.seen.has(k));
    const issues = [...this.issues];
    for (const key of unknown) {
      const known = [...this.seen].sort().join(', ');
      issues.push({
        path: `${this.path}.${key}`,
        message: `unknown key${known === '' ? '' : ` (known keys: ${known})`}`,
      });
    }
    for (const child of this.children) issues.push(...child.allIssues());
    return issues;
  }

  /** The validation result: `config` when there were no issues, otherwise every issue. */
  finish<C>(config: C): { ok: true; config: C } | { ok: false; issues: ConfigIssue[] } {
    const issues = this.allIssues();
    return issues.length === 0 ? { ok: true, config } : { ok: false, issues };
  }
}
