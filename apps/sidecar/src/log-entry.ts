// Parser results to pipeline values: a record read (ParseOk) becomes a LogEntry, a line that failed becomes a
// dead letter. The one place this is done, for the receivers and `logpush-otel convert`.
import type { ParseError, ParseOk } from '@logpush-otel/parser';
import type { Attributes, DeadLetter, LogEntry, PermanentError } from '@logpush-otel/pipeline';

/** Where the parsed bytes start in the file: results count lines and offsets from here. */
export interface ParseBase {
  readonly offset: number;
  readonly line: number;
}

const ORIGIN: ParseBase = { offset: 0, line: 0 };

/**
 * The LogEntry of a record read from `source`, seen at `observedUnixNano`. `base` is added to the result's line
 * and offset (a parse that started in the middle of a file); `attributes` become the entry's attributes.
 */
export function logEntryOf(
  r: ParseOk,
  source: string,
  observedUnixNano: bigint,
  base: ParseBase = ORIGIN,
  attributes: Attributes = {},
): LogEntry {
  return {
    dataset: r.dataset,
    record: r.record,
    timeUnixNano: r.timeUnixNano,
    observedUnixNano,
    raw: r.raw,
    position: { source, line: base.line + r.line, offset: base.offset + r.offset },
    attributes,
  };
}

/** The dead letter of a line `component` could not read (`base` as for {@link logEntryOf}). */
export function deadLetterOf(e: ParseError, component: string, base: ParseBase = ORIGIN): DeadLetter {
  return {
    reason: `${e.code}: ${e.reason}`,
    component,
    source: e.source,
    line: base.line + e.line,
    offset: base.offset + e.offset,
    raw: e.raw,
    ...(e.field === undefined ? {} : { field: e.field }),
  };
}

/**
 * The dead letters of the entries a PermanentError names (all of `entries` when it names none): the pipeline
 * refused them for good, so they are kept with its reason and then count as handled.
 */
export function refusedLetters(
  error: PermanentError,
  entries: readonly LogEntry[],
  component: string,
): DeadLetter[] {
  const letters: DeadLetter[] = [];
  for (const i of error.entries ?? entries.map((_, n) => n)) {
    const e = entries[i];
    if (e === undefined) continue;
    const { source, line, offset } = e.position;
    letters.push({ reason: error.message, component, source, line, offset, raw: e.raw });
  }
  return letters;
}
