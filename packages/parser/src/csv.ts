// One CSV line as Logpush writes it: fields separated by commas, strings quoted (with "" for a quote), numbers
// and booleans bare. Records are one per line, so a quoted field never spans lines here.
import type { JsonValue } from './types.ts';

/** The cells of one CSV line and whether each was quoted. */
export interface CsvCells {
  values: string[];
  quoted: boolean[];
}

/** A CSV line that could not be split. */
export interface CsvSyntaxError {
  error: string;
  column: number;
}

/** Splits one CSV line into cells (quotes removed, `""` unescaped). */
export function splitCsvLine(text: string): CsvCells | CsvSyntaxError {
  const values: string[] = [];
  const quoted: boolean[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (i < n && text.charCodeAt(i) === 0x22 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return { error: `unterminated quoted field starting at column ${i + 1}`, column: i + 1 };
        if (text.charCodeAt(q + 1) === 0x22) {
          value += text.slice(j, q + 1);
          j = q + 2;
          continue;
        }
        value += text.slice(j, q);
        i = q + 1;
        break;
      }
      values.push(value);
      quoted.push(true);
      if (i >= n) break;
      if (text.charCodeAt(i) !== 0x2c /* , */)
        return { error: `expected a comma after the quoted field ending at column ${i}`, column: i + 1 };
      i++;
    } else {
      const c = text.indexOf(',', i);
      if (c < 0) {
        values.push(text.slice(i));
        quoted.push(false);
        break;
      }
      values.push(text.slice(i, c));
      quoted.push(false);
      i = c + 1;
    }
  }
  return { values, quoted };
}

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Exact integer from a digit string: a number when safe, else a bigint. */
export function integerFromDigits(text: string): number | bigint {
  if (text.length < 16) return Number(text);
  const big = BigInt(text);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : big;
}

/**
 * Types one cell: a quoted cell is a string; a bare cell is absent when empty or `null`, a boolean for
 * true/false, an exact number for numeric text, else the text itself.
 */
export function csvCellValue(text: string, quoted: boolean): JsonValue | undefined {
  if (quoted) return text;
  if (text === '' || text === 'null') return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (INTEGER.test(text)) return integerFromDigits(text);
  if (NUMBER.test(text)) return Number(text);
  return text;
}
