import { describeValue } from '@logpush-otel/pipeline';
import type { ConfigIssue, ValidationResult } from '@logpush-otel/pipeline';

/** Reads one config object, collecting every problem (with its path) instead of stopping at the first. */
export class ConfigReader {
  readonly issues: ConfigIssue[] = [];
  readonly path: string;
  readonly value: Record<string, unknown>;

  constructor(value: unknown, path: string, issues?: ConfigIssue[]) {
    this.path = path;
    if (issues !== undefined) this.issues = issues;
    if (value === undefined || value === null) {
      this.value = {};
    } else if (typeof value === 'object' && !Array.isArray(value)) {
      this.value = value as Record<string, unknown>;
    } else {
      this.value = {};
      this.issue(path, `expected a mapping (key: value pairs), got ${describeValue(value)}`);
    }
  }

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  /** Reports keys that are not in `known`. */
  onlyKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.value)) {
      if (!known.includes(key)) this.issue(this.at(key), `unknown key; expected one of: ${known.join(', ')}`);
    }
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  child(key: string): ConfigReader {
    return new ConfigReader(this.value[key], this.at(key), this.issues);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    this.issue(this.at(key), `expected true or false, got ${describeValue(v)}`);
    return fallback;
  }

  string(key: string, fallback: string): string {
    const v = this.value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') return v;
    this.issue(this.at(key), `expected a string, got ${describeValue(v)}`);
    return fallback;
  }

  optionalString(key: string): string | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && v.length > 0) return v;
    this.issue(this.at(key), `expected a non-empty string, got ${describeValue(v)}`);
    return undefined;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.issue(this.at(key), `expected one of ${allowed.join(', ')}, got ${describeValue(v)}`);
    return fallback;
  }

  number(
    key: string,
    fallback: number,
    range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
  ): number {
    const v = this.value[key];
    if (v === undefined || v === null) return fallback;
    return checkNumber(v, this.at(key), range, this.issues) ?? fallback;
  }

  optionalNumber(
    key: string,
    range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
  ): number | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    return checkNumber(v, this.at(key), range, this.issues);
  }

  stringList(key: string, fallback: readonly string[]): string[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [...fallback];
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v)) {
      this.issue(this.at(key), `expected a list of strings, got ${describeValue(v)}`);
      return [...fallback];
    }
    const out: string[] = [];
    v.forEach((item: unknown, i) => {
      if (typeof item === 'string' && item.length > 0) out.push(item);
      else this.issue(`${this.at(key)}[${i}]`, `expected a non-empty string, got ${describeValue(item)}`);
    });
    return out;
  }

  /** A list of regular expressions given as strings; each must compile. */
  regexList(key: string, fallback: readonly string[], flags = ''): RegExp[] {
    const out: RegExp[] = [];
    this.stringList(key, fallback).forEach((source, i) => {
      const r = compileRegex(source, flags, `${this.at(key)}[${i}]`, this.issues);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  result<C>(config: C): ValidationResult<C> {
    return this.issues.length === 0 ? { ok: true, config } : { ok: false, issues: this.issues };
  }
}

function checkNumber(
  v: unknown,
  path: string,
  range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean },
  issues: ConfigIssue[],
): number | undefined {
  const what = `${range.integer === true ? 'an integer' : 'a number'}${rangeText(range)}`;
  if (typeof v !== 'number' || !Number.isFinite(v) || (range.integer === true && !Number.isInteger(v))) {
    issues.push({ path, message: `expected ${what}, got ${describeValue(v)}` });
    return undefined;
  }
  const belowMin = range.min !== undefined && (range.exclusiveMin === true ? v <= range.min : v < range.min);
  if (belowMin || (range.max !== undefined && v > range.max)) {
    issues.push({ path, message: `expected ${what}, got ${v}` });
    return undefined;
  }
  return v;
}

function rangeText(range: { min?: number; max?: number; exclusiveMin?: boolean }): string {
  const lo = range.min === undefined ? '' : `${range.exclusiveMin === true ? '>' : '>='} ${range.min}`;
  const hi = range.max === undefined ? '' : `<= ${range.max}`;
  if (lo !== '' && hi !== '') return ` ${lo} and ${hi}`;
  if (lo !== '') return ` ${lo}`;
  if (hi !== '') return ` ${hi}`;
  return '';
}

/** Compiles `source`, reporting a syntax error at `path`. */
export function compileRegex(
  source: string,
  flags: string,
  path: string,
  issues: ConfigIssue[],
): RegExp | undefined {
  try {
    return new RegExp(source, flags);
  } catch (error) {
    issues.push({ path, message: `expected a valid regular expression: ${(error as Error).message}` });
    return undefined;
  }
}
