// Files and directories that hold record data or state (dead letters, checkpoints and their journal, the file
// exporter's output, spools) are created owner-only, 0600 and 0700, whatever the process umask: the mode is set
// explicitly after creating them, because open() and mkdir() apply the umask to the mode they are given. Users
// who need group access (a log shipper running as another user) set `file_mode` / `dir_mode`; permissions for
// every other local user need `allow_world_readable: true` as well. An existing file keeps its mode; one that
// every local user can read gets one warning per process.
import { chmod, mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { describeValue } from '@logpush-otel/pipeline';
import type { ConfigReader } from '@logpush-otel/pipeline';

/** Permission bits for the files and directories a component creates. */
export interface FileModes {
  /** Mode of created files (default 0600). */
  readonly fileMode: number;
  /** Mode of created directories (default 0700). */
  readonly dirMode: number;
}

/** Owner-only: files 0600, directories 0700. */
export const PRIVATE_MODES: FileModes = Object.freeze({ fileMode: 0o600, dirMode: 0o700 });

/** Receives the warning about an existing world-readable file. */
export type ModeWarning = (message: string, fields: Record<string, unknown>) => void;

let processModes: FileModes = PRIVATE_MODES;
let warnSink: ModeWarning = () => undefined;
const warned = new Set<string>();

/**
 * Sets the modes used when a caller passes none (the `storage` section's `file_mode` / `dir_mode`: dead letters,
 * checkpoints, spools) and where warnings go (the sidecar's logger). `run` calls it once at start.
 */
export function configurePrivateFiles(options: { modes?: FileModes; warn?: ModeWarning }): void {
  if (options.modes !== undefined) processModes = options.modes;
  if (options.warn !== undefined) warnSink = options.warn;
}

/** The modes used when a caller passes none. */
export function storageModes(): FileModes {
  return processModes;
}

/** `0o640` as `0640`. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function warnIfWorldReadable(path: string, mode: number, what: string): void {
  if ((mode & 0o004) === 0 || warned.has(path)) return;
  warned.add(path);
  warnSink(`${what} is readable by every local user; it keeps its mode (chmod o-rwx to fix)`, {
    path,
    mode: formatMode(mode),
  });
}

/**
 * Creates `path` and its missing parents with `mode` (default: the storage `dir_mode`, 0700), setting the mode
 * explicitly on each directory created so the umask cannot widen or narrow it. Directories that exist are left
 * as they are. Resolves to whether anything was created.
 */
export async function ensurePrivateDir(path: string, mode: number = processModes.dirMode): Promise<boolean> {
  const target = resolve(path);
  const first = await mkdir(target, { recursive: true, mode });
  if (first === undefined) return false;
  // mkdir returns the first directory it created: every directory from there down to `target` is new.
  const created: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    created.push(dir);
    if (dir === resolve(first) || dirname(dir) === dir) break;
  }
  for (const dir of created.reverse()) await chmod(dir, mode);
  return true;
}

/** Options of {@link openPrivateFile}. */
export interface OpenPrivateOptions {
  /** Mode of the file when it is created (default: the storage `file_mode`, 0600). */
  readonly mode?: number;
  /** Create the parent directory first, with this mode (default: do not). */
  readonly dirMode?: number;
}

/**
 * Opens `path` for appending (`a`) or for writing from scratch (`w`, truncating), creating it with `mode`
 * (set explicitly, whatever the umask). An existing file opened with `a` keeps its mode, with one warning per
 * process when every local user can read it; `w` always leaves the file with `mode` (its content is replaced).
 */
export async function openPrivateFile(
  path: string,
  flags: 'a' | 'w',
  options: OpenPrivateOptions = {},
): Promise<FileHandle> {
  const mode = options.mode ?? processModes.fileMode;
  if (options.dirMode !== undefined) await ensurePrivateDir(dirname(path), options.dirMode);
  if (flags === 'w') {
    const handle = await open(path, 'w', mode);
    await chmodOrClose(handle, mode);
    return handle;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'ax', mode);
      await chmodOrClose(handle, mode);
      return handle;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      const handle = await open(path, 'a');
      warnIfWorldReadable(path, (await handle.stat()).mode, 'an existing file');
      return handle;
    } catch (error) {
      // Removed between the two opens: create it after all (bounded, a concurrent deleter cannot loop us).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw error;
    }
  }
}

async function chmodOrClose(handle: FileHandle, mode: number): Promise<void> {
  try {
    await handle.chmod(mode);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function readMode(
  r: ConfigReader,
  key: 'file_mode' | 'dir_mode',
  fallback: number,
  allowWorld: boolean,
): number {
  const v = r.raw(key);
  if (v === undefined || v === null) return fallback;
  const text = typeof v === 'string' ? v.trim() : '';
  if (!/^(?:0o?)?[0-7]{3,4}$/i.test(text)) {
    const hint = typeof v === 'number' ? ' (unquoted, YAML reads 0640 as the decimal number 640)' : '';
    r.issue(key, `expected an octal mode in quotes such as "0640"${hint}, got ${describeValue(v)}`);
    return fallback;
  }
  const mode = parseInt(text.replace(/^0o/i, ''), 8);
  const owner = key === 'file_mode' ? 0o600 : 0o700;
  if (mode > 0o777) {
    r.issue(
      key,
      `expected permission bits only (at most 0777; no setuid, setgid or sticky bit), got "${text}"`,
    );
    return fallback;
  }
  if ((mode & owner) !== owner) {
    const needs = key === 'file_mode' ? 'read and write (0600)' : 'read, write and search (0700)';
    r.issue(key, `expected the owner to keep ${needs}, or the sidecar cannot use it, got "${text}"`);
    return fallback;
  }
  if ((mode & 0o007) !== 0 && !allowWorld) {
    r.issue(
      key,
      `expected no permissions for other users (they would read record data), got "${text}"; ` +
        'set allow_world_readable: true to allow it',
    );
    return fallback;
  }
  return mode;
}

/**
 * Reads `file_mode`, `dir_mode` and `allow_world_readable` from a component's or the storage section's reader:
 * quoted octal modes (`"0640"`), the owner keeping read and write, no bits for other users unless
 * `allow_world_readable: true`.
 */
export function readModeSettings(r: ConfigReader, fallback: FileModes = PRIVATE_MODES): FileModes {
  const allowWorld = r.boolean('allow_world_readable', false);
  return {
    fileMode: readMode(r, 'file_mode', fallback.fileMode, allowWorld),
    dirMode: readMode(r, 'dir_mode', fallback.dirMode, allowWorld),
  };
}
