import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AckTracker,
  CheckpointStore,
  checkpointFileName,
  fingerprintOf,
  matchesPrefix,
  readHead,
} from '../src/checkpoint/index.ts';
import type { FileCheckpoint } from '../src/checkpoint/index.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'checkpoint-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function entry(id: string, offset: number): FileCheckpoint {
  return {
    id,
    path: `/logs/${id}.log.gz`,
    dev: 1,
    ino: 2,
    fingerprint: 'ab',
    fingerprintLength: 2,
    offset,
    line: offset / 10,
    done: false,
    size: 0,
    seenAt: 0,
    updatedAt: 0,
  };
}

describe('AckTracker', () => {
  it('advances only to the end of the longest acknowledged prefix when batches are acknowledged out of order', () => {
    const t = new AckTracker({ offset: 0, line: 0 });
    const a = t.open({ offset: 100, line: 10 });
    const b = t.open({ offset: 200, line: 20 });
    const c = t.open({ offset: 300, line: 30 });
    expect(t.ack(c)).toBe(false);
    expect(t.ack(b)).toBe(false);
    expect(t.committed).toEqual({ offset: 0, line: 0 });
    expect(t.pending).toBe(1);
    expect(t.ack(a)).toBe(true);
    expect(t.committed).toEqual({ offset: 300, line: 30 });
    expect(t.pending).toBe(0);
  });

  it('never moves past a failed batch, even when later batches are acknowledged', () => {
    const t = new AckTracker({ offset: 50, line: 5 });
    const a = t.open({ offset: 100, line: 10 });
    const b = t.open({ offset: 200, line: 20 });
    const c = t.open({ offset: 300, line: 30 });
    t.fail(b);
    t.ack(c);
    t.ack(a);
    expect(t.committed).toEqual({ offset: 100, line: 10 });
    expect(t.failed).toBe(true);
    t.reset();
    expect(t.failed).toBe(false);
    expect(t.pending).toBe(0);
    const d = t.open({ offset: 200, line: 20 });
    t.ack(d);
    expect(t.committed).toEqual({ offset: 200, line: 20 });
  });

  it('rejects a batch that ends before the previous one and ignores unknown tickets', () => {
    const t = new AckTracker({ offset: 0, line: 0 });
    t.open({ offset: 100, line: 1 });
    expect(() => t.open({ offset: 50, line: 1 })).toThrow(/before the previous end 100/);
    expect(t.ack(999)).toBe(false);
  });

  it('keeps up with many batches acknowledged in shuffled order', () => {
    const t = new AckTracker({ offset: 0, line: 0 });
    const tickets = Array.from({ length: 5000 }, (_, i) => t.open({ offset: (i + 1) * 10, line: i + 1 }));
    // Deterministic shuffle.
    let seed = 7;
    for (let i = tickets.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [tickets[i], tickets[j]] = [tickets[j] as number, tickets[i] as number];
    }
    let last = 0;
    for (const ticket of tickets) {
      t.ack(ticket);
      expect(t.committed.offset).toBeGreaterThanOrEqual(last);
      last = t.committed.offset;
    }
    expect(t.committed).toEqual({ offset: 50_000, line: 5000 });
  });
});

describe('CheckpointStore', () => {
  it('saves entries atomically and loads them back after a restart', async () => {
    const dir = join(await tempDir(), 'cp');
    const store = await CheckpointStore.open(dir, 'logpush_file/edge');
    store.set(entry('a', 100));
    store.set(entry('b', 200));
    await store.flush();
    const again = await CheckpointStore.open(dir, 'logpush_file/edge');
    expect(again.get('a')?.offset).toBe(100);
    expect(again.get('b')?.offset).toBe(200);
    expect(await readdir(dir)).toEqual([`${checkpointFileName('logpush_file/edge')}.journal`]);
    expect(checkpointFileName('logpush_file/edge')).toBe('logpush_file_edge.checkpoints.json');
  });

  it('ends with the latest state when flushes are requested while one is running', async () => {
    const dir = await tempDir();
    const store = await CheckpointStore.open(dir, 'r');
    const e = entry('a', 0);
    const flushes: Promise<void>[] = [];
    for (let i = 1; i <= 50; i++) {
      e.offset = i * 10;
      store.set(e);
      flushes.push(store.flush());
    }
    await Promise.all(flushes);
    expect(store.dirty).toBe(false);
    await store.close();
    const again = await CheckpointStore.open(dir, 'r');
    expect(again.get('a')?.offset).toBe(500);
    await again.close();
  });

  it('appends only changed entries to a journal and folds it into the snapshot once it grows', async () => {
    const dir = await tempDir();
    const store = await CheckpointStore.open(dir, 'r');
    for (let i = 0; i < 2000; i++) store.set(entry(`done-${i}`, 1000));
    await store.flush();
    const journalAfterFirst = (await readFile(store.journalFile, 'utf8')).length;
    const busy = entry('busy', 0);
    for (let i = 1; i <= 20; i++) {
      busy.offset = i * 10;
      store.set(busy);
      await store.flush();
    }
    // Each of those flushes appended one line, not 2001 entries.
    const grown = (await readFile(store.journalFile, 'utf8')).length - journalAfterFirst;
    expect(grown).toBeLessThan(20 * 400);
    // Enough appends fold the journal into a snapshot.
    for (let i = 0; i < 2000; i++) {
      busy.offset += 1;
      store.set(busy);
      await store.flush();
    }
    const snapshot = JSON.parse(await readFile(store.file, 'utf8')) as { files: FileCheckpoint[] };
    expect(snapshot.files.length).toBe(2001);
    await store.close();
    const again = await CheckpointStore.open(dir, 'r');
    expect(again.get('busy')?.offset).toBe(busy.offset);
    expect(again.get('done-1999')?.offset).toBe(1000);
    await again.close();
  });

  it('ignores a torn last journal line and never moves an entry back when replaying an older journal', async () => {
    const dir = await tempDir();
    const store = await CheckpointStore.open(dir, 'r');
    const e = entry('a', 100);
    store.set(e);
    await store.flush();
    e.offset = 200;
    store.set(e);
    await store.flush();
    await store.close();
    const journal = await readFile(store.journalFile, 'utf8');
    // A crash in the middle of the next append.
    await writeFile(store.journalFile, journal + '{"set":{"id":"a","offs');
    const again = await CheckpointStore.open(dir, 'r');
    expect(again.get('a')?.offset).toBe(200);
    await again.close();
    // A snapshot newer than the journal (crash between snapshot rename and journal truncation).
    const newer = { ...e, offset: 300, version: 99 };
    await writeFile(store.file, JSON.stringify({ version: 1, files: [newer] }));
    await writeFile(store.journalFile, journal);
    const third = await CheckpointStore.open(dir, 'r');
    expect(third.get('a')?.offset).toBe(300);
    await third.close();
  });

  it('refuses a corrupt checkpoint file instead of silently starting over, and ignores a stale temp file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, checkpointFileName('r')), '{"version":1,"files":[{"id":');
    await expect(CheckpointStore.open(dir, 'r')).rejects.toThrow(/not valid JSON.*move it away/);
    await writeFile(join(dir, checkpointFileName('s')), '{"version":2,"files":[]}');
    await expect(CheckpointStore.open(dir, 's')).rejects.toThrow(/not a version 1 checkpoint document/);
    await writeFile(join(dir, `${checkpointFileName('t')}.tmp`), 'half-written');
    const store = await CheckpointStore.open(dir, 't');
    expect([...store.entries()]).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('deletes entries and forgets them after the next flush', async () => {
    const dir = await tempDir();
    const store = await CheckpointStore.open(dir, 'r');
    store.set(entry('a', 1));
    store.set(entry('b', 2));
    await store.flush();
    store.delete('a');
    await store.flush();
    const again = await CheckpointStore.open(dir, 'r');
    expect([...again.entries()].map((e) => e.id)).toEqual(['b']);
  });
});

describe('file fingerprints', () => {
  it('recognises a file that grew by the hash of its first bytes', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a.log');
    await writeFile(path, 'hello');
    const small = await readHead(path, 1024);
    const fp = fingerprintOf(small);
    await writeFile(path, 'hello world, longer now');
    const head = await readHead(path, 8);
    expect(head.length).toBe(8);
    expect(matchesPrefix(await readHead(path, 1024), fp, small.length)).toBe(true);
    await writeFile(path, 'jello world');
    expect(matchesPrefix(await readHead(path, 1024), fp, small.length)).toBe(false);
    expect(matchesPrefix(new Uint8Array(2), fp, small.length)).toBe(false);
  });
});
