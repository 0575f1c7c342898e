// Shared test helpers: run the streaming parser to the end and keep everything it produced.
import type {
  ParseInput,
  ParseOptions,
  ParseResult,
  ParseSummary,
  ParseOk,
  ParseFailure,
} from '@logpush-otel/parser';
import { parseBatches } from '@logpush-otel/parser';

export interface Collected {
  results: ParseResult[];
  batches: number;
  summary: ParseSummary;
  ok: ParseOk[];
  failures: ParseFailure[];
}

export async function collect(input: ParseInput, options: ParseOptions = {}): Promise<Collected> {
  const it = parseBatches(input, options);
  const results: ParseResult[] = [];
  let batches = 0;
  for (;;) {
    const r = await it.next();
    if (r.done === true) {
      return {
        results,
        batches,
        summary: r.value,
        ok: results.filter((x): x is ParseOk => x.ok),
        failures: results.filter((x): x is ParseFailure => !x.ok),
      };
    }
    batches++;
    results.push(...r.value);
  }
}

/** Yields `bytes` in chunks of `size` bytes (1 = byte by byte). */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, i + size);
  }
}

export const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** A small, valid http_requests line with an exact unixnano timestamp. */
export function httpLine(i: number, extra = ''): string {
  return `{"ClientIP":"192.0.2.${i % 250}","ClientRequestHost":"example.com","ClientRequestMethod":"GET","EdgeResponseStatus":200,"EdgeStartTimestamp":${1700000000123456789n + BigInt(i)},"RayID":"8a1b2c3d4e5f${(1000 + i).toString(16)}"${extra}}`;
}
