// Lines to records: the format rule applied to the first line, NDJSON, CSV and JSON-array lines, dataset detection, coercion and event
// time. Every line is handled inside its own try/catch: one bad line never affects another, nothing throws.
import type { JsonValue, LogpushRecord } from './types.ts';
import { datasets, detectDataset, getDataset } from '@logpush-otel/schema';
import { Kind, UNKNOWN, coerceRecord, compileDataset, eventTime } from './coerce.ts';
import type { CompiledDataset } from './coerce.ts';
import { csvCellValue, splitCsvLine } from './csv.ts';
import { formatOfLine } from './detect.ts';
import { describeThrown, failure } from './errors.ts';
import type { FailureAt } from './errors.ts';
import { parseRecordJson } from './exact-json.ts';
import type { LineSink } from './framing.ts';
import type { ParseFormat, ParseOptions, ParseResult } from './types.ts';

/** Default maximum line length in bytes. */
export const DEFAULT_MAX_LINE_BYTES = 1_048_576;

/** Resolves the `dataset` option: undefined = detect from the first record. Throws RangeError for an unknown name. */
export function resolveDatasetOption(dataset: string | undefined): CompiledDataset | undefined {
  if (dataset === undefined || dataset === 'auto') return undefined;
  if (dataset === 'unknown') return UNKNOWN;
  const schema = getDataset(dataset);
  if (schema === undefined)
    throw new RangeError(
      `unknown Logpush dataset '${dataset}': expected a dataset id, an alias, 'auto' or 'unknown'`,
    );
  return compileDataset(schema);
}

/** Checks options that are programming errors (not input errors). */
export function checkOptions(options: ParseOptions): void {
  const max = options.maxLineBytes;
  if (max !== undefined && !(Number.isInteger(max) && max > 0))
    throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
  const r = options.resumeFrom;
  if (
    r !== undefined &&
    !(Number.isInteger(r.offset) && r.offset >= 0 && Number.isInteger(r.line) && r.line >= 0)
  )
    throw new RangeError(`resumeFrom must hold non-negative integers, got ${JSON.stringify(r)}`);
  const f = options.format;
  if (f !== undefined && f !== 'auto' && f !== 'ndjson' && f !== 'csv' && f !== 'json-array')
    throw new RangeError(`format must be 'auto', 'ndjson', 'csv' or 'json-array', got '${String(f)}'`);
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

function setField(record: LogpushRecord, name: string, value: JsonValue): void {
  if (name === '__proto__')
    Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}

/** Splits `a,b,{...}` at top-level commas (outside strings, brackets and braces). */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

function isDecoration(c: number): boolean {
  return c === 0x5b || c === 0x5d || c === 0x2c || c === 0x20 || c === 0x09 || c === 0x0d;
}

/** Strips JSON-array decorations (`[`, `]`, `,` and blanks) from both ends of a line. */
export function stripArrayDecorations(text: string): string {
  let s = 0;
  let e = text.length;
  while (s < e && isDecoration(text.charCodeAt(s))) s++;
  while (e > s && isDecoration(text.charCodeAt(e - 1))) e--;
  return text.slice(s, e);
}

/** Turns framed lines into results; collects them in `out` (the caller takes and resets it). */
export class RecordParser implements LineSink {
  out: ParseResult[] = [];
  ok = 0;
  failed = 0;
  private readonly source: string;
  private readonly maxLineBytes: number;
  private format: ParseFormat;
  private dataset: CompiledDataset | undefined;
  private csvNames: readonly string[] | undefined;
  private csvKinds: (Kind | undefined)[] | undefined;
  private csvHeaderPending: boolean;
  private readonly resumed: boolean;
  private headSeen = false;
  private sniffed = false;
  /** `dataset: auto`: a record whose fields do not fit the current dataset is detected on its own. */
  private readonly autoDetect: boolean;
  /** Per dataset id: fields it does not know that records of it were seen to carry (no re-detection for them). */
  private readonly tolerated = new Map<string, Set<string>>();
  /** Why the first line was refused as a CSV header (then no line of the stream can be read as CSV). */
  private headerRefused: string | undefined;

  constructor(options: ParseOptions) {
    this.source = options.source ?? '<input>';
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.dataset = resolveDatasetOption(options.dataset);
    this.autoDetect = this.dataset === undefined;
    if (this.autoDetect && options.datasetHint !== undefined && options.datasetHint !== 'auto') {
      const hint = getDataset(options.datasetHint);
      if (hint !== undefined) this.dataset = compileDataset(hint);
    }
    this.format = options.format ?? 'auto';
    if (options.fieldNames !== undefined) {
      if (this.format === 'auto') this.format = 'csv';
      this.setCsvNames(options.fieldNames);
    }
    this.csvHeaderPending = options.csvHeader ?? options.fieldNames === undefined;
    this.resumed = (options.resumeFrom?.offset ?? 0) > 0;
  }

  /** The dataset id in use ('auto' while not yet detected). */
  get datasetId(): string {
    return this.dataset?.id ?? 'auto';
  }

  head(text: string): void {
    this.headSeen = true;
    try {
      if (this.format === 'auto') {
        this.format = formatOfLine(text) ?? 'ndjson';
        this.sniffed = true;
      }
      if (this.format === 'csv' && this.csvHeaderPending) this.readCsvHeader(text);
    } catch {
      // A head we cannot read leaves the header unknown; data lines then report it.
    }
  }

  line(text: string, line: number, offset: number, nextOffset: number): void {
    try {
      if (this.format === 'auto') {
        this.format = formatOfLine(text) ?? 'ndjson';
        this.sniffed = true;
      }
      // A sniffed CSV stream still reads a line that starts with '{' as JSON: an NDJSON file whose first line is
      // damaged must not turn every later line into a CSV failure.
      if (this.sniffed && this.format === 'csv' && text.charCodeAt(0) === 0x7b) {
        this.record(text, text, line, offset, nextOffset);
        return;
      }
      switch (this.format) {
        case 'ndjson':
          this.record(text, text, line, offset, nextOffset);
          return;
        case 'json-array':
          this.arrayLine(text, line, offset, nextOffset);
          return;
        default:
          this.csvLine(text, line, offset, nextOffset);
          return;
      }
    } catch (e) {
      this.fail(
        'read-error',
        `internal parser error: ${describeThrown(e)}`,
        { source: this.source, line, offset, nextOffset, raw: text },
        text,
      );
    }
  }

  tooLong(line: number, offset: number, nextOffset: number, length: number, head: string): void {
    this.fail(
      'line-too-long',
      `expected a line of at most ${this.maxLineBytes} bytes, found ${length} (raise maxLineBytes to read it)`,
      { source: this.source, line, offset, nextOffset, raw: '' },
      head,
    );
  }

  /** Records a failure. */
  fail(
    code: Parameters<typeof failure>[0],
    reason: string,
    at: FailureAt,
    excerpt: string,
    field?: string,
  ): void {
    this.failed++;
    this.out.push(failure(code, reason, at, excerpt, field));
  }

  private record(text: string, raw: string, line: number, offset: number, nextOffset: number): void {
    let value: unknown;
    try {
      value = parseRecordJson(text);
    } catch (e) {
      this.fail(
        'invalid-json',
        `expected a JSON object (${shorten(describeThrown(e))})`,
        { source: this.source, line, offset, nextOffset, raw },
        text,
      );
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(
        'not-an-object',
        `expected a JSON object, found ${describeValue(value)}`,
        { source: this.source, line, offset, nextOffset, raw },
        text,
      );
      return;
    }
    this.finish(value as LogpushRecord, raw, line, offset, nextOffset);
  }

  private finish(
    record: LogpushRecord,
    raw: string,
    line: number,
    offset: number,
    nextOffset: number,
    csv = false,
  ): void {
    let dataset = this.dataset;
    if (dataset === undefined) {
      const schema = getDataset(detectDataset(Object.keys(record)));
      dataset = this.dataset = schema === undefined ? UNKNOWN : compileDataset(schema);
    }
    const unknown = coerceRecord(record, dataset);
    // A stream may mix datasets (a dead-letter replay, concatenated files): under `auto`, a JSON record with
    // fields the current dataset does not know is detected on its own, and becomes the current dataset.
    if (unknown > 0 && this.autoDetect && !csv && this.worthDetecting(record, dataset)) {
      const id = detectDataset(Object.keys(record));
      if (id !== dataset.id) {
        const schema = getDataset(id);
        if (schema !== undefined) {
          dataset = this.dataset = compileDataset(schema);
          coerceRecord(record, dataset);
        }
      } else this.tolerate(record, dataset);
    }
    const t = eventTime(record, dataset);
    if ('error' in t) {
      this.fail(
        'invalid-timestamp',
        `${dataset.id}: ${t.error.message}`,
        { source: this.source, line, offset, nextOffset, raw },
        valueText(t.error.value),
        t.field,
      );
      return;
    }
    this.ok++;
    this.out.push({
      ok: true,
      dataset: dataset.id,
      record,
      timeUnixNano: t.time,
      raw,
      line,
      offset,
      nextOffset,
    });
  }

  /**
   * Whether `record` has a field `dataset` does not know and that an earlier record of this dataset did not
   * already show to be harmless (a field newer than the catalogue): then detecting its dataset may tell more.
   */
  private worthDetecting(record: LogpushRecord, dataset: CompiledDataset): boolean {
    const tolerated = this.tolerated.get(dataset.id);
    for (const key in record) if (!dataset.kinds.has(key) && tolerated?.has(key) !== true) return true;
    return false;
  }

  /** Remembers the unknown fields of a record that detection kept in `dataset` (at most 256 per dataset). */
  private tolerate(record: LogpushRecord, dataset: CompiledDataset): void {
    let tolerated = this.tolerated.get(dataset.id);
    if (tolerated === undefined) this.tolerated.set(dataset.id, (tolerated = new Set()));
    for (const key in record) if (!dataset.kinds.has(key) && tolerated.size < 256) tolerated.add(key);
  }

  private arrayLine(text: string, line: number, offset: number, nextOffset: number): void {
    const body = stripArrayDecorations(text);
    if (body.length === 0) return;
    if (body.charCodeAt(0) === 0x7b && body.charCodeAt(body.length - 1) === 0x7d) {
      let value: unknown;
      try {
        value = parseRecordJson(body);
      } catch {
        value = undefined;
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        this.finish(value as LogpushRecord, body, line, offset, nextOffset);
        return;
      }
    }
    for (const element of splitTopLevel(body)) this.record(element, element, line, offset, nextOffset);
  }

  private setCsvNames(names: readonly string[]): void {
    this.csvNames = names;
    this.csvKinds = undefined;
  }

  private readCsvHeader(text: string): boolean {
    const cells = splitCsvLine(text);
    if ('error' in cells) return false;
    const names = cells.values.map((v) => v.trim());
    this.csvHeaderPending = false;
    const refused = this.refuseHeader(names);
    if (refused !== undefined) {
      this.headerRefused = refused;
      return false;
    }
    this.setCsvNames(names);
    return true;
  }

  /**
   * Why `names` is not a header of Logpush field names, or undefined when it is: every name must look like a field
   * name and at least three quarters must be fields of the dataset (the given one, else of any known dataset).
   * Logpush writes CSV without a header unless the job asks for one, so a first data row must not become the
   * header. The `unknown` dataset takes any header.
   */
  private refuseHeader(names: readonly string[]): string | undefined {
    if (this.dataset === UNKNOWN) return undefined;
    const odd = names.filter((n) => !FIELD_NAME.test(n));
    const shown = (list: readonly string[]): string =>
      list
        .slice(0, 3)
        .map((n) => JSON.stringify(n.length > 40 ? `${n.slice(0, 39)}…` : n))
        .join(', ');
    const hint =
      "Logpush CSV has no header line unless the job adds one: give the job's field_names (the receiver's field_names, convert --field-names)";
    if (odd.length > 0) return `the first line is not a CSV header of field names (${shown(odd)}); ${hint}`;
    const dataset = this.dataset;
    const isField = (n: string): boolean =>
      dataset === undefined ? allFieldNames().has(n) : dataset.kinds.has(n);
    const foreign = names.filter((n) => !isField(n));
    if (foreign.length * 4 > names.length) {
      const of = dataset === undefined ? 'any Logpush dataset' : dataset.id;
      return `the first line's names are not fields of ${of} (${shown(foreign)}); ${hint}`;
    }
    return undefined;
  }

  private csvLine(text: string, line: number, offset: number, nextOffset: number): void {
    const at = { source: this.source, line, offset, nextOffset, raw: text };
    if (this.headerRefused !== undefined) {
      this.fail('invalid-csv', `expected CSV field names: ${this.headerRefused}`, at, text);
      return;
    }
    if (this.csvHeaderPending) {
      if (this.resumed && !this.headSeen) {
        this.fail(
          'invalid-csv',
          'expected the CSV header line before the resume offset, found none',
          at,
          text,
        );
        return;
      }
      if (!this.readCsvHeader(text))
        this.fail(
          'invalid-csv',
          `expected a CSV header line of field names: ${this.headerRefused ?? 'it is not a CSV line'}`,
          at,
          text,
        );
      return;
    }
    const names = this.csvNames;
    if (names === undefined) {
      this.fail('invalid-csv', 'expected CSV field names (a header line or the fieldNames option)', at, text);
      return;
    }
    const cells = splitCsvLine(text);
    if ('error' in cells) {
      this.fail('invalid-csv', `expected a CSV record: ${cells.error}`, at, text);
      return;
    }
    if (cells.values.length !== names.length) {
      this.fail(
        'invalid-csv',
        `expected ${names.length} CSV fields (the header or fieldNames), found ${cells.values.length}`,
        at,
        text,
      );
      return;
    }
    if (this.dataset === undefined) {
      const schema = getDataset(detectDataset(names));
      this.dataset = schema === undefined ? UNKNOWN : compileDataset(schema);
    }
    const kinds = (this.csvKinds ??= names.map((n) => this.dataset?.kinds.get(n)));
    const record: LogpushRecord = {};
    for (let i = 0; i < names.length; i++) {
      const v = csvValue(cells.values[i] ?? '', cells.quoted[i] ?? false, kinds[i]);
      if (v !== undefined) setField(record, names[i] ?? '', v);
    }
    this.finish(record, text, line, offset, nextOffset, true);
  }
}

let fieldNameSet: Set<string> | undefined;
/** Every field name of every known dataset. */
function allFieldNames(): Set<string> {
  if (fieldNameSet === undefined) {
    fieldNameSet = new Set<string>();
    for (const d of Object.values(datasets)) for (const f of d.fields) fieldNameSet.add(f.name);
  }
  return fieldNameSet;
}

/** What a CSV header cell must look like: a field name (`EdgeStartTimestamp`, `Metadata.ruleset`). */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Types a CSV cell with the column's schema kind (a string column keeps `007` as text). */
function csvValue(text: string, quoted: boolean, kind: Kind | undefined): JsonValue | undefined {
  if (kind === Kind.string) return text === '' || (!quoted && text === 'null') ? undefined : text;
  if (
    kind === Kind.object ||
    kind === Kind.arrayString ||
    kind === Kind.arrayInt ||
    kind === Kind.arrayObject
  ) {
    const c = text.charCodeAt(0);
    if (c === 0x5b || c === 0x7b) {
      try {
        return parseRecordJson(text) as JsonValue;
      } catch {
        return text;
      }
    }
  }
  const v = csvCellValue(text, quoted);
  return v === '' ? undefined : v;
}

function shorten(message: string): string {
  return message.length > 160 ? `${message.slice(0, 159)}…` : message;
}
