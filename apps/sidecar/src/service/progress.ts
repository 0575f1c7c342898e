// A progress bar on the terminal for `run --once` and `convert`: bytes done of a total known up front, percent,
// records per second and ETA, with log lines printed above it instead of onto it. Off when stderr is not a
// terminal (a file, a pipe, a container log), where a redrawn line would only be noise.
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import picomatch from 'picomatch';
import type { LineSink } from './logger.ts';

/** A running progress bar. */
export interface ProgressBar {
  /** Sets the bytes done and the records counted so far. */
  update(bytes: number, records: number): void;
  /** Prints `text` (whole lines) above the bar. */
  log(text: string): void;
  /** Removes the bar. */
  stop(): void;
}

/** Formats a byte count for the bar: 512 B, 1.5 KiB, 20.3 MiB, 1.2 GiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Starts a bar for `totalBytes` on `stream` (default stderr), or returns undefined when the stream is not a
 * terminal or the total is unknown (0).
 */
export function startProgressBar(
  totalBytes: number,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressBar | undefined {
  if (stream.isTTY !== true || totalBytes <= 0) return undefined;
  const started = Date.now();
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: ' {bar} {percentage}% | {done} of {total_h} | {rate} records/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 30,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(totalBytes, 0, { done: formatBytes(0), total_h: formatBytes(totalBytes), rate: 0 });
  return {
    update(bytes, records) {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const value = Math.min(bytes, totalBytes);
      bar.update(value, { done: formatBytes(value), rate: Math.round(records / seconds) });
    },
    log(text) {
      bars.log(text.endsWith('\n') ? text : `${text}\n`);
    },
    stop() {
      bars.stop();
    },
  };
}

/** A log sink that prints above `bar` while it runs, and on `fallback` otherwise. */
export function sinkAbove(bar: () => ProgressBar | undefined, fallback: LineSink = process.stderr): LineSink {
  return {
    write(text: string) {
      const b = bar();
      if (b === undefined) return fallback.write(text);
      b.log(text);
      return true;
    },
  };
}

/**
 * Bytes `path` holds once decompressed: its size, or for a gzip file the size its trailer records (ISIZE: the
 * uncompressed length modulo 2^32, exact for a single member under 4 GiB, which is what Logpush writes). 0 when it
 * cannot be read.
 */
export async function decompressedSize(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) return 0;
    if (st.size < 18) return st.size;
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(2);
      await handle.read(head, 0, 2, 0);
      if (head[0] !== 0x1f || head[1] !== 0x8b) return st.size;
      const tail = Buffer.alloc(4);
      await handle.read(tail, 0, 4, st.size - 4);
      return tail.readUInt32LE(0);
    } finally {
      await handle.close();
    }
  } catch {
    return 0;
  }
}

/** Decompressed bytes of the files under `directory` that `include` / `exclude` (globs) select; hidden ones skipped. */
export async function inputBytes(
  directory: string,
  include: readonly string[],
  exclude: readonly string[],
): Promise<number> {
  const isIncluded = picomatch([...include]);
  const isExcluded = exclude.length > 0 ? picomatch([...exclude]) : () => false;
  let total = 0;
  const visit = async (dir: string, rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      const relative = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await visit(path, relative);
      else if (e.isFile() && isIncluded(relative) && !isExcluded(relative))
        total += await decompressedSize(path);
    }
  };
  await visit(directory, '');
  return total;
}
