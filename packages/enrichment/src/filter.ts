import type { ConfigIssue, JsonValue, LogEntry, ProcessorFactory } from '@logpush-otel/pipeline';
import { describeValue } from '@logpush-otel/pipeline';
import { ConfigReader, compileRegex } from './config.ts';
import { dropProcessor } from './processor.ts';
import { toNumber } from './values.ts';

/** One test on a record field (or, with `attribute`, on an attribute an earlier processor added). */
export type Condition =
  | { field: string; equals: string | number | boolean }
  | { field: string; not_equals: string | number | boolean }
  | { field: string; in: (string | number | boolean)[] }
  | { field: string; regex: RegExp }
  | { field: string; gt: number }
  | { field: string; gte: number }
  | { field: string; lt: number }
  | { field: string; lte: number }
  | { field: string; exists: boolean };

/** A block of conditions: matches when the dataset is listed (or none are) and all/any conditions hold. */
export interface MatchBlock {
  datasets: string[];
  match: 'all' | 'any';
  conditions: Condition[];
}

/** Config of the `filter` processor: keep what `include` matches (all when absent) unless `exclude` matches. */
export interface FilterConfig {
  include: MatchBlock | undefined;
  exclude: MatchBlock | undefined;
}

const OPERATORS = ['equals', 'not_equals', 'in', 'regex', 'gt', 'gte', 'lt', 'lte', 'exists'] as const;

function fieldValue(entry: LogEntry, field: string): JsonValue | undefined {
  if (field.startsWith('attributes.')) {
    const v = entry.attributes[field.slice('attributes.'.length)];
    if (v === undefined || v === null) return v;
    if (typeof v === 'object' && !Array.isArray(v) && 'value' in v && typeof v.value === 'number')
      return v.value;
    return typeof v === 'object' ? undefined : v;
  }
  if (field === 'dataset') return entry.dataset;
  return entry.record[field];
}

function sameValue(actual: JsonValue | undefined, expected: string | number | boolean): boolean {
  if (actual === undefined || actual === null) return false;
  if (typeof expected === 'number') return toNumber(actual) === expected;
  if (typeof expected === 'boolean') return actual === expected || actual === String(expected);
  if (typeof actual === 'string') return actual === expected;
  if (typeof actual === 'number' || typeof actual === 'bigint' || typeof actual === 'boolean') {
    return String(actual) === expected;
  }
  return false;
}

/** Whether `condition` holds for `entry`. */
export function conditionHolds(entry: LogEntry, condition: Condition): boolean {
  const v = fieldValue(entry, condition.field);
  if ('exists' in condition) return (v !== undefined && v !== null && v !== '') === condition.exists;
  if ('equals' in condition) return sameValue(v, condition.equals);
  if ('not_equals' in condition) return !sameValue(v, condition.not_equals);
  if ('in' in condition) return condition.in.some((e) => sameValue(v, e));
  if ('regex' in condition) {
    if (typeof v === 'string') return condition.regex.test(v);
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
      return condition.regex.test(String(v));
    return false;
  }
  const n = toNumber(v);
  if (n === undefined) return false;
  if ('gt' in condition) return n > condition.gt;
  if ('gte' in condition) return n >= condition.gte;
  if ('lt' in condition) return n < condition.lt;
  return n <= condition.lte;
}

/** Whether `block` matches `entry`. */
export function blockMatches(entry: LogEntry, block: MatchBlock): boolean {
  if (block.datasets.length > 0 && !block.datasets.includes(entry.dataset)) {
    const base = entry.dataset.split('@')[0] ?? '';
    if (!block.datasets.includes(base)) return false;
  }
  if (block.conditions.length === 0) return true;
  return block.match === 'all'
    ? block.conditions.every((c) => conditionHolds(entry, c))
    : block.conditions.some((c) => conditionHolds(entry, c));
}

/** Whether the filter configured by `config` keeps `entry`. */
export function filterKeeps(entry: LogEntry, config: FilterConfig): boolean {
  if (config.include !== undefined && !blockMatches(entry, config.include)) return false;
  if (config.exclude !== undefined && blockMatches(entry, config.exclude)) return false;
  return true;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function readCondition(value: unknown, path: string, issues: ConfigIssue[]): Condition | undefined {
  const r = new ConfigReader(value, path, issues);
  r.onlyKeys(['field', ...OPERATORS]);
  const field = r.optionalString('field');
  if (field === undefined && !r.has('field')) r.issue(r.at('field'), 'expected the record field to test');
  const ops = OPERATORS.filter((op) => r.value[op] !== undefined);
  if (ops.length !== 1) {
    r.issue(
      path,
      `expected exactly one operator (${OPERATORS.join(', ')}), got ${ops.length === 0 ? 'none' : ops.join(', ')}`,
    );
    return undefined;
  }
  const op = ops[0];
  const v = r.value[op ?? ''];
  const at = r.at(op ?? '');
  if (field === undefined) return undefined;
  switch (op) {
    case 'equals':
    case 'not_equals':
      if (!isScalar(v)) {
        r.issue(at, `expected a string, number or boolean, got ${describeValue(v)}`);
        return undefined;
      }
      return op === 'equals' ? { field, equals: v } : { field, not_equals: v };
    case 'in': {
      if (!Array.isArray(v) || v.length === 0 || !v.every(isScalar)) {
        r.issue(at, `expected a non-empty list of strings, numbers or booleans, got ${describeValue(v)}`);
        return undefined;
      }
      return { field, in: v };
    }
    case 'regex': {
      if (typeof v !== 'string') {
        r.issue(at, `expected a regular expression as a string, got ${describeValue(v)}`);
        return undefined;
      }
      const regex = compileRegex(v, '', at, issues);
      return regex === undefined ? undefined : { field, regex };
    }
    case 'exists':
      if (typeof v !== 'boolean') {
        r.issue(at, `expected true or false, got ${describeValue(v)}`);
        return undefined;
      }
      return { field, exists: v };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        r.issue(at, `expected a number, got ${describeValue(v)}`);
        return undefined;
      }
      return { field, [op]: v } as Condition;
    default:
      return undefined;
  }
}

function readBlock(r: ConfigReader, key: string): MatchBlock | undefined {
  if (!r.has(key)) return undefined;
  const b = r.child(key);
  const before = b.issues.length;
  b.onlyKeys(['datasets', 'match', 'conditions']);
  const datasets = b.stringList('datasets', []);
  const match = b.oneOf('match', ['all', 'any'] as const, 'all');
  const raw = b.value.conditions;
  const conditions: Condition[] = [];
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw))
      b.issue(b.at('conditions'), `expected a list of conditions, got ${describeValue(raw)}`);
    else {
      raw.forEach((c: unknown, i) => {
        const cond = readCondition(c, `${b.at('conditions')}[${i}]`, b.issues);
        if (cond !== undefined) conditions.push(cond);
      });
    }
  }
  if (datasets.length === 0 && conditions.length === 0 && b.issues.length === before) {
    b.issue(b.path, 'expected datasets or conditions (an empty block would match every record)');
  }
  return { datasets, match, conditions };
}

/** `filter` processor: keeps or drops records by dataset and field conditions; drops are acknowledged and counted. */
export const filterProcessorFactory: ProcessorFactory<FilterConfig> = {
  type: 'filter',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({ include: undefined, exclude: undefined }),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    r.onlyKeys(['include', 'exclude']);
    const include = readBlock(r, 'include');
    const exclude = readBlock(r, 'exclude');
    if (include === undefined && exclude === undefined && r.issues.length === 0) {
      r.issue(path, 'expected include, exclude or both');
    }
    return r.result({ include, exclude });
  },
  create(settings, config, next) {
    return dropProcessor(settings, next, (entry) => filterKeeps(entry, config));
  },
};
