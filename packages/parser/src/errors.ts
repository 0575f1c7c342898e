import type { ParseError, ParseErrorCode, ParseFailure } from './types.ts';

/** Longest excerpt kept in an error. */
export const EXCERPT_CHARS = 200;

/** Shortens `text` to at most {@link EXCERPT_CHARS} characters (an ellipsis marks a cut). */
export function excerptOf(text: string): string {
  if (text.length <= EXCERPT_CHARS) return text;
  return `${text.slice(0, EXCERPT_CHARS - 1)}…`;
}

/** Where a failure happened. */
export interface FailureAt {
  source: string;
  line: number;
  offset: number;
  nextOffset: number;
  raw: string;
}

/** Builds a ParseFailure with the contract's message format. */
export function failure(
  code: ParseErrorCode,
  reason: string,
  at: FailureAt,
  excerptSource: string,
  field?: string,
): ParseFailure {
  const excerpt = excerptOf(excerptSource);
  const fieldPart = field === undefined ? '' : ` [field ${field}]`;
  const excerptPart = excerpt === '' ? '' : `: ${excerpt}`;
  const error: ParseError = {
    code,
    reason,
    source: at.source,
    line: at.line,
    offset: at.offset,
    nextOffset: at.nextOffset,
    excerpt,
    raw: at.raw,
    message: `${at.source}:${at.line} (byte ${at.offset}): ${reason}${fieldPart}${excerptPart}`,
  };
  if (field !== undefined) error.field = field;
  return { ok: false, error };
}

/** Renders an unknown thrown value for a reason text. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
