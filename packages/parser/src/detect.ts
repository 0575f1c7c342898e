// What kind of input a stream is, from its first bytes: gzip or plain (magic bytes 1f 8b, never the file name),
// and which record format (NDJSON, CSV, JSON array). The one rule the parser and its callers share.
import { Buffer } from 'node:buffer';
import { constants, gunzipSync } from 'node:zlib';
import { splitCsvLine } from './csv.ts';

/** A record format the parser can read (`auto` resolved). */
export type DetectedFormat = 'ndjson' | 'csv' | 'json-array';

/** What {@link detectInput} found at the start of an input. */
export interface DetectedInput {
  /** The bytes start with the gzip magic bytes 1f 8b. */
  gzip: boolean;
  /** The format of the first non-blank (decompressed) line; undefined when the head holds none yet. */
  format: DetectedFormat | undefined;
}

/** Compressed bytes of a gzip head decompressed: the start of the first line is all the rule needs. */
const GZIP_HEAD_BYTES = 1024;

/** True when `head` starts with the gzip magic bytes 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The format of a stream from its first non-blank line (or the start of it): `{` NDJSON, `[` JSON array, a line
 * of two or more CSV cells CSV, anything else NDJSON (so that the line is reported as invalid JSON). Undefined
 * for text that is blank.
 */
export function formatOfLine(text: string): DetectedFormat | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0xfeff) continue;
    if (c === 0x7b) return 'ndjson';
    if (c === 0x5b) return 'json-array';
    const end = text.indexOf('\n', i);
    const cells = splitCsvLine(text.slice(i, end < 0 ? text.length : end).replace(/\r$/, ''));
    return 'values' in cells && cells.values.length >= 2 ? 'csv' : 'ndjson';
  }
  return undefined;
}

/** The start of a gzip stream decompressed as far as `head` allows (empty when it is not readable yet). */
function inflateHead(head: Uint8Array): Uint8Array {
  // A sync flush hands out what the bytes so far decompress to, without asking for the end of the stream. A
  // short file may hold a damaged end (or a damaged second member): then look at its first bytes only.
  for (const n of [GZIP_HEAD_BYTES, 256]) {
    try {
      return gunzipSync(head.subarray(0, n), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      // try fewer bytes
    }
  }
  return new Uint8Array(0);
}

/**
 * Detects gzip and the record format from the first bytes of an input (a few hundred bytes are plenty; the
 * first line of a gzip head is decompressed to see it). The same rule `parseBatches` applies with `format: 'auto'`.
 */
export function detectInput(head: Uint8Array): DetectedInput {
  const gzip = isGzip(head);
  const plain = gzip ? inflateHead(head) : head;
  const text = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8');
  return { gzip, format: formatOfLine(text) };
}
