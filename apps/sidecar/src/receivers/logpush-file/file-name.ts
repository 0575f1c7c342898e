// What Logpush file names tell us: which files to ignore, and the time window used to read oldest first.
import { basename } from 'node:path';

/** Files Logpush writes that carry no records: the ownership challenge and the HTTP destination test upload. */
export function isLogpushControlFile(path: string): boolean {
  const name = basename(path);
  return /^ownership-challenge.*\.txt$/.test(name) || name === 'test.txt.gz' || name === 'test.txt';
}

/** Files the sidecar itself writes (dead letters), never to be read back as input. */
export function isSidecarOutputFile(path: string): boolean {
  return /^dead-letters-\d{4}-\d{2}-\d{2}\.ndjson$/.test(basename(path));
}

const WINDOW = /(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)/;

function compactToMs(text: string): number {
  return Date.UTC(
    Number(text.slice(0, 4)),
    Number(text.slice(4, 6)) - 1,
    Number(text.slice(6, 8)),
    Number(text.slice(9, 11)),
    Number(text.slice(11, 13)),
    Number(text.slice(13, 15)),
  );
}

/**
 * The time window in a Logpush object name (`20240101T000000Z_20240101T000030Z_<hash>.log.gz`) as unix ms,
 * or undefined when the name does not carry one.
 */
export function logpushWindow(path: string): { start: number; end: number } | undefined {
  const m = WINDOW.exec(basename(path));
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  const start = compactToMs(m[1]);
  const end = compactToMs(m[2]);
  if (Number.isNaN(start) || Number.isNaN(end)) return undefined;
  return { start, end };
}

/** Sort key for oldest-first reading: the window start from the name, else the modification time. */
export function oldestFirstKey(path: string, mtimeMs: number): number {
  return logpushWindow(path)?.start ?? mtimeMs;
}
