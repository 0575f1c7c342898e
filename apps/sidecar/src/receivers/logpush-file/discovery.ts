// Finding files and knowing which is which: walks the directory (include/exclude, hidden and own folders
// skipped), identifies each file by device, inode and a fingerprint of its first bytes (so renames keep their
// checkpoint and rotation, truncation or a rewrite starts over), and keeps the table of tracked files.
import { randomUUID } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { detectInput } from '@logpush-otel/parser';
import { fingerprintOf, matchesPrefix, readHead } from '../../checkpoint/fingerprint.ts';
import type { CheckpointStore, FileCheckpoint } from '../../checkpoint/store.ts';
import { insideOf } from './config.ts';
import type { ResolvedPaths } from './config.ts';
import type { ReceiverContext } from './context.ts';
import { endOfLastLine } from './file-pass.ts';
import { dropInflateState, isReading, trackedFile, transition } from './file-state.ts';
import type { TrackedFile } from './file-state.ts';
import { isLogpushControlFile, isSidecarOutputFile, oldestFirstKey } from './file-name.ts';

/** Finished gzip files are stat'ed by scans at most this often. */
const FINISHED_RESTAT_MS = 60_000;

/** Checkpoints not tracked in this run, by inode and by path. */
interface UntrackedIndex {
  byInode: Map<string, FileCheckpoint[]>;
  byPath: Map<string, FileCheckpoint[]>;
}

function inodeKey(dev: number, ino: number): string {
  return `${dev}:${ino}`;
}

/** Gzip by magic bytes, once there are enough bytes to tell. */
function gzipOf(head: Uint8Array): boolean | undefined {
  return head.length >= 2 ? detectInput(head).gzip : undefined;
}

/**
 * Whether a change notification for `name` (relative to the directory) is about the receiver's own writes
 * (checkpoints, moved files, hidden folders), which must not trigger scans.
 */
export function isOwnChange(paths: ResolvedPaths, name: string | null): boolean {
  if (name === null || name === '') return false;
  if (name.split(/[\\/]/).some((part) => part.startsWith('.'))) return true;
  const full = join(paths.directory, name);
  if (insideOf(paths.checkpointDir, full) !== undefined || full === paths.checkpointDir) return true;
  const moveDir = paths.moveDir;
  return moveDir !== undefined && (full === moveDir || insideOf(moveDir, full) !== undefined);
}

/** The tracked files of one receiver and the scans that find them. */
export class Discovery {
  readonly #ctx: ReceiverContext;
  readonly #isIncluded: (path: string) => boolean;
  readonly #isExcluded: (path: string) => boolean;
  /** Tracked files by checkpoint id. */
  readonly files = new Map<string, TrackedFile>();
  readonly #byInode = new Map<string, TrackedFile>();
  readonly #byPath = new Map<string, TrackedFile>();
  /** Tracked files that are not finished (or are being read or have batches in flight). */
  readonly open = new Set<TrackedFile>();
  /** Checkpoints not tracked in this run, indexed per scan by inode and by path (built on first need). */
  #untracked: UntrackedIndex | undefined;
  #firstScan = true;

  constructor(ctx: ReceiverContext) {
    this.#ctx = ctx;
    this.#isIncluded = picomatch(ctx.config.include);
    this.#isExcluded = ctx.config.exclude.length > 0 ? picomatch(ctx.config.exclude) : () => false;
  }

  /**
   * Walks the directory and brings the table up to date: new files tracked, renamed ones followed, rewritten
   * ones restarted, vanished ones marked `gone` (and forgotten once nothing of them is in flight), checkpoints
   * of files not seen for `forget_after` dropped.
   */
  async scan(store: CheckpointStore, now: number): Promise<void> {
    const seen = new Set<string>();
    this.#untracked = undefined;
    for (const path of await this.#walk(this.#ctx.paths.directory)) {
      if (this.#ctx.stopping) return;
      // Finished gzip files are write-once: stat them only now and then (directories can hold many of them).
      const t = this.#byPath.get(path);
      if (
        t !== undefined &&
        t.gzip === true &&
        t.cp.deadLettered !== true &&
        !this.open.has(t) &&
        now - t.statAt < FINISHED_RESTAT_MS
      ) {
        t.cp.seenAt = now;
        seen.add(t.cp.id);
        continue;
      }
      let st: Stats;
      try {
        st = await stat(path);
      } catch {
        continue; // vanished between listing and stat
      }
      if (!st.isFile()) continue;
      try {
        const file = await this.#identify(store, path, st, now);
        if (file !== undefined) seen.add(file.cp.id);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') {
          this.#ctx.settings.logger.warn('cannot identify file', {
            component: this.#ctx.component,
            file: path,
            error: (error as Error).message,
          });
        }
      }
    }
    for (const [id, file] of this.files) {
      // A file being read is left to its pass, which finds out itself when it opens a missing file.
      if (seen.has(id) || isReading(file)) continue;
      if (file.state !== 'gone') transition(file, 'gone');
      if (file.inFlight === 0) this.untrack(file);
    }
    for (const cp of [...store.entries()]) {
      if (!this.files.has(cp.id) && now - cp.seenAt > this.#ctx.config.forget_after) store.delete(cp.id);
    }
    this.#firstScan = false;
  }

  /** Ids of the tracked files that are not gone. */
  presentIds(): Set<string> {
    return new Set([...this.files.values()].filter((f) => f.state !== 'gone').map((f) => f.cp.id));
  }

  untrack(f: TrackedFile): void {
    dropInflateState(f);
    this.files.delete(f.cp.id);
    const key = inodeKey(f.cp.dev, f.cp.ino);
    if (this.#byInode.get(key) === f) this.#byInode.delete(key);
    if (this.#byPath.get(f.path) === f) this.#byPath.delete(f.path);
    this.open.delete(f);
  }

  /** Keeps `open` in step with the file's state. */
  refresh(f: TrackedFile): void {
    const finished =
      !isReading(f) && f.inFlight === 0 && (f.state === 'gone' || (f.cp.done && f.size === f.cp.size));
    if (finished) this.open.delete(f);
    else if (this.files.get(f.cp.id) === f) this.open.add(f);
  }

  async #walk(root: string): Promise<string[]> {
    const out: string[] = [];
    const skip = new Set([this.#ctx.paths.checkpointDir, this.#ctx.paths.moveDir]);
    const visit = async (dir: string): Promise<void> => {
      let names: Dirent[];
      try {
        names = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (dir === root) throw error;
        return;
      }
      for (const d of names) {
        const full = join(dir, d.name);
        if (d.isDirectory()) {
          if (d.name.startsWith('.') || skip.has(full)) continue;
          await visit(full);
        } else if (d.isFile() || d.isSymbolicLink()) {
          const rel = relative(root, full).split(sep).join('/');
          if (isLogpushControlFile(full) || isSidecarOutputFile(full)) continue;
          if (!this.#isIncluded(rel) || this.#isExcluded(rel)) continue;
          out.push(full);
        }
      }
    };
    await visit(root);
    return out;
  }

  /** Finds or creates the tracked file for `path`; handles renames, truncation and replaced files. */
  async #identify(
    store: CheckpointStore,
    path: string,
    st: Stats,
    now: number,
  ): Promise<TrackedFile | undefined> {
    const known = this.#byInode.get(inodeKey(st.dev, st.ino));
    if (known !== undefined) return this.#update(store, known, path, st, now);

    // Not tracked in this run: a checkpoint from an earlier run, or a new file.
    const head = await readHead(path, this.#ctx.config.fingerprint_size);
    const untracked = (this.#untracked ??= this.#indexUntracked(store));
    let cp: FileCheckpoint | undefined;
    let sameInodeOther: FileCheckpoint | undefined;
    const candidates = [
      ...(untracked.byInode.get(inodeKey(st.dev, st.ino)) ?? []),
      ...(untracked.byPath.get(path) ?? []),
    ];
    for (const c of candidates) {
      if (this.files.has(c.id) || store.get(c.id) !== c) continue;
      const sameInode = c.dev === st.dev && c.ino === st.ino;
      if (matchesPrefix(head, c.fingerprint, c.fingerprintLength) && (sameInode || c.path === path)) {
        cp = c;
        if (sameInode) break;
      } else if (sameInode) sameInodeOther = c;
    }
    if (sameInodeOther !== undefined && sameInodeOther !== cp) store.delete(sameInodeOther.id); // inode reused
    const isNew = cp === undefined;
    if (cp === undefined) {
      cp = {
        id: randomUUID(),
        path,
        dev: st.dev,
        ino: st.ino,
        fingerprint: fingerprintOf(head),
        fingerprintLength: head.length,
        offset: 0,
        line: 0,
        done: false,
        size: 0,
        seenAt: now,
        updatedAt: now,
      };
    } else {
      // Renamed while untracked (for instance between a scan's listing and its stat): still a rename.
      if (cp.path !== path) this.#noteRename(cp.path, path);
      cp.path = path;
      cp.dev = st.dev;
      cp.ino = st.ino;
      cp.seenAt = now;
      if (head.length > cp.fingerprintLength) {
        cp.fingerprint = fingerprintOf(head);
        cp.fingerprintLength = head.length;
      }
      // A file we finished that shrank is a different file under the same identity: start over.
      if (st.size < cp.size) {
        cp.offset = 0;
        cp.line = 0;
        cp.done = false;
        cp.size = 0;
        delete cp.deadLettered;
        delete cp.dataset;
      }
    }
    const init = {
      path,
      size: st.size,
      mtimeMs: st.mtimeMs,
      sortKey: oldestFirstKey(path, st.mtimeMs),
      gzip: gzipOf(head),
      now,
    };
    let f: TrackedFile;
    if (isNew && this.#firstScan && this.#ctx.config.start_at === 'end') {
      f = await this.#atEnd(cp, init);
    } else {
      f = trackedFile(cp, init);
    }
    this.files.set(f.cp.id, f);
    this.#byInode.set(inodeKey(f.cp.dev, f.cp.ino), f);
    this.#byPath.set(f.path, f);
    this.refresh(f);
    store.set(cp);
    return f;
  }

  /** A tracked file seen again: follows a rename, restarts a rewritten file, notes growth. */
  async #update(
    store: CheckpointStore,
    f: TrackedFile,
    path: string,
    st: Stats,
    now: number,
  ): Promise<TrackedFile> {
    const fpSize = this.#ctx.config.fingerprint_size;
    if (f.state === 'gone') {
      transition(f, 'waiting');
      f.passSize = -1; // what the last pass found may be stale: read on from where it stopped
    }
    f.cp.seenAt = now;
    f.statAt = now;
    if (f.path !== path) {
      if (this.#byPath.get(f.path) === f) this.#byPath.delete(f.path);
      this.#byPath.set(path, f);
      this.#noteRename(f.path, path);
      f.path = path;
      f.cp.path = path;
      store.set(f.cp);
    }
    let rewritten = st.size < f.size || (f.gzip === false && st.size < f.cp.offset);
    if (!rewritten && f.cp.fingerprintLength < fpSize && st.size > f.cp.fingerprintLength) {
      const head = await readHead(path, fpSize);
      if (matchesPrefix(head, f.cp.fingerprint, f.cp.fingerprintLength)) {
        f.cp.fingerprint = fingerprintOf(head);
        f.cp.fingerprintLength = head.length;
        store.set(f.cp);
      } else rewritten = true;
    }
    if (rewritten) {
      this.#ctx.settings.logger.info('file truncated or rewritten; reading it from the start', {
        component: this.#ctx.component,
        file: path,
      });
      this.#restart(f, await readHead(path, fpSize), st);
      store.set(f.cp);
    }
    if (st.size !== f.size || st.mtimeMs !== f.mtimeMs) {
      f.size = st.size;
      f.mtimeMs = st.mtimeMs;
      f.stalledSince = undefined;
    }
    this.refresh(f);
    return f;
  }

  #noteRename(from: string, to: string): void {
    this.#ctx.settings.logger.info('file renamed; keeping its checkpoint', {
      component: this.#ctx.component,
      from,
      to,
    });
  }

  #indexUntracked(store: CheckpointStore): UntrackedIndex {
    const byInode = new Map<string, FileCheckpoint[]>();
    const byPath = new Map<string, FileCheckpoint[]>();
    for (const c of store.entries()) {
      if (this.files.has(c.id)) continue;
      const k = inodeKey(c.dev, c.ino);
      byInode.set(k, [...(byInode.get(k) ?? []), c]);
      byPath.set(c.path, [...(byPath.get(c.path) ?? []), c]);
    }
    return { byInode, byPath };
  }

  /** start_at: end: plain files start after their last complete line, gzip files count as done. */
  async #atEnd(cp: FileCheckpoint, init: Parameters<typeof trackedFile>[1]): Promise<TrackedFile> {
    if (init.gzip === true) {
      cp.done = true;
      cp.size = init.size;
      const f = trackedFile(cp, init, 'complete');
      f.passSize = init.size;
      return f;
    }
    const end = await endOfLastLine(init.path, init.size);
    cp.offset = end.offset;
    cp.line = end.line;
    return trackedFile(cp, init);
  }

  /** The content changed under the same identity: everything read of it belongs to an older generation. */
  #restart(f: TrackedFile, head: Uint8Array, st: Stats): void {
    f.generation++;
    f.cp.offset = 0;
    f.cp.line = 0;
    f.cp.done = false;
    f.cp.size = 0;
    f.cp.fingerprint = fingerprintOf(head);
    f.cp.fingerprintLength = head.length;
    delete f.cp.deadLettered;
    delete f.cp.dataset;
    f.read = { offset: 0, line: 0 };
    f.tracker.reset(f.read);
    f.size = st.size;
    f.mtimeMs = st.mtimeMs;
    f.gzip = gzipOf(head);
    dropInflateState(f);
    f.passSize = -1;
    f.stalledSince = undefined;
    f.failures = 0;
    f.retryAt = 0;
    // A running pass goes on to its next batch, which it then drops (older generation).
    if (isReading(f)) {
      if (f.state === 'failing') transition(f, 'reading');
    } else if (f.state !== 'waiting') transition(f, 'waiting');
    this.refresh(f);
  }
}
