// Durable per-file checkpoints for one receiver. Two files: a snapshot of every entry, replaced atomically
// (write a temp file, fsync, rename, fsync the directory), and a journal of the entries changed since, appended
// and fsynced on every flush. A flush therefore costs a small append even when thousands of finished files are
// remembered; the journal is folded into a new snapshot once it grows past the snapshot's size. Every entry
// carries a version, so replaying the journal over a newer snapshot (a crash between the two steps of a
// compaction) never moves an entry back; a torn last journal line (a crash mid-append) is ignored. Both files are
// created with the storage file mode (0600) in a directory created with the storage directory mode (0700).
import { readFile, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory } from '../dead-letter.ts';
import { ensurePrivateDir, openPrivateFile } from '../storage/private-files.ts';

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
  /** Store-wide change counter of the last change (orders journal lines against the snapshot). */
  version?: number;
}

interface CheckpointDocument {
  version: 1;
  files: FileCheckpoint[];
}

type JournalLine = { set: FileCheckpoint } | { delete: string; version: number };

/** The snapshot file name of the checkpoints of receiver `name` (sanitised to a safe file name). */
export function checkpointFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.checkpoints.json`;
}

const MIN_JOURNAL_BYTES = 256 * 1024;

/**
 * The checkpoints of one receiver, kept in memory and saved under `dir`: `<name>.checkpoints.json` (snapshot)
 * and `<name>.checkpoints.json.journal`. Callers change entries with `set`/`delete` and call `flush()`; flushes
 * are serialised and coalesced (a flush requested while one is running runs once more afterwards). `flush`
 * resolves once every change made before the call is durable.
 */
export class CheckpointStore {
  readonly file: string;
  readonly journalFile: string;
  readonly dir: string;
  #entries = new Map<string, FileCheckpoint>();
  #changed = new Set<string>();
  #deleted = new Map<string, number>();
  #version = 0;
  #journal: FileHandle | undefined;
  #journalBytes = 0;
  #snapshotBytes = 0;
  #running: Promise<void> | undefined;
  #again: Promise<void> | undefined;
  #lastFlushAt = Date.now();

  private constructor(dir: string, name: string) {
    this.dir = dir;
    this.file = join(dir, checkpointFileName(name));
    this.journalFile = `${this.file}.journal`;
  }

  /**
   * Opens (creating the directory if needed) and loads the checkpoints of receiver `name` in `dir`. Rejects
   * when the directory cannot be created or the snapshot is not a checkpoint document (it is never overwritten
   * then: move it away to start over).
   */
  static async open(dir: string, name: string): Promise<CheckpointStore> {
    const store = new CheckpointStore(dir, name);
    await ensurePrivateDir(dir);
    await rm(`${store.file}.tmp`, { force: true });
    const text = await readIfExists(store.file);
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
      for (const entry of doc.files) store.#load(entry);
      store.#snapshotBytes = text.length;
    }
    const journal = await readIfExists(store.journalFile);
    if (journal !== undefined) {
      for (const line of journal.split('\n')) {
        if (line === '') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          break; // a torn last line: the append it belonged to never completed
        }
        store.#replay(parsed);
      }
      store.#journalBytes = journal.length;
    }
    return store;
  }

  #load(entry: FileCheckpoint): void {
    this.#entries.set(entry.id, entry);
    if ((entry.version ?? 0) > this.#version) this.#version = entry.version ?? 0;
  }

  #replay(line: unknown): void {
    if (typeof line !== 'object' || line === null) return;
    const l = line as Partial<{ set: unknown; delete: unknown; version: unknown }>;
    if (l.set !== undefined && isEntry(l.set)) {
      const current = this.#entries.get(l.set.id);
      if (current === undefined || (current.version ?? 0) < (l.set.version ?? 0)) this.#load(l.set);
    } else if (typeof l.delete === 'string' && typeof l.version === 'number') {
      const current = this.#entries.get(l.delete);
      if (current !== undefined && (current.version ?? 0) < l.version) this.#entries.delete(l.delete);
      if (l.version > this.#version) this.#version = l.version;
    }
  }

  /** Unix ms of the last completed flush (or of opening). */
  get lastFlushAt(): number {
    return this.#lastFlushAt;
  }

  /** Every entry (live objects: change them, then `set`, then `flush`). */
  entries(): IterableIterator<FileCheckpoint> {
    return this.#entries.values();
  }

  get(id: string): FileCheckpoint | undefined {
    return this.#entries.get(id);
  }

  /** Adds or replaces an entry (or records in-place changes of it) and marks it for the next flush. */
  set(entry: FileCheckpoint): void {
    entry.updatedAt = Date.now();
    entry.version = ++this.#version;
    this.#entries.set(entry.id, entry);
    this.#deleted.delete(entry.id);
    this.#changed.add(entry.id);
  }

  delete(id: string): void {
    if (!this.#entries.delete(id)) return;
    this.#changed.delete(id);
    this.#deleted.set(id, ++this.#version);
  }

  /** Whether there are changes not yet flushed. */
  get dirty(): boolean {
    return this.#changed.size > 0 || this.#deleted.size > 0;
  }

  /** Writes the changes durably; resolves when every change made before the call is on disk. */
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

  /** Closes the journal file. The store can still be flushed afterwards (it reopens it). */
  async close(): Promise<void> {
    await this.#running?.catch(() => undefined);
    const journal = this.#journal;
    this.#journal = undefined;
    await journal?.close();
  }

  async #write(): Promise<void> {
    if (!this.dirty) return;
    const changed = [...this.#changed];
    const deleted = [...this.#deleted];
    this.#changed.clear();
    this.#deleted.clear();
    try {
      if (this.#journalBytes > Math.max(MIN_JOURNAL_BYTES, this.#snapshotBytes)) await this.#compact();
      else await this.#append(changed, deleted);
      this.#lastFlushAt = Date.now();
    } catch (error) {
      // Not on disk: keep them for the next flush.
      for (const id of changed) if (this.#entries.has(id)) this.#changed.add(id);
      for (const [id, v] of deleted) if (!this.#entries.has(id)) this.#deleted.set(id, v);
      throw new Error(`could not save checkpoints to ${this.file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async #append(changed: readonly string[], deleted: readonly (readonly [string, number])[]): Promise<void> {
    let text = '';
    for (const id of changed) {
      const entry = this.#entries.get(id);
      if (entry !== undefined) text += JSON.stringify({ set: entry } satisfies JournalLine) + '\n';
    }
    for (const [id, version] of deleted)
      text += JSON.stringify({ delete: id, version } satisfies JournalLine) + '\n';
    if (text === '') return;
    if (this.#journal === undefined) {
      this.#journal = await openPrivateFile(this.journalFile, 'a');
      await fsyncDirectory(this.dir);
    }
    await this.#journal.appendFile(text, 'utf8');
    await this.#journal.datasync();
    this.#journalBytes += text.length;
  }

  /** Writes a snapshot of every entry, then empties the journal. */
  async #compact(): Promise<void> {
    const doc: CheckpointDocument = { version: 1, files: [...this.#entries.values()] };
    const text = JSON.stringify(doc) + '\n';
    const tmp = `${this.file}.tmp`;
    const handle = await openPrivateFile(tmp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
    await fsyncDirectory(this.dir);
    this.#snapshotBytes = text.length;
    // Lines already in the journal are older than the snapshot (versions tell), so emptying it is safe.
    if (this.#journal === undefined) this.#journal = await openPrivateFile(this.journalFile, 'a');
    await this.#journal.truncate(0);
    await this.#journal.datasync();
    this.#journalBytes = 0;
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isEntry(f: unknown): f is FileCheckpoint {
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
}

function isDocument(doc: unknown): doc is CheckpointDocument {
  if (typeof doc !== 'object' || doc === null) return false;
  const d = doc as { version?: unknown; files?: unknown };
  return d.version === 1 && Array.isArray(d.files) && d.files.every(isEntry);
}
