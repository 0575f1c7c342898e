// THE configuration decoder: every component (receivers, processors, exporters, the service's own sections)
// reads its section with a ConfigReader, so that every section has the same grammar (durations, sizes, lists),
// the same message style (`expected ..., got ...`), the same unknown-key check with a suggestion, and a JSON
// Schema derived from the very calls that validate it.
import { CONFIG_PROBE, orEnv, registerReader, withDefault, type JsonSchema } from './config-schema.ts';
import {
  DURATION_PATTERN,
  SIZE_PATTERN,
  describeValue,
  isPlainObject,
  parseByteSize,
  parseDuration,
  unknownKeyMessage,
} from './config-values.ts';
import type { ConfigIssue } from './errors.ts';

export { describeValue, isPlainObject } from './config-values.ts';

/** Bounds of {@link ConfigReader.number}. */
export interface NumberOptions {
  readonly min?: number;
  readonly max?: number;
  /** With `min`: the value must be greater than `min`, not equal to it. */
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
}

/** Constraints of {@link ConfigReader.stringList}. */
export interface StringListOptions {
  /** Fewest items (1 = the list must not be empty). */
  readonly minItems?: number;
  /** Reject empty strings as items. */
  readonly nonEmptyItems?: boolean;
}

type Declared = JsonSchema | (() => JsonSchema);

function rangeText(options: NumberOptions | undefined): string {
  const min = options?.min;
  const max = options?.max;
  const lo = min === undefined ? '' : `${options?.exclusiveMin === true ? '>' : '>='} ${min}`;
  if (min !== undefined && max !== undefined && options?.exclusiveMin !== true)
    return ` between ${min} and ${max}`;
  if (lo !== '' && max !== undefined) return ` ${lo} and <= ${max}`;
  if (lo !== '') return ` ${lo}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

/**
 * Reads one component's configuration mapping, collecting every problem with its path instead of stopping at
 * the first. Each getter returns the value when valid, or the fallback (and records an issue). Call
 * {@link ConfigReader.finish} last: it reports keys that no getter asked for as unknown, with a suggestion when
 * one known key is close (`unknown key; did you mean 'directory'?`).
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
  private readonly declared = new Map<string, Declared>();
  /** Reading {@link CONFIG_PROBE}: every key counts as present, every value as absent (schema generation). */
  private readonly probe: boolean;

  /** `config` should be a mapping (null and undefined count as empty); `path` prefixes every issue. */
  constructor(config: unknown, path: string) {
    this.path = path;
    this.probe = config === CONFIG_PROBE;
    registerReader(this);
    if (config === null || config === undefined) this.values = {};
    else if (isPlainObject(config)) this.values = config;
    else {
      this.values = {};
      this.issue('', `expected a mapping, got ${describeValue(config)}`);
    }
  }

  /** The full path of `key` in this section (`receivers.logpush_file.directory`). */
  at(key: string): string {
    return key === '' ? this.path : this.path === '' ? key : `${this.path}.${key}`;
  }

  /** Records a problem at `key` (relative to this reader's path; '' for the section itself). */
  issue(key: string, message: string): void {
    this.issues.push({ path: this.at(key), message });
  }

  /** Declares the JSON Schema of `key` (for keys read with {@link raw} and checked by hand); marks it known. */
  declare(key: string, schema: JsonSchema): void {
    this.seen.add(key);
    this.declared.set(key, schema);
  }

  /** The raw value at `key` (marks it as known). */
  raw(key: string): unknown {
    this.seen.add(key);
    if (!this.declared.has(key)) this.declared.set(key, {});
    return this.probe ? undefined : this.values[key];
  }

  /** Whether the user set `key` (to something other than null). */
  has(key: string): boolean {
    if (this.probe) return true;
    const v = this.values[key];
    return v !== undefined && v !== null;
  }

  /** The keys the user wrote in this section. */
  keys(): string[] {
    return Object.keys(this.values);
  }

  /** A string; `options.nonEmpty` rejects ''. */
  string(key: string, fallback: string, options?: { nonEmpty?: boolean }): string {
    const v = this.raw(key);
    const nonEmpty = options?.nonEmpty === true;
    this.declared.set(key, withDefault({ type: 'string', ...(nonEmpty ? { minLength: 1 } : {}) }, fallback));
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') {
      this.issue(key, `expected a string, got ${describeValue(v)}`);
      return fallback;
    }
    if (nonEmpty && v.trim().length === 0) {
      this.issue(key, `expected a non-empty string, got ${describeValue(v)}`);
      return fallback;
    }
    return v;
  }

  /** An optional string: undefined when absent. `options.nonEmpty` rejects ''. */
  optionalString(key: string, options?: { nonEmpty?: boolean }): string | undefined {
    const v = this.raw(key);
    const nonEmpty = options?.nonEmpty === true;
    this.declared.set(key, { type: 'string', ...(nonEmpty ? { minLength: 1 } : {}) });
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || (nonEmpty && v.length === 0)) {
      this.issue(key, `expected a${nonEmpty ? ' non-empty' : ''} string, got ${describeValue(v)}`);
      return undefined;
    }
    return v;
  }

  /** A boolean (YAML true/false; also the strings "true"/"false" that env substitution produces). */
  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    this.declared.set(key, withDefault(orEnv({ type: 'boolean' }), fallback));
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    this.issue(key, `expected true or false, got ${describeValue(v)}`);
    return fallback;
  }

  private checkNumber(key: string, v: unknown, options: NumberOptions | undefined): number | undefined {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    const min = options?.min;
    const max = options?.max;
    const belowMin = min !== undefined && (options?.exclusiveMin === true ? n <= min : n < min);
    if (
      !Number.isFinite(n) ||
      (options?.integer === true && !Number.isInteger(n)) ||
      belowMin ||
      (max !== undefined && n > max)
    ) {
      const kind = options?.integer === true ? 'an integer' : 'a number';
      this.issue(key, `expected ${kind}${rangeText(options)}, got ${describeValue(v)}`);
      return undefined;
    }
    return n;
  }

  private numberSchema(options: NumberOptions | undefined): JsonSchema {
    const s: JsonSchema = { type: options?.integer === true ? 'integer' : 'number' };
    if (options?.min !== undefined)
      s[options.exclusiveMin === true ? 'exclusiveMinimum' : 'minimum'] = options.min;
    if (options?.max !== undefined) s['maximum'] = options.max;
    return s;
  }

  /** A number within the bounds of `options`. Numeric strings (from `${env:...}`) are accepted. */
  number(key: string, fallback: number, options?: NumberOptions): number {
    const v = this.raw(key);
    this.declared.set(key, withDefault(orEnv(this.numberSchema(options)), fallback));
    if (v === undefined || v === null) return fallback;
    return this.checkNumber(key, v, options) ?? fallback;
  }

  /** An optional number: undefined when absent or invalid (an invalid one is an issue). */
  optionalNumber(key: string, options?: NumberOptions): number | undefined {
    const v = this.raw(key);
    this.declared.set(key, orEnv(this.numberSchema(options)));
    if (v === undefined || v === null) return undefined;
    return this.checkNumber(key, v, options);
  }

  /**
   * A duration (`200ms`, `5s`, `1m`, `1h`, `1d`, or 0) in milliseconds. `options.milliseconds` (deprecated, for
   * callers that hold resolved values) also takes a plain non-negative number as milliseconds.
   */
  duration(key: string, fallbackMs: number, options?: { minMs?: number; milliseconds?: boolean }): number {
    const v = this.raw(key);
    const asMs = options?.milliseconds === true;
    const forms: JsonSchema[] = [{ type: 'string', pattern: DURATION_PATTERN }, { const: 0 }];
    if (asMs) forms.push({ type: 'number', minimum: 0 });
    this.declared.set(
      key,
      withDefault(orEnv({ anyOf: forms }), fallbackMs === 0 ? undefined : `${fallbackMs}ms`),
    );
    if (v === undefined || v === null) return fallbackMs;
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
    const min = options?.min ?? 0;
    this.declared.set(
      key,
      withDefault(
        orEnv({
          anyOf: [
            { type: 'integer', minimum: min },
            { type: 'string', pattern: SIZE_PATTERN },
          ],
        }),
        fallback,
      ),
    );
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
    this.declared.set(key, withDefault(orEnv({ enum: [...allowed] }), fallback));
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.issue(key, `expected one of ${allowed.join(', ')}, got ${describeValue(v)}`);
    return fallback;
  }

  /** An http(s) URL (as a string); `fallback` when absent. */
  url(key: string, fallback: string): string {
    const v = this.raw(key);
    this.declared.set(key, withDefault({ type: 'string', pattern: '^(https?://|\\$\\{env:)' }, fallback));
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
  stringList(key: string, fallback: readonly string[], options?: StringListOptions): string[] {
    const v = this.raw(key);
    const nonEmptyItems = options?.nonEmptyItems === true;
    const item: JsonSchema = { type: 'string', ...(nonEmptyItems ? { minLength: 1 } : {}) };
    const minItems = options?.minItems ?? 0;
    const list: JsonSchema = { type: 'array', items: item, ...(minItems > 0 ? { minItems } : {}) };
    this.declared.set(key, withDefault({ anyOf: [item, list] }, [...fallback]));
    if (v === undefined || v === null) return [...fallback];
    const what = `a${minItems > 0 ? ' non-empty' : ''} list of${nonEmptyItems ? ' non-empty' : ''} strings`;
    const items: unknown[] | undefined = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
    if (items === undefined) {
      this.issue(key, `expected ${what}, got ${describeValue(v)}`);
      return [...fallback];
    }
    const out: string[] = [];
    items.forEach((it, i) => {
      if (typeof it === 'string' && !(nonEmptyItems && it === '')) out.push(it);
      else {
        const at = typeof v === 'string' ? key : `${key}[${i}]`;
        this.issue(at, `expected a${nonEmptyItems ? ' non-empty' : ''} string, got ${describeValue(it)}`);
      }
    });
    if (items.length < minItems) this.issue(key, `expected ${what}, got an empty list`);
    return out;
  }

  /** A list of regular expressions given as strings; each must compile. */
  regexList(key: string, fallback: readonly string[], flags = ''): RegExp[] {
    const out: RegExp[] = [];
    const sources = this.stringList(key, fallback);
    const one = typeof this.raw(key) === 'string';
    sources.forEach((source, i) => {
      const r = this.compile(one ? key : `${key}[${i}]`, source, flags);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  /** A regular expression given as a string; undefined when absent or invalid (an invalid one is an issue). */
  regex(key: string, flags = ''): RegExp | undefined {
    const v = this.optionalString(key);
    return v === undefined ? undefined : this.compile(key, v, flags);
  }

  private compile(at: string, source: string, flags: string): RegExp | undefined {
    try {
      return new RegExp(source, flags);
    } catch (error) {
      this.issue(
        at,
        `expected a valid regular expression, got ${describeValue(source)}: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  /** A mapping of string to string (headers, attributes). Numbers and booleans are converted to strings. */
  stringMap(key: string, fallback: Readonly<Record<string, string>>): Record<string, string> {
    const v = this.raw(key);
    this.declared.set(key, {
      type: ['object', 'null'],
      additionalProperties: { type: ['string', 'number', 'boolean'] },
    });
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

  /** A mapping of names to numbers within the bounds of `options` (per-dataset rates). */
  numberMap(
    key: string,
    fallback: Readonly<Record<string, number>>,
    options?: NumberOptions,
  ): Record<string, number> {
    const v = this.raw(key);
    this.declared.set(key, {
      type: ['object', 'null'],
      additionalProperties: orEnv(this.numberSchema(options)),
    });
    if (v === undefined || v === null) return { ...fallback };
    if (!isPlainObject(v)) {
      this.issue(key, `expected a mapping of names to numbers, got ${describeValue(v)}`);
      return { ...fallback };
    }
    const out: Record<string, number> = {};
    for (const [k, item] of Object.entries(v)) {
      const n = this.checkNumber(`${key}.${k}`, item, options);
      if (n !== undefined) out[k] = n;
    }
    return out;
  }

  /** A nested section, read by its own reader (whose issues are merged into this one by `finish`). */
  section(key: string): ConfigReader {
    const child = new ConfigReader(this.probe ? CONFIG_PROBE : this.raw(key), this.at(key));
    this.seen.add(key);
    this.declared.set(key, () => child.schema());
    this.children.push(child);
    return child;
  }

  /**
   * A list of mappings, each read by `read` with its own reader (path `key[i]`); the items `read` returns
   * (undefined ones left out). A missing key is an empty list.
   */
  list<T>(key: string, read: (item: ConfigReader, index: number) => T | undefined): T[] {
    const v = this.raw(key);
    if (this.probe) {
      const template = new ConfigReader(CONFIG_PROBE, `${this.at(key)}[]`);
      read(template, 0);
      this.declared.set(key, () => ({ type: 'array', items: template.schema() }));
      return [];
    }
    this.declared.set(key, { type: 'array' });
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.issue(key, `expected a list, got ${describeValue(v)}`);
      return [];
    }
    const out: T[] = [];
    v.forEach((item: unknown, i) => {
      const child = new ConfigReader(item, `${this.at(key)}[${i}]`);
      this.children.push(child);
      const value = read(child, i);
      if (value !== undefined) out.push(value);
    });
    return out;
  }

  /** The JSON Schema of this section, from the keys read so far (unknown keys are not allowed). */
  schema(): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const [key, declared] of this.declared)
      properties[key] = typeof declared === 'function' ? declared() : declared;
    return { type: ['object', 'null'], properties, additionalProperties: false };
  }

  /** Every issue of this reader and its sections, plus one per unknown key (with a suggestion when one is close). */
  allIssues(): ConfigIssue[] {
    const issues = [...this.issues];
    if (this.issues.some((i) => i.path === this.path && i.message.startsWith('expected a mapping')))
      return issues;
    for (const key of Object.keys(this.values))
      if (!this.seen.has(key))
        issues.push({ path: this.at(key), message: unknownKeyMessage(key, this.seen) });
    for (const child of this.children) issues.push(...child.allIssues());
    return issues;
  }

  /** The validation result: `config` when there were no issues, otherwise every issue. */
  finish<C>(config: C): { ok: true; config: C } | { ok: false; issues: ConfigIssue[] } {
    const issues = this.allIssues();
    return issues.length === 0 ? { ok: true, config } : { ok: false, issues };
  }
}
