// A generated Logpush output directory holding the three seed datasets, each in its own folder, as the suites
// feed it to the sidecar.
import { join } from 'node:path';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import type { SeedDataset, TimestampFormat } from '@logpush-otel/testdata/generator';
import { readInputDirectory } from './input.ts';
import type { InputRecord } from './input.ts';

/** How much of one dataset to generate. */
export interface DatasetPart {
  readonly dataset: SeedDataset;
  readonly count: number;
  readonly files?: number;
  readonly gzip?: boolean;
  readonly timestampFormat?: TimestampFormat;
  /** Time of the first record (default: the generator's, 2024-01-01T00:00:00Z). */
  readonly startUnixNano?: bigint;
}

/** The seed shared by every dataset: http_requests and firewall_events then describe the same requests. */
export const SEED = 42;

/**
 * Writes each part under `<dir>/<dataset>/` in Logpush's layout and returns every input record (read back from
 * the files, with exact event times).
 */
export async function writeDatasets(dir: string, parts: readonly DatasetPart[]): Promise<InputRecord[]> {
  for (const part of parts) {
    await writeLogpushDirectory(join(dir, part.dataset), {
      dataset: part.dataset,
      count: part.count,
      seed: SEED,
      files: part.files ?? 2,
      gzip: part.gzip ?? true,
      timestampFormat: part.timestampFormat ?? 'unixnano',
      ...(part.startUnixNano === undefined ? {} : { startUnixNano: part.startUnixNano }),
    });
  }
  return readInputDirectory(dir, (file) => file.split('/')[0] ?? '');
}

/** The event name the mapping gives each seed dataset. */
export const EVENT_NAMES: Readonly<Record<SeedDataset, string>> = {
  http_requests: 'cloudflare.http_request',
  firewall_events: 'cloudflare.firewall_event',
  spectrum_events: 'cloudflare.spectrum_event',
};

/** Counts of a list of strings, for multiset comparisons that stay readable in a failure diff. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}
