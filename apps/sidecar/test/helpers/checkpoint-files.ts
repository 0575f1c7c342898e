// Reading a running sidecar's checkpoint files from outside, without opening the store (the process owns it).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointFileName } from '../../src/checkpoint/index.ts';

interface Saved {
  path?: string;
  line?: number;
  version?: number;
}

/**
 * The line saved on disk so far for each file path of receiver `name` in `dir`: the snapshot, then the complete
 * lines of the journal (a line being written is ignored), the newest version of each file winning.
 */
export async function savedLines(dir: string, name: string): Promise<Map<string, number>> {
  const file = join(dir, checkpointFileName(name));
  const found = new Map<string, { line: number; version: number }>();
  const take = (e: Saved | undefined): void => {
    if (e?.path === undefined) return;
    const version = e.version ?? 0;
    if (version >= (found.get(e.path)?.version ?? -1)) found.set(e.path, { line: e.line ?? 0, version });
  };
  const snapshot = await readFile(file, 'utf8').catch(() => '');
  if (snapshot !== '') for (const e of (JSON.parse(snapshot) as { files: Saved[] }).files) take(e);
  const journal = await readFile(`${file}.journal`, 'utf8').catch(() => '');
  for (const l of journal.slice(0, journal.lastIndexOf('\n') + 1).split('\n')) {
    if (l !== '') take((JSON.parse(l) as { set?: Saved }).set);
  }
  return new Map([...found].map(([path, s]) => [path, s.line]));
}

/**
 * Whether the checkpoints of receiver `name` in `dir` already put some file past its first line: a kill from now
 * on finds records behind a saved checkpoint.
 */
export async function checkpointSavedPastStart(dir: string, name: string): Promise<boolean> {
  return [...(await savedLines(dir, name)).values()].some((line) => line > 0);
}
