// Public API of @logpush-otel/parser.
export { parseBatches, parseLine, parseStream } from './parse.ts';
export { detectInput } from './detect.ts';
export type { DetectedFormat, DetectedInput } from './detect.ts';
export type { ParseInput } from './input.ts';
export { parseJsonExact } from './exact-json.ts';
export type {
  JsonValue,
  LogpushRecord,
  ParseError,
  ParseErrorCode,
  ParseFailure,
  ParseFormat,
  ParseOk,
  ParseOptions,
  ParseResult,
  ParseSummary,
} from './types.ts';
