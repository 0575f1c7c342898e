import type { JsonSchema, JsonValue, LogEntry, ProcessorFactory } from '@logpush-otel/pipeline';
import { ConfigReader, describeValue } from '@logpush-otel/pipeline';
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

const SCALAR: JsonSchema = { type: ['string', 'number', 'boolean'] };
const OPERATOR_SCHEMAS: Record<(typeof OPERATORS)[number], JsonSchema> = {
  equals: SCALAR,
  not_equals: SCALAR,
  in: { type: 'array', items: SCALAR, minItems: 1 },
  regex: { type: 'string' },
  exists: { type: 'boolean' },
  gt: { type: 'number' },
  gte: { type: 'number' },
  lt: { type: 'number' },
  lte: { type: 'number' },
};

function readCondition(r: ConfigReader): Condition | undefined {
  if (r.issues.length > 0) return undefined; // not a mapping: already reported
  const field = r.optionalString('field', { nonEmpty: true });
  if (field === undefined && !r.has('field'))
    r.issue('field', 'expected the record field to test, got nothing');
  for (const op of OPERATORS) r.declare(op, OPERATOR_SCHEMAS[op]);
  const ops = OPERATORS.filter((op) => r.has(op));
  if (ops.length !== 1) {
    r.issue(
      '',
      `expected exactly one operator (${OPERATORS.join(', ')}), got ${ops.length === 0 ? 'none' : ops.join(', ')}`,
    );
    return undefined;
  }
  const op = ops[0] ?? 'equals';
  if (op === 'regex') {
    const regex = r.regex('regex');
    return field === undefined || regex === undefined ? undefined : { field, regex };
  }
  const v = r.raw(op);
  if (field === undefined) return undefined;
  switch (op) {
    case 'equals':
    case 'not_equals':
      if (!isScalar(v)) {
        r.issue(op, `expected a string, number or boolean, got ${describeValue(v)}`);
        return undefined;
      }
      return op === 'equals' ? { field, equals: v } : { field, not_equals: v };
    case 'in': {
      if (!Array.isArray(v) || v.length === 0 || !v.every(isScalar)) {
        r.issue(op, `expected a non-empty list of strings, numbers or booleans, got ${describeValue(v)}`);
        return undefined;
      }
      return { field, in: v };
    }
    case 'exists':
      if (typeof v !== 'boolean') {
        r.issue(op, `expected true or false, got ${describeValue(v)}`);
        return undefined;
      }
      return { field, exists: v };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        r.issue(op, `expected a number, got ${describeValue(v)}`);
        return undefined;
      }
      return { field, [op]: v } as Condition;
  }
}

function readBlock(r: ConfigReader, key: string): MatchBlock | undefined {
  const b = r.section(key);
  if (!r.has(key)) return undefined;
  const datasets = b.stringList('datasets', [], { nonEmptyItems: true });
  const match = b.oneOf('match', ['all', 'any'] as const, 'all');
  const conditions = b.list('conditions', (c) => readCondition(c));
  if (datasets.length === 0 && conditions.length === 0 && b.allIssues().length === 0) {
    b.issue('', 'expected datasets or conditions (an empty block would match every record)');
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
    const include = readBlock(r, 'include');
    const exclude = readBlock(r, 'exclude');
    if (include === undefined && exclude === undefined && r.allIssues().length === 0) {
      r.issue('', 'expected include, exclude or both');
    }
    return r.finish({ include, exclude });
  },
  create(settings, config, next) {
    return dropProcessor(settings, next, (entry) => filterKeeps(entry, config));
  },
};
