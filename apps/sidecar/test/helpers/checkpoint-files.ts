// Reading a running sidecar's checkpoint files from outside, without opening the store (the process owns it).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointFileName } from '../../src/checkpoint/index.ts';

/**
 * Whether the checkpoints of receiver `name` in `dir` (snapshot and journal, as written so far) already put some
 * file past its first line: a kill from now on finds records behind a saved checkpoint.
 */
export async function checkpointSavedPastStart(dir: string, name: string): Promise<boolean> {
  const file = join(dir, checkpointFileName(name));
  for (const path of [file, `${file}.journal`]) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (/"line":[1-9]/.test(text)) return true;
  }
  return false;
}
