// The public entry points: one line, a stream of results, or batches of results per input chunk.
import { Buffer } from 'node:buffer';
import { describeThrown, failure } from './errors.ts';
import { LineFramer } from './framing.ts';
import { decompressedChunks } from './input.ts';
import type { InputEnd, ParseInput } from './input.ts';
import { DEFAULT_MAX_LINE_BYTES, RecordParser, checkOptions } from './record-parser.ts';
import type { ParseOptions, ParseResult, ParseSummary } from './types.ts';

/**
 * Parses one line (no framing, no gzip). `line` and `offset` (default 1 and 0) are used in the result and errors;
 * `nextOffset` is `offset` plus the line's UTF-8 length (the terminator is not known here). A trailing LF or CRLF
 * is ignored. CSV needs `fieldNames`; `dataset: 'auto'` detects per call. Never throws on bad input; throws
 * RangeError for invalid options (an unknown dataset name, a non-positive maxLineBytes).
 */
export function parseLine(
  line: string,
  options: ParseOptions & { line?: number; offset?: number } = {},
): ParseResult {
  checkOptions(options);
  const lineNo = options.line ?? 1;
  const offset = options.offset ?? 0;
  const source = options.source ?? '<input>';
  let text = line;
  if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
  const nextOffset = offset + Buffer.byteLength(text);
  const at = { source, line: lineNo, offset, nextOffset, raw: text };
  let format = options.format ?? 'auto';
  if (format === 'auto')
    format =
      options.fieldNames !== undefined ? 'csv' : text.trimStart().startsWith('[') ? 'json-array' : 'ndjson';
  const parser = new RecordParser({ ...options, format, csvHeader: false });
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (nextOffset - offset > max) {
    parser.tooLong(lineNo, offset, nextOffset, nextOffset - offset, text.slice(0, 400));
  } else if (text.trim() === '') {
    return failure('invalid-json', 'expected a JSON object, found a blank line', at, '');
  } else {
    parser.line(text, lineNo, offset, nextOffset);
  }
  const results = parser.out;
  const only = results[0];
  if (results.length === 1 && only !== undefined) return only;
  if (results.length === 0)
    return failure('not-an-object', 'expected a record, found only JSON-array punctuation', at, text);
  return failure(
    'not-an-object',
    `expected one record, found ${results.length} (a JSON array on one line): read it with parseStream`,
    at,
    text,
  );
}

/**
 * Parses a stream of bytes (NDJSON, CSV or JSON array; gzip or plain, by magic bytes) and yields one array of
 * results per decompressed input chunk; returns the {@link ParseSummary}. Stream-level problems (truncated or
 * corrupt gzip, read errors) come out as a final failure and `complete: false`. Never throws on bad input;
 * throws RangeError for invalid options.
 */
export async function* parseBatches(
  input: ParseInput,
  options: ParseOptions = {},
): AsyncGenerator<ParseResult[], ParseSummary> {
  checkOptions(options);
  const parser = new RecordParser(options);
  const source = options.source ?? '<input>';
  const framer = new LineFramer(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, options.resumeFrom, true);
  const chunks = decompressedChunks(input);
  let end: InputEnd;
  let finished = false;
  try {
    for (;;) {
      const r = await chunks.next();
      if (r.done === true) {
        end = r.value;
        finished = true;
        break;
      }
      try {
        framer.push(r.value, parser);
      } catch (e) {
        end = { kind: 'read-error', reason: `internal parser error: ${describeThrown(e)}` };
        break;
      }
      if (parser.out.length > 0) {
        const batch = parser.out;
        parser.out = [];
        yield batch;
      }
    }
  } catch (e) {
    end = { kind: 'read-error', reason: `reading the input failed: ${describeThrown(e)}` };
  } finally {
    if (!finished) await chunks.return({ kind: 'complete' });
  }
  const complete = end.kind === 'complete';
  let held = false;
  try {
    held = framer.end(!complete || options.holdIncompleteTail === true, parser);
  } catch (e) {
    parser.fail(
      'read-error',
      `internal parser error: ${describeThrown(e)}`,
      {
        source,
        line: framer.lineNo + 1,
        offset: framer.consumedOffset,
        nextOffset: framer.consumedOffset,
        raw: '',
      },
      '',
    );
  }
  if (end.kind !== 'complete') {
    parser.fail(
      end.kind,
      end.reason,
      {
        source,
        line: framer.consumedLines + 1,
        offset: framer.consumedOffset,
        nextOffset: framer.consumedOffset,
        raw: '',
      },
      '',
    );
  }
  if (parser.out.length > 0) {
    const batch = parser.out;
    parser.out = [];
    yield batch;
  }
  return {
    lines: framer.lines,
    ok: parser.ok,
    failed: parser.failed,
    consumedOffset: framer.consumedOffset,
    consumedLines: framer.consumedLines,
    complete: complete && !held,
    invalidUtf8Lines: framer.invalidUtf8,
  };
}

/** Like {@link parseBatches}, one result at a time; returns the same summary. */
export async function* parseStream(
  input: ParseInput,
  options: ParseOptions = {},
): AsyncGenerator<ParseResult, ParseSummary> {
  const batches = parseBatches(input, options);
  let done = false;
  try {
    for (;;) {
      const r = await batches.next();
      if (r.done === true) {
        done = true;
        return r.value;
      }
      yield* r.value;
    }
  } finally {
    // The consumer stopped early: release the input (and gunzip) now, not at garbage collection.
    if (!done)
      await batches.return({
        lines: 0,
        ok: 0,
        failed: 0,
        consumedOffset: 0,
        consumedLines: 0,
        complete: false,
        invalidUtf8Lines: 0,
      });
  }
}
