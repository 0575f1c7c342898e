// The dead-letter store: rejected lines and records, appended as JSON lines to one file per UTC day, fsynced
// before `write` resolves, so a component may count them as handled (and advance its checkpoint) once written.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeadLetter, DeadLetterStore } from '@logpush-otel/pipeline';
import { ensurePrivateDir, openPrivateFile, storageModes } from './storage/private-files.ts';
import type { FileModes } from './storage/private-files.ts';

/** Options of {@link FileDeadLetterStore}. */
export interface DeadLetterStoreOptions {
  /** Modes of the files and directory created (default: the storage modes, 0600 and 0700). */
  readonly modes?: FileModes;
  /** Rewrites every letter before it is written (the privacy text pass, secret redaction of reasons). */
  readonly transform?: (letter: DeadLetter) => DeadLetter;
}

/** One line of a dead-letter file, as written (see docs/dead-letters.md). */
export interface DeadLetterLine {
  /** When the letter was written, RFC 3339 UTC with milliseconds. */
  readonly time: string;
  readonly reason: string;
  readonly component: string;
  readonly source: string;
  readonly line: number | null;
  readonly offset: number | null;
  readonly field: string | null;
  readonly raw: string;
}

/** The file name used for letters written on the UTC day of `date`: `dead-letters-YYYY-MM-DD.ndjson`. */
export function deadLetterFileName(date: Date): string {
  return `dead-letters-${date.toISOString().slice(0, 10)}.ndjson`;
}

/** Serialises one letter as its JSON line (without the newline). */
export function formatDeadLetter(letter: DeadLetter, time: Date): string {
  const line: DeadLetterLine = {
    time: time.toISOString(),
    reason: letter.reason,
    component: letter.component,
    source: letter.source,
    line: letter.line ?? null,
    offset: letter.offset ?? null,
    field: letter.field ?? null,
    raw: letter.raw,
  };
  return JSON.stringify(line);
}

/**
 * A {@link DeadLetterStore} over a directory: `write(letters)` appends one JSON line per letter to
 * `<dir>/dead-letters-<UTC date>.ndjson` and resolves only once the data (and, for a new file, the directory
 * entry) is fsynced. Writes are serialised in call order; a rejected write means the letters may not be on disk
 * and the caller must not count them as handled. The directory (0700) and files (0600) are created on first use,
 * owner-only unless other modes are given.
 */
export class FileDeadLetterStore implements DeadLetterStore {
  /** The directory the files are written to. */
  readonly dir: string;
  #tail: Promise<void> = Promise.resolve();
  #handle: FileHandle | undefined;
  #handleName = '';
  #closed = false;
  readonly #modes: FileModes;
  readonly #transform: ((letter: DeadLetter) => DeadLetter) | undefined;

  constructor(dir: string, options: DeadLetterStoreOptions = {}) {
    this.dir = dir;
    this.#modes = options.modes ?? storageModes();
    this.#transform = options.transform;
  }

  /** Appends the letters and fsyncs; resolves when they are durable. An empty array resolves at once. */
  write(letters: readonly DeadLetter[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`dead-letter store ${this.dir} is closed`));
    if (letters.length === 0) return Promise.resolve();
    const run = this.#tail.then(() => this.#append(letters));
    // Keep the chain alive after a failure: the next write tries again; this caller still sees the rejection.
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending writes and closes the open file. Later writes reject. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) await handle.close();
  }

  async #append(letters: readonly DeadLetter[]): Promise<void> {
    const now = new Date();
    const name = deadLetterFileName(now);
    let text = '';
    const transform = this.#transform;
    for (const letter of letters)
      text += formatDeadLetter(transform === undefined ? letter : transform(letter), now) + '\n';
    const handle = await this.#fileFor(name);
    await handle.appendFile(text, 'utf8');
    await handle.datasync();
  }

  async #fileFor(name: string): Promise<FileHandle> {
    if (this.#handle !== undefined && this.#handleName === name) return this.#handle;
    const previous = this.#handle;
    this.#handle = undefined;
    if (previous !== undefined) await previous.close();
    await ensurePrivateDir(this.dir, this.#modes.dirMode);
    const handle = await openPrivateFile(join(this.dir, name), 'a', { mode: this.#modes.fileMode });
    // Make the (possibly new) directory entry durable too, so a crash cannot lose the whole file.
    await fsyncDirectory(this.dir);
    this.#handle = handle;
    this.#handleName = name;
    return handle;
  }
}

/** fsyncs a directory so renames and new entries in it survive a crash (a no-op where unsupported). */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) and file systems cannot fsync a directory; the data itself is synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}
