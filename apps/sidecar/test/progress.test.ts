// The progress bar of `run --once` and `convert`: drawn only on a terminal, with bytes, percent, records/s and
// ETA, and log lines printed above it instead of onto it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decompressedSize, formatBytes, inputBytes, startProgressBar } from '../src/service/progress.ts';

/** A stream that says it is a terminal, collecting what is drawn on it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text(): string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  Object.assign(stream, { isTTY: true, columns: 120, rows: 40 });
  return { stream, text: () => chunks.join('') };
}

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('progress bar', () => {
  it('is off when the stream is not a terminal, or when the total is unknown', () => {
    const pipe = new PassThrough() as unknown as NodeJS.WriteStream;
    expect(startProgressBar(1000, pipe)).toBeUndefined();
    expect(startProgressBar(0, fakeTerminal().stream)).toBeUndefined();
  });

  it('draws bytes of the total, percent, records/s and ETA, and prints log lines above the bar', async () => {
    const term = fakeTerminal();
    const bar = startProgressBar(4 * 1024 * 1024, term.stream);
    expect(bar).toBeDefined();
    bar?.update(1024 * 1024, 5000);
    await new Promise((r) => setTimeout(r, 300));
    bar?.log('{"level":"warn","msg":"something"}');
    await new Promise((r) => setTimeout(r, 300));
    bar?.stop();
    const text = term.text();
    expect(text).toMatch(/25% \| 1\.0 MiB of 4\.0 MiB \| \d+ records\/s \| ETA /);
    expect(text).toContain('{"level":"warn","msg":"something"}\n');
    // the bar's line is cleared and the log line written there; the bar is redrawn below it
    expect(text).toContain('\x1b[2K{"level":"warn","msg":"something"}\n');
  });

  it('counts the decompressed size of gzip files from their trailer, and selects files like the receiver', async () => {
    dir = await mkdtemp(join(tmpdir(), 'logpush-otel-progress-'));
    const text = 'x'.repeat(100_000);
    await writeFile(join(dir, 'a.log.gz'), gzipSync(text));
    await writeFile(join(dir, 'b.log'), 'y'.repeat(500));
    await writeFile(join(dir, 'c.txt'), 'ignored');
    await writeFile(join(dir, '.hidden.log'), 'ignored');
    expect(await decompressedSize(join(dir, 'a.log.gz'))).toBe(100_000);
    expect(await inputBytes(dir, ['**/*.log', '**/*.log.gz'], [])).toBe(100_500);
    expect(await inputBytes(dir, ['**/*.log', '**/*.log.gz'], ['*.gz'])).toBe(500);
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
