// Durable per-file checkpoints for one receiver: a single JSON document replaced atomically (write a temp
// file, fsync it, rename it over the old one, fsync the directory), so a crash leaves the old or the new
// version, never a torn one.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory } from '../dead-letter.ts';

/** What is remembered about one file. `offset` and `line` only ever cover acknowledged records. */
export interface FileCheckpoint {
  /** Stable id of this entry (does not change when the file is renamed or its fingerprint grows). */
  readonly id: string;
  /** Last path the file was seen at. */
  path: string;
  dev: number;
  ino: number;
  /** Hex SHA-256 of the first `fingerprintLength` bytes of the file as stored (compressed for gzip). */
  fingerprint: string;
  fingerprintLength: number;
  /** Decompressed byte offset up to which every record is acknowledged (or dead-lettered). */
  offset: number;
  /** Lines (records, blank lines included) consumed up to `offset`. */
  line: number;
  /** The file was read to its end and everything is acknowledged (for gzip: the stream was complete). */
  done: boolean;
  /** File size (as stored) when `done` was last set or the file was last read. */
  size: number;
  /** Dataset detected for the file, reused when resuming so detection does not depend on where we resume. */
  dataset?: string;
  /** An incomplete gzip stream that was sent to the dead-letter store (resumed if the file grows). */
  deadLettered?: boolean;
  /** Unix ms when the file was last seen by a scan. */
  seenAt: number;
  /** Unix ms of the last change of this entry. */
  updatedAt: number;
}

interface CheckpointDocument {
  version: 1;
  files: FileCheckpoint[];
}

/** The file name of the checkpoints of receiver `name` (sanitised to a safe file name). */
export function checkpointFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.checkpoints.json`;
}

/**
 * The checkpoints of one receiver, kept in memory and saved to `<dir>/<name>.checkpoints.json`. Callers change
 * entries with `set`/`delete` and call `flush()`; flushes are serialised and coalesced (a flush requested
 * while one is running runs once more afterwards). `flush` resolves once the state at call time is durable.
 */
export class CheckpointStore {
  readonly file: string;
  readonly dir: string;
  #entries = new Map<string, FileCheckpoint>();
  #dirty = false;
  #running: Promise<void> | undefined;
  #again: Promise<void> | undefined;
  #lastFlushAt = Date.now();

  private constructor(dir: string, name: string) {
    this.dir = dir;
    this.file = join(dir, checkpointFileName(name));
  }

  /**
   * Opens (creating the directory if needed) and loads the checkpoints of receiver `name` in `dir`. Rejects
   * when the directory cannot be created or the file is not a checkpoint document (it is never overwritten
   * then: move it away to start over).
   */
  static async open(dir: string, name: string): Promise<CheckpointStore> {
    const store = new CheckpointStore(dir, name);
    await mkdir(dir, { recursive: true });
    await rm(`${store.file}.tmp`, { force: true });
    let text: string | undefined;
    try {
      text = await readFile(store.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (error) {
        throw new Error(
          `checkpoint file ${store.file} is not valid JSON (${(error as Error).message}); move it away to read every file again`,
          { cause: error },
        );
      }
      if (!isDocument(doc)) {
        throw new Error(
          `checkpoint file ${store.file} is not a version 1 checkpoint document; move it away to read every file again`,
        );
      }
      for (const entry of doc.files) store.#entries.set(entry.id, entry);
    }
    return store;
  }

  /** Unix ms of the last completed flush (or of opening). */
  get lastFlushAt(): number {
    return this.#lastFlushAt;
  }

  /** Every entry (live objects: change them, then `set` or `touch`, then `flush`). */
  entries(): IterableIterator<FileCheckpoint> {
    return this.#entries.values();
  }

  get(id: string): FileCheckpoint | undefined {
    return this.#entries.get(id);
  }

  /** Adds or replaces an entry and marks the store dirty. */
  set(entry: FileCheckpoint): void {
    entry.updatedAt = Date.now();
    this.#entries.set(entry.id, entry);
    this.#dirty = true;
  }

  /** Marks the store dirty after in-place changes of entries. */
  touch(): void {
    this.#dirty = true;
  }

  delete(id: string): void {
    if (this.#entries.delete(id)) this.#dirty = true;
  }

  /** Whether there are changes not yet flushed. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** Writes the current state durably; resolves when every change made before the call is on disk. */
  flush(): Promise<void> {
    if (this.#running === undefined) {
      this.#running = this.#write().finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    // A write is in progress and may have started before the latest changes: queue exactly one more.
    this.#again ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#again = undefined;
        return this.flush();
      });
    return this.#again;
  }

  async #write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const doc: CheckpointDocument = { version: 1, files: [...this.#entries.values()] };
    const text = JSON.stringify(doc, null, 1) + '\n';
    const tmp = `${this.file}.tmp`;
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.file);
      await fsyncDirectory(this.dir);
      this.#lastFlushAt = Date.now();
    } catch (error) {
      this.#dirty = true;
      throw new Error(`could not save checkpoints to ${this.file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

function isDocument(doc: unknown): doc is CheckpointDocument {
  if (typeof doc !== 'object' || doc === null) return false;
  const d = doc as { version?: unknown; files?: unknown };
  if (d.version !== 1 || !Array.isArray(d.files)) return false;
  return d.files.every((f: unknown) => {
    if (typeof f !== 'object' || f === null) return false;
    const e = f as Record<string, unknown>;
    return (
      typeof e['id'] === 'string' &&
      typeof e['path'] === 'string' &&
      typeof e['dev'] === 'number' &&
      typeof e['ino'] === 'number' &&
      typeof e['fingerprint'] === 'string' &&
      typeof e['fingerprintLength'] === 'number' &&
      typeof e['offset'] === 'number' &&
      typeof e['line'] === 'number' &&
      typeof e['done'] === 'boolean' &&
      typeof e['size'] === 'number'
    );
  });
}
