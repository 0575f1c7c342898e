// The one module that creates state and record files: explicit modes whatever the umask, existing files left
// alone with one warning, and the file_mode / dir_mode settings validated.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader } from '@logpush-otel/pipeline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../src/checkpoint/store.ts';
import { FileDeadLetterStore } from '../src/dead-letter.ts';
import {
  PRIVATE_MODES,
  configurePrivateFiles,
  ensurePrivateDir,
  openPrivateFile,
  readModeSettings,
} from '../src/storage/private-files.ts';

let dir = '';
let previousUmask = 0;
const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

beforeAll(() => {
  previousUmask = process.umask(0o022);
  configurePrivateFiles({ warn: (message, fields) => warnings.push({ message, fields }) });
});
afterAll(() => {
  process.umask(previousUmask);
  configurePrivateFiles({ modes: PRIVATE_MODES, warn: () => undefined });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpush-otel-modes-'));
  warnings.length = 0;
});
afterEach(async () => {
  process.umask(0o022);
  await rm(dir, { recursive: true, force: true });
});

describe('ensurePrivateDir', () => {
  it('creates every missing directory with the mode, whatever the umask', async () => {
    await ensurePrivateDir(join(dir, 'a', 'b', 'c'));
    for (const p of ['a', 'a/b', 'a/b/c']) expect(await modeOf(join(dir, p)), p).toBe(0o700);
    // A mode wider than the umask allows is still applied (a group that must read).
    process.umask(0o077);
    await ensurePrivateDir(join(dir, 'g', 'h'), 0o750);
    expect(await modeOf(join(dir, 'g'))).toBe(0o750);
    expect(await modeOf(join(dir, 'g', 'h'))).toBe(0o750);
  });

  it('leaves an existing directory as it is', async () => {
    await mkdir(join(dir, 'old'), { mode: 0o755 });
    await ensurePrivateDir(join(dir, 'old', 'new'));
    expect(await modeOf(join(dir, 'old'))).toBe(0o755);
    expect(await modeOf(join(dir, 'old', 'new'))).toBe(0o700);
  });
});

describe('openPrivateFile', () => {
  it('creates files 0600 (or the given mode) under any umask, for appending and for rewriting', async () => {
    const a = await openPrivateFile(join(dir, 'sub', 'a.ndjson'), 'a', { dirMode: 0o700 });
    await a.close();
    expect(await modeOf(join(dir, 'sub'))).toBe(0o700);
    expect(await modeOf(join(dir, 'sub', 'a.ndjson'))).toBe(0o600);
    process.umask(0o077);
    const b = await openPrivateFile(join(dir, 'b.jsonl'), 'a', { mode: 0o640 });
    await b.close();
    expect(await modeOf(join(dir, 'b.jsonl'))).toBe(0o640);
    await writeFile(join(dir, 'c.tmp'), 'old', { mode: 0o666 });
    const c = await openPrivateFile(join(dir, 'c.tmp'), 'w');
    await c.close();
    expect(await modeOf(join(dir, 'c.tmp'))).toBe(0o600);
  });

  it('keeps the mode of an existing file and warns once when every user can read it', async () => {
    const path = join(dir, 'shared.ndjson');
    await writeFile(path, 'x\n', { mode: 0o644 });
    for (let i = 0; i < 3; i++) await (await openPrivateFile(path, 'a')).close();
    expect(await modeOf(path)).toBe(0o644);
    expect(warnings).toEqual([
      {
        message: 'an existing file is readable by every local user; it keeps its mode (chmod o-rwx to fix)',
        fields: { path, mode: '0644' },
      },
    ]);
    await writeFile(join(dir, 'group.ndjson'), '', { mode: 0o640 });
    await (await openPrivateFile(join(dir, 'group.ndjson'), 'a')).close();
    expect(warnings).toHaveLength(1);
  });
});

describe('stores use it', () => {
  it('dead letters and checkpoints (snapshot and journal) are owner-only under umask 022', async () => {
    const letters = new FileDeadLetterStore(join(dir, 'state', 'dead-letters'));
    await letters.write([
      { reason: 'bad', component: 'test', source: 's', raw: '{"ClientIP":"203.0.113.7"}' },
    ]);
    await letters.close();
    const store = await CheckpointStore.open(join(dir, 'state', 'checkpoints'), 'logpush_file');
    store.set({
      id: 'x',
      path: '/p',
      dev: 1,
      ino: 2,
      fingerprint: 'f',
      fingerprintLength: 1,
      offset: 0,
      line: 0,
      done: false,
      size: 0,
      seenAt: 0,
      updatedAt: 0,
    });
    await store.flush();
    await store.close();
    for (const p of ['state', 'state/dead-letters', 'state/checkpoints'])
      expect(await modeOf(join(dir, p)), p).toBe(0o700);
    expect(await modeOf(store.journalFile)).toBe(0o600);
    const day = new Date().toISOString().slice(0, 10);
    expect(await modeOf(join(dir, 'state', 'dead-letters', `dead-letters-${day}.ndjson`))).toBe(0o600);
  });
});

describe('readModeSettings', () => {
  const read = (config: unknown) => {
    const r = new ConfigReader(config, 'storage');
    const modes = readModeSettings(r);
    return { modes, issues: r.allIssues().map((i) => `${i.path}: ${i.message}`) };
  };

  it('reads quoted octal modes and defaults to owner-only', () => {
    expect(read({})).toEqual({ modes: { fileMode: 0o600, dirMode: 0o700 }, issues: [] });
    expect(read({ file_mode: '0640', dir_mode: '750' })).toEqual({
      modes: { fileMode: 0o640, dirMode: 0o750 },
      issues: [],
    });
    expect(read({ file_mode: '0o660' }).modes.fileMode).toBe(0o660);
    expect(read({ file_mode: '0644', allow_world_readable: true })).toEqual({
      modes: { fileMode: 0o644, dirMode: 0o700 },
      issues: [],
    });
  });

  it('rejects unquoted numbers, bits for others, special bits and modes the owner cannot use', () => {
    expect(read({ file_mode: 640, dir_mode: '0755' }).issues).toEqual([
      'storage.file_mode: expected an octal mode in quotes such as "0640" (unquoted, YAML reads 0640 as the decimal number 640), got 640',
      'storage.dir_mode: expected no permissions for other users (they would read record data), got "0755"; set allow_world_readable: true to allow it',
    ]);
    expect(read({ file_mode: '4600', dir_mode: '0600' }).issues).toEqual([
      'storage.file_mode: expected permission bits only (at most 0777; no setuid, setgid or sticky bit), got "4600"',
      'storage.dir_mode: expected the owner to keep read, write and search (0700), or the sidecar cannot use it, got "0600"',
    ]);
    expect(read({ file_mode: 'rw-r-----' }).issues).toEqual([
      'storage.file_mode: expected an octal mode in quotes such as "0640", got "rw-r-----"',
    ]);
  });
});
