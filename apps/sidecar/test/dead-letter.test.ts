import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileDeadLetterStore, deadLetterFileName } from '../src/dead-letter.ts';
import type { DeadLetterLine } from '../src/dead-letter.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dead-letter-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function readLetters(dir: string): Promise<DeadLetterLine[]> {
  const files = await readdir(dir);
  const lines: DeadLetterLine[] = [];
  for (const file of files.sort()) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line) as DeadLetterLine);
  }
  return lines;
}

describe('FileDeadLetterStore', () => {
  it('appends one JSON line per letter with reason, position and the raw line, in a dated file', async () => {
    const dir = join(await tempDir(), 'nested', 'dead');
    const store = new FileDeadLetterStore(dir);
    await store.write([
      {
        reason: 'invalid JSON: unexpected end of input',
        component: 'receivers/logpush_file',
        source: '/logs/20240101/a.log.gz',
        line: 7,
        offset: 1234,
        raw: '{"RayID":"8a',
      },
      {
        reason: 'rejected by backend',
        component: 'exporters/otlp',
        source: 'otlp',
        field: 'ClientIP',
        raw: '{}',
      },
    ]);
    await store.close();
    expect(await readdir(dir)).toEqual([deadLetterFileName(new Date())]);
    const letters = await readLetters(dir);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({
      reason: 'invalid JSON: unexpected end of input',
      component: 'receivers/logpush_file',
      source: '/logs/20240101/a.log.gz',
      line: 7,
      offset: 1234,
      field: null,
      raw: '{"RayID":"8a',
    });
    expect(letters[1]).toMatchObject({ line: null, offset: null, field: 'ClientIP', raw: '{}' });
    expect(Number.isNaN(Date.parse(letters[0]?.time ?? ''))).toBe(false);
  });

  it('keeps every letter of concurrent writes, each write contiguous and in call order', async () => {
    const dir = await tempDir();
    const store = new FileDeadLetterStore(dir);
    const writes: Promise<void>[] = [];
    for (let w = 0; w < 20; w++) {
      writes.push(
        store.write(
          Array.from({ length: 5 }, (_, i) => ({
            reason: `bad ${w}`,
            component: 'test',
            source: 's',
            line: w * 5 + i,
            raw: `line with "quotes" and\nnewline ${w}/${i}`,
          })),
        ),
      );
    }
    await Promise.all(writes);
    await store.close();
    const letters = await readLetters(dir);
    expect(letters.map((l) => l.line)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(letters[3]?.raw).toBe('line with "quotes" and\nnewline 0/3');
  });

  it('appends to an existing file of the same day instead of replacing it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, deadLetterFileName(new Date())), '{"reason":"earlier"}\n');
    const store = new FileDeadLetterStore(dir);
    await store.write([{ reason: 'later', component: 'c', source: 's', raw: 'x' }]);
    await store.close();
    expect((await readLetters(dir)).map((l) => l.reason)).toEqual(['earlier', 'later']);
  });

  it('rejects writes after close and when the directory cannot be created', async () => {
    const dir = await tempDir();
    const store = new FileDeadLetterStore(dir);
    await store.close();
    await store.close();
    await expect(store.write([{ reason: 'r', component: 'c', source: 's', raw: '' }])).rejects.toThrow(
      /closed/,
    );
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    const blocked = new FileDeadLetterStore(join(file, 'sub'));
    await expect(blocked.write([{ reason: 'r', component: 'c', source: 's', raw: '' }])).rejects.toThrow();
    await blocked.write([]);
    await blocked.close();
  });
});
