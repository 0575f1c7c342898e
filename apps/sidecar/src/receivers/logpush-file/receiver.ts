// The `logpush_file` receiver: finds Logpush files under a directory, reads them oldest first (plain or gzip,
// growing or complete), hands records on in batches, and moves each file's checkpoint only past records whose
// batches were acknowledged (or dead-lettered).
import { randomUUID } from 'node:crypto';
import { watch } from 'node:fs';
import type { Dirent, FSWatcher, Stats } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { isGzip, parseBatches } from '@logpush-otel/parser';
import { reportInput } from './input-report.ts';
import type { ParseError, ParseOptions, ParseSummary } from '@logpush-otel/parser';
import { isPermanentError } from '@logpush-otel/pipeline';
import type {
  Consumer,
  Counter,
  CreateSettings,
  DeadLetter,
  Gauge,
  Host,
  LogEntry,
  Receiver,
} from '@logpush-otel/pipeline';
import { AckTracker } from '../../checkpoint/ack-tracker.ts';
import type { StreamPosition } from '../../checkpoint/ack-tracker.ts';
import { fingerprintOf, matchesPrefix, readHead } from '../../checkpoint/fingerprint.ts';
import { CheckpointStore } from '../../checkpoint/store.ts';
import { RECEIVER_METRICS } from '../../service/metric-names.ts';
import type { FileCheckpoint } from '../../checkpoint/store.ts';
import { insideOf, resolvePaths } from './config.ts';
import type { LogpushFileReceiverConfig, ResolvedPaths } from './config.ts';
import { isLogpushControlFile, isSidecarOutputFile, oldestFirstKey } from './file-name.ts';
import { Slots } from './slots.ts';

/** A file the receiver knows about in this run. The checkpoint holds the acknowledged position. */
interface TrackedFile {
  cp: FileCheckpoint;
  path: string;
  size: number;
  mtimeMs: number;
  sortKey: number;
  /** Gzip by magic bytes; undefined until the first bytes were seen. */
  gzip: boolean | undefined;
  /** Where the next pass starts: the end of the last batch handed on. */
  read: StreamPosition;
  tracker: AckTracker;
  /** Bumped when the file is found truncated or replaced: work of older generations is ignored. */
  generation: number;
  active: boolean;
  inFlight: number;
  /** Size of the file when the last pass ended (-1: never read in this run). */
  passSize: number;
  /** The last pass reached the end of a complete stream (every line terminated, or gzip trailer read). */
  complete: boolean;
  /** The last pass stopped before a partial last line (plain) or a partial final line (complete gzip). */
  heldTail: boolean;
  /** The last pass found the gzip stream incomplete. */
  truncated: boolean;
  /** Unix ms since when the file has not grown while incomplete (held tail or truncated gzip). */
  stalledSince: number | undefined;
  /** Read the final line even without a terminator on the next pass. */
  flushTail: boolean;
  failures: number;
  retryAt: number;
  /** A batch of the current generation failed: stop reading, re-read from the checkpoint once settled. */
  failed: boolean;
  gone: boolean;
  /** Unix ms of the last stat by a scan. */
  statAt: number;
}

interface Unit {
  entries: LogEntry[];
  letters: DeadLetter[];
}

const STREAM_ERRORS = new Set(['truncated-gzip', 'corrupt-gzip', 'read-error']);
/** Finished gzip files are stat'ed by scans at most this often. */
const FINISHED_RESTAT_MS = 60_000;

/**
 * The receiver. Created by `logpushFileReceiverFactory.create`. `start` loads the checkpoints and begins
 * scanning; `shutdown` stops reading, waits (bounded) for batches in flight, and saves the checkpoints.
 * `drained()` resolves once every file present is read to its end and acknowledged (for `--once`).
 */
export class LogpushFileReceiver implements Receiver {
  readonly #settings: CreateSettings;
  readonly #config: LogpushFileReceiverConfig;
  readonly #next: Consumer;
  readonly #paths: ResolvedPaths;
  readonly #component: string;
  readonly #isIncluded: (path: string) => boolean;
  readonly #isExcluded: (path: string) => boolean;
  readonly #slots: Slots;
  readonly #files = new Map<string, TrackedFile>(); // by checkpoint id
  readonly #byInode = new Map<string, TrackedFile>();
  readonly #byPath = new Map<string, TrackedFile>();
  /** Tracked files that are not finished (or are being read or have batches in flight). */
  readonly #open = new Set<TrackedFile>();
  #untrackedIndexed = false;
  /** Checkpoints not tracked in this run, indexed per scan by inode and by path. */
  #untracked = { byInode: new Map<string, FileCheckpoint[]>(), byPath: new Map<string, FileCheckpoint[]>() };
  readonly #passes = new Set<Promise<void>>();
  readonly #settling = new Set<Promise<void>>();
  #store: CheckpointStore | undefined;
  #watcher: FSWatcher | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #watchTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #rescan = false;
  #firstScan = true;
  #started = false;
  #stopping = false;
  #stopped = false;
  #drainMode = false;
  /** Callers of drained(); `files` is the set of files to wait for, fixed by the first scan after the call. */
  #drainWaiters: {
    resolve: () => void;
    reject: (error: unknown) => void;
    files: Set<string> | undefined;
    /** The first scan that started after the call. */
    scan: number;
  }[] = [];
  #scanSeq = 0;
  #flushing: Promise<void> | undefined;
  #flushAgain = false;
  readonly #metrics: {
    records: Counter;
    bytes: Counter;
    rejected: Counter;
    filesDone: Counter;
    retries: Counter;
    openFiles: Gauge;
    checkpointAge: Gauge;
  };
  readonly #labels: Record<string, string>;

  constructor(settings: CreateSettings, config: LogpushFileReceiverConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#paths = resolvePaths(config);
    this.#component = `receivers/${settings.id}`;
    this.#isIncluded = picomatch(config.include);
    this.#isExcluded = config.exclude.length > 0 ? picomatch(config.exclude) : () => false;
    this.#slots = new Slots(config.max_in_flight_batches);
    this.#labels = { receiver: settings.id };
    const m = settings.metrics;
    const l = ['receiver'];
    this.#metrics = {
      records: m.counter(RECEIVER_METRICS.recordsRead, 'Records read and handed on.', l),
      bytes: m.counter(RECEIVER_METRICS.bytesRead, 'Decompressed bytes read.', l),
      rejected: m.counter(RECEIVER_METRICS.recordsRejected, 'Lines that failed to parse.', l),
      filesDone: m.counter(RECEIVER_METRICS.filesDone, 'Files read to the end and acknowledged.', l),
      retries: m.counter(RECEIVER_METRICS.retries, 'Re-reads from the checkpoint after a rejection.', l),
      openFiles: m.gauge(RECEIVER_METRICS.openFiles, 'Files being read.', l),
      checkpointAge: m.gauge(
        RECEIVER_METRICS.checkpointAge,
        'Seconds since the checkpoints were last saved while records await acknowledgement (0 when caught up).',
        l,
      ),
    };
  }

  async start(_host: Host): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const dir = this.#paths.directory;
    const st = await stat(dir).catch((error: unknown) => {
      throw new Error(
        `${this.#component}: directory ${dir} cannot be read (${(error as Error).message}); expected an existing directory`,
      );
    });
    if (!st.isDirectory()) throw new Error(`${this.#component}: ${dir} is not a directory`);
    this.#store = await CheckpointStore.open(this.#paths.checkpointDir, this.#settings.id);
    if (this.#config.watch) this.#startWatching();
    this.#schedulePoll(0);
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopping = true;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#watchTimer);
    clearTimeout(this.#retryTimer);
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#slots.close();
    await this.#scanning?.catch(() => undefined);
    await Promise.allSettled([...this.#passes]);
    // Batches in flight: wait for their acknowledgements (bounded), so their positions are saved.
    const settle = Promise.allSettled([...this.#settling]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settle, new Promise<void>((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
    for (const w of this.#drainWaiters.splice(0)) w.reject(new Error(`${this.#component} was shut down`));
    if (this.#store !== undefined) {
      await this.#flushing;
      await this.#flushCheckpoints();
      await this.#store.close();
    }
    this.#metrics.openFiles.set(0, this.#labels);
  }

  /**
   * Resolves once every file present when it was called (as found by the next scan) has been read to its end
   * and every record of it is acknowledged or dead-lettered (the Drainable contract of @logpush-otel/pipeline).
   * Puts the receiver in drain mode: a final line without terminator is read at once (the input is declared
   * complete), and an incomplete gzip stream is dead-lettered at once (a later run resumes it if the file
   * grows). Rejects if the receiver is shut down first, or if a file keeps failing to be read.
   */
  drained(): Promise<void> {
    this.#drainMode = true;
    const done = new Promise<void>((resolve, reject) =>
      this.#drainWaiters.push({ resolve, reject, files: undefined, scan: this.#scanSeq + 1 }),
    );
    if (this.#started && !this.#stopping) this.#requestScan();
    return done;
  }

  // ---------------------------------------------------------------- discovery

  #startWatching(): void {
    try {
      this.#watcher = watch(this.#paths.directory, { recursive: true }, (_event, name) =>
        this.#onWatchEvent(name),
      );
      this.#watcher.on('error', (error: Error) => {
        this.#settings.logger.warn('file watching failed; polling only', {
          component: this.#component,
          error: error.message,
        });
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (error) {
      this.#settings.logger.warn('file watching unavailable; polling only', {
        component: this.#component,
        error: (error as Error).message,
      });
    }
  }

  #onWatchEvent(name: string | null): void {
    if (this.#stopping || this.#watchTimer !== undefined) return;
    // Our own writes (checkpoints in a hidden folder, moved files) must not trigger scans.
    if (name !== null && name !== '') {
      if (name.split(/[\\/]/).some((part) => part.startsWith('.'))) return;
      const full = join(this.#paths.directory, name);
      if (insideOf(this.#paths.checkpointDir, full) !== undefined || full === this.#paths.checkpointDir)
        return;
      const moveDir = this.#paths.moveDir;
      if (moveDir !== undefined && (full === moveDir || insideOf(moveDir, full) !== undefined)) return;
    }
    this.#watchTimer = setTimeout(() => {
      this.#watchTimer = undefined;
      this.#requestScan();
    }, 50);
  }

  #schedulePoll(delay: number): void {
    if (this.#stopping) return;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      this.#requestScan();
    }, delay);
  }

  /** Runs a scan now, or once more after the running one. Errors are logged; polling goes on. */
  #requestScan(): void {
    if (this.#stopping) return;
    if (this.#scanning !== undefined) {
      this.#rescan = true;
      return;
    }
    this.#scanning = this.#scan()
      .catch((error: unknown) => {
        this.#settings.logger.error('scan failed', {
          component: this.#component,
          error: (error as Error).message,
        });
      })
      .finally(() => {
        this.#scanning = undefined;
        if (this.#rescan) {
          this.#rescan = false;
          this.#requestScan();
        } else this.#schedulePoll(this.#config.poll_interval);
      });
  }

  async #scan(): Promise<void> {
    const store = this.#store;
    if (store === undefined) return;
    const seq = ++this.#scanSeq;
    const now = Date.now();
    const seen = new Set<string>();
    this.#untrackedIndexed = false;
    for (const path of await this.#walk(this.#paths.directory)) {
      if (this.#stopping) return;
      // Finished gzip files are write-once: stat them only now and then (directories can hold many of them).
      const t = this.#byPath.get(path);
      if (
        t !== undefined &&
        t.gzip === true &&
        t.cp.deadLettered !== true &&
        !this.#open.has(t) &&
        now - t.statAt < FINISHED_RESTAT_MS
      ) {
        t.gone = false;
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
          this.#settings.logger.warn('cannot identify file', {
            component: this.#component,
            file: path,
            error: (error as Error).message,
          });
        }
      }
    }
    for (const [id, file] of this.#files) {
      if (seen.has(id)) continue;
      file.gone = true;
      if (!file.active && file.inFlight === 0) this.#untrack(file);
    }
    for (const cp of [...store.entries()]) {
      if (!this.#files.has(cp.id) && now - cp.seenAt > this.#config.forget_after) store.delete(cp.id);
    }
    this.#firstScan = false;
    this.#updateGauges();
    this.#pump();
    for (const w of this.#drainWaiters) {
      if (w.files === undefined && w.scan <= seq) {
        w.files = new Set([...this.#files.values()].filter((f) => !f.gone).map((f) => f.cp.id));
      }
    }
    this.#checkDrained();
    if (store.dirty) await this.#flushCheckpoints();
  }

  async #walk(root: string): Promise<string[]> {
    const out: string[] = [];
    const skip = new Set([this.#paths.checkpointDir, this.#paths.moveDir]);
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
    const fpSize = this.#config.fingerprint_size;
    const known = this.#byInode.get(inodeKey(st.dev, st.ino));
    if (known !== undefined) {
      const f = known;
      f.gone = false;
      f.cp.seenAt = now;
      f.statAt = now;
      if (f.path !== path) {
        if (this.#byPath.get(f.path) === f) this.#byPath.delete(f.path);
        this.#byPath.set(path, f);
        this.#settings.logger.info('file renamed; keeping its checkpoint', {
          component: this.#component,
          from: f.path,
          to: path,
        });
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
        this.#settings.logger.info('file truncated or rewritten; reading it from the start', {
          component: this.#component,
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
      this.#refresh(f);
      return f;
    }

    // Not tracked in this run: a checkpoint from an earlier run, or a new file.
    const head = await readHead(path, fpSize);
    if (!this.#untrackedIndexed) this.#indexUntracked(store);
    let cp: FileCheckpoint | undefined;
    let sameInodeOther: FileCheckpoint | undefined;
    const candidates = [
      ...(this.#untracked.byInode.get(inodeKey(st.dev, st.ino)) ?? []),
      ...(this.#untracked.byPath.get(path) ?? []),
    ];
    for (const c of candidates) {
      if (this.#files.has(c.id) || store.get(c.id) !== c) continue;
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
    const f: TrackedFile = {
      cp,
      path,
      size: st.size,
      mtimeMs: st.mtimeMs,
      sortKey: oldestFirstKey(path, st.mtimeMs),
      gzip: head.length >= 2 ? isGzip(head) : undefined,
      read: { offset: cp.offset, line: cp.line },
      tracker: new AckTracker({ offset: cp.offset, line: cp.line }),
      generation: 0,
      active: false,
      inFlight: 0,
      passSize: -1,
      complete: false,
      heldTail: false,
      truncated: false,
      stalledSince: undefined,
      flushTail: false,
      failures: 0,
      retryAt: 0,
      failed: false,
      gone: false,
      statAt: now,
    };
    if (isNew && this.#firstScan && this.#config.start_at === 'end') await this.#skipToEnd(f);
    this.#track(f);
    store.set(cp);
    return f;
  }

  #track(f: TrackedFile): void {
    this.#files.set(f.cp.id, f);
    this.#byInode.set(inodeKey(f.cp.dev, f.cp.ino), f);
    this.#byPath.set(f.path, f);
    this.#refresh(f);
  }

  #untrack(f: TrackedFile): void {
    this.#files.delete(f.cp.id);
    const key = inodeKey(f.cp.dev, f.cp.ino);
    if (this.#byInode.get(key) === f) this.#byInode.delete(key);
    if (this.#byPath.get(f.path) === f) this.#byPath.delete(f.path);
    this.#open.delete(f);
  }

  /** Keeps `#open` in step with the file's state. */
  #refresh(f: TrackedFile): void {
    const finished = !f.active && f.inFlight === 0 && (f.gone || (f.cp.done && f.size === f.cp.size));
    if (finished) this.#open.delete(f);
    else if (this.#files.get(f.cp.id) === f) this.#open.add(f);
  }

  #indexUntracked(store: CheckpointStore): void {
    const byInode = new Map<string, FileCheckpoint[]>();
    const byPath = new Map<string, FileCheckpoint[]>();
    for (const c of store.entries()) {
      if (this.#files.has(c.id)) continue;
      const k = inodeKey(c.dev, c.ino);
      byInode.set(k, [...(byInode.get(k) ?? []), c]);
      byPath.set(c.path, [...(byPath.get(c.path) ?? []), c]);
    }
    this.#untracked = { byInode, byPath };
    this.#untrackedIndexed = true;
  }

  /** start_at: end: plain files start after their last complete line, gzip files count as done. */
  async #skipToEnd(f: TrackedFile): Promise<void> {
    if (f.gzip === true) {
      f.cp.done = true;
      f.cp.size = f.size;
      f.complete = true;
      f.passSize = f.size;
      return;
    }
    const handle = await open(f.path, 'r');
    try {
      const buffer = Buffer.alloc(1 << 16);
      let position = 0;
      let lines = 0;
      let lastNewlineEnd = 0;
      while (position < f.size) {
        const { bytesRead } = await handle.read(
          buffer,
          0,
          Math.min(buffer.length, f.size - position),
          position,
        );
        if (bytesRead === 0) break;
        let i = buffer.indexOf(10, 0);
        while (i >= 0 && i < bytesRead) {
          lines++;
          lastNewlineEnd = position + i + 1;
          i = buffer.indexOf(10, i + 1);
        }
        position += bytesRead;
      }
      f.cp.offset = lastNewlineEnd;
      f.cp.line = lines;
      f.read = { offset: lastNewlineEnd, line: lines };
      f.tracker.reset(f.read);
    } finally {
      await handle.close();
    }
  }

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
    f.gzip = head.length >= 2 ? isGzip(head) : undefined;
    f.passSize = -1;
    f.complete = false;
    f.heldTail = false;
    f.truncated = false;
    f.stalledSince = undefined;
    f.flushTail = false;
    f.failed = false;
    f.failures = 0;
    f.retryAt = 0;
    this.#refresh(f);
  }

  // ---------------------------------------------------------------- scheduling

  /** Whether `f` has something to read now. */
  #needsPass(f: TrackedFile, now: number): boolean {
    if (f.active || f.gone || f.failed || f.retryAt > now) return false;
    if (f.cp.done && f.size === f.cp.size) return false;
    return f.passSize !== f.size || f.flushTail;
  }

  /** Starts passes over the files needing one, oldest first, up to `max_open_files` at a time. */
  #pump(): void {
    if (this.#stopping || this.#store === undefined) return;
    const now = Date.now();
    this.#checkStalled(now);
    let running = this.#passes.size;
    if (running >= this.#config.max_open_files) return;
    // The oldest few files needing a pass (a bounded selection, not a sort of every open file).
    const slots = this.#config.max_open_files - running;
    const ready: TrackedFile[] = [];
    for (const f of this.#open) {
      if (!this.#needsPass(f, now)) continue;
      if (ready.length === slots && !olderThan(f, ready[slots - 1] as TrackedFile)) continue;
      let i = ready.length === slots ? slots - 1 : ready.length;
      while (i > 0 && olderThan(f, ready[i - 1] as TrackedFile)) {
        ready[i] = ready[i - 1] as TrackedFile;
        i--;
      }
      ready[i] = f;
    }
    for (const f of ready) {
      if (running >= this.#config.max_open_files) break;
      running++;
      f.active = true;
      const pass: Promise<void> = this.#pass(f)
        .catch((error: unknown) => this.#onPassError(f, error))
        .finally(() => {
          f.active = false;
          this.#passes.delete(pass);
          this.#updateGauges();
          this.#afterSettle(f);
          this.#pump();
        })
        .catch((error: unknown) => {
          this.#settings.logger.error('internal error after reading a file', {
            component: this.#component,
            file: f.path,
            error: error instanceof Error ? error.message : String(error),
          });
        });
      this.#passes.add(pass);
    }
    this.#updateGauges();
    this.#scheduleRetry(now);
  }

  #scheduleRetry(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const f of this.#open) if (f.retryAt > now && f.retryAt < next) next = f.retryAt;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (next !== Number.POSITIVE_INFINITY && !this.#stopping) {
      this.#retryTimer = setTimeout(() => this.#pump(), next - now + 1);
    }
  }

  /** Files that stay incomplete: read a held tail after its timeout; dead-letter a stalled gzip stream. */
  #checkStalled(now: number): void {
    for (const f of this.#open) {
      if (f.active || f.inFlight > 0 || f.gone) continue;
      if (!f.heldTail && !f.truncated) continue;
      if (f.passSize !== f.size) continue; // it grew: the next pass reads on
      f.stalledSince ??= now;
      const waited = now - f.stalledSince;
      if (f.heldTail && !f.flushTail && (this.#drainMode || waited >= this.#config.incomplete_line_timeout)) {
        f.flushTail = true;
      }
      if (
        f.truncated &&
        !f.cp.deadLettered &&
        (this.#drainMode || waited >= this.#config.incomplete_gzip_timeout)
      ) {
        void this.#deadLetterIncomplete(f);
      }
    }
  }

  async #deadLetterIncomplete(f: TrackedFile): Promise<void> {
    f.cp.deadLettered = true; // set first so the check does not fire twice
    const letter: DeadLetter = {
      reason:
        `incomplete gzip stream: the file stayed truncated for ${Math.round((Date.now() - (f.stalledSince ?? Date.now())) / 1000)} s ` +
        `(${f.size} bytes); records up to decompressed byte ${f.cp.offset} (line ${f.cp.line}) were delivered, the rest is missing`,
      component: this.#component,
      source: f.path,
      line: f.cp.line,
      offset: f.cp.offset,
      raw: '',
    };
    try {
      await this.#settings.deadLetters.write([letter]);
      this.#settings.logger.warn('incomplete gzip file sent to the dead-letter store', {
        component: this.#component,
        file: f.path,
        offset: f.cp.offset,
      });
      f.cp.done = true;
      f.cp.size = f.size;
      this.#store?.set(f.cp);
      this.#refresh(f);
      await this.#flushCheckpoints();
    } catch (error) {
      delete f.cp.deadLettered;
      this.#settings.logger.error('could not write to the dead-letter store', {
        component: this.#component,
        file: f.path,
        error: (error as Error).message,
      });
    }
    this.#checkDrained();
  }

  // ---------------------------------------------------------------- reading

  async #pass(f: TrackedFile): Promise<void> {
    const generation = f.generation;
    const start = f.read;
    const flushTail = f.flushTail;
    f.flushTail = false;
    let handle: FileHandle;
    try {
      handle = await open(f.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        f.gone = true;
        return;
      }
      throw error;
    }
    /** Whether this pass holds a slot it has not handed to #dispatch yet (released when the pass ends). */
    const slot = { held: false };
    try {
      const st = await handle.stat();
      if (st.ino !== f.cp.ino || st.dev !== f.cp.dev) {
        // Replaced since the scan: the next scan sorts it out; do not spin on it meanwhile.
        f.retryAt = Date.now() + this.#config.poll_interval;
        return;
      }
      const sizeAtStart = st.size;
      const head = Buffer.alloc(64);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      if (sizeAtStart === 0) {
        f.passSize = 0;
        f.complete = true;
        return;
      }
      f.gzip = isGzip(head.subarray(0, bytesRead));
      const gzip = f.gzip;
      const config = this.#config;

      // Plain NDJSON: seek to the resume offset instead of re-reading the file from the start.
      const sniffed = config.format === 'auto' ? sniffFormat(head.subarray(0, bytesRead)) : config.format;
      const seek = !gzip && sniffed === 'ndjson' && start.offset > 0;
      const base: StreamPosition = seek ? start : { offset: 0, line: 0 };
      const options: ParseOptions = {
        source: f.path,
        dataset: config.dataset,
        ...(config.dataset === 'auto' && f.cp.dataset !== undefined ? { datasetHint: f.cp.dataset } : {}),
        format: seek ? 'ndjson' : config.format,
        maxLineBytes: config.max_line_bytes,
        holdIncompleteTail: !flushTail,
      };
      if (config.field_names.length > 0) options.fieldNames = config.field_names;
      if (!seek && start.offset > 0) options.resumeFrom = { offset: start.offset, line: start.line };
      const stream = handle.createReadStream({
        start: seek ? start.offset : 0,
        highWaterMark: 1 << 18,
        autoClose: false,
      });

      const parsed = parseBatches(stream, options);
      let unit: Unit = { entries: [], letters: [] };
      let end = start;
      let streamError: ParseError | undefined;
      let summary: ParseSummary | undefined;
      let firstReason: string | undefined;
      let aborted = false;
      const fileName = basename(f.path);
      try {
        for (;;) {
          const step = await parsed.next();
          if (step.done) {
            summary = step.value;
            break;
          }
          const observed = BigInt(Date.now()) * 1_000_000n;
          let bytes = 0;
          for (const r of step.value) {
            // A unit is filled only while holding a slot, so files waiting for one hold no parsed records.
            if (!slot.held) {
              if (!(await this.#slots.acquire())) {
                aborted = true;
                break;
              }
              slot.held = true;
            }
            if (r.ok) {
              const attributes: LogEntry['attributes'] = {};
              if (config.include_file_name) attributes['log.file.name'] = fileName;
              if (config.include_file_path) attributes['log.file.path'] = f.path;
              unit.entries.push({
                dataset: r.dataset,
                record: r.record,
                timeUnixNano: r.timeUnixNano,
                observedUnixNano: observed,
                raw: r.raw,
                position: { source: f.path, line: base.line + r.line, offset: base.offset + r.offset },
                attributes,
              });
              if (f.cp.dataset === undefined && r.dataset !== 'unknown' && config.dataset === 'auto') {
                f.cp.dataset = r.dataset;
              }
              bytes += r.nextOffset - r.offset;
              end = { offset: base.offset + r.nextOffset, line: base.line + r.line };
            } else if (STREAM_ERRORS.has(r.error.code)) {
              streamError = r.error;
            } else {
              const e = r.error;
              const letter: DeadLetter = {
                reason: `${e.code}: ${e.reason}`,
                component: this.#component,
                source: f.path,
                line: base.line + e.line,
                offset: base.offset + e.offset,
                raw: e.raw,
                ...(e.field === undefined ? {} : { field: e.field }),
              };
              unit.letters.push(letter);
              firstReason ??= letter.reason;
              bytes += e.nextOffset - e.offset;
              end = { offset: base.offset + e.nextOffset, line: base.line + e.line };
            }
            if (unit.entries.length >= config.batch_size || unit.letters.length >= config.batch_size) {
              slot.held = false; // handed to #dispatch
              if (!(await this.#dispatch(f, generation, unit, end))) {
                aborted = true;
                break;
              }
              unit = { entries: [], letters: [] };
            }
          }
          this.#metrics.bytes.inc(bytes, this.#labels);
          if (aborted) break;
        }
      } finally {
        if (aborted) await parsed.return(undefined as unknown as ParseSummary);
        stream.destroy();
      }
      if (aborted || summary === undefined) return;
      reportInput(this.#settings, this.#component, f.path, start.offset === 0, summary, firstReason);
      // Everything the parser consumed (blank lines and a trailing terminator included).
      const consumed: StreamPosition = {
        offset: base.offset + summary.consumedOffset,
        line: base.line + summary.consumedLines,
      };
      if (consumed.offset > end.offset) end = consumed;
      if (
        (unit.entries.length > 0 || unit.letters.length > 0 || end.offset > f.read.offset) &&
        end.offset >= f.read.offset
      ) {
        if (!slot.held && !(await this.#slots.acquire())) return;
        slot.held = false; // handed to #dispatch
        if (!(await this.#dispatch(f, generation, unit, end))) return;
      }
      if (generation !== f.generation) return;
      f.passSize = sizeAtStart;
      f.complete = summary.complete;
      f.truncated = gzip && streamError?.code === 'truncated-gzip';
      f.heldTail = !summary.complete && !f.truncated && streamError === undefined;
      if (f.heldTail && gzip) f.flushTail = true; // a complete gzip stream whose last line has no newline
      if (!f.heldTail && !f.truncated) f.stalledSince = undefined;
      if (f.truncated) f.cp.deadLettered = f.cp.deadLettered === true && f.size === f.cp.size;
      if (streamError !== undefined && !f.truncated) await this.#deadLetterStreamError(f, streamError);
      f.failures = 0;
    } finally {
      if (slot.held) this.#slots.release();
      await handle.close();
    }
  }

  /** A corrupt gzip stream or a read error that keeps happening: record it, count the file as finished. */
  async #deadLetterStreamError(f: TrackedFile, error: ParseError): Promise<void> {
    if (error.code === 'read-error') throw new Error(error.message);
    await this.#settings.deadLetters.write([
      {
        reason: `${error.code}: ${error.reason}; records before decompressed byte ${f.read.offset} were delivered`,
        component: this.#component,
        source: f.path,
        line: f.read.line,
        offset: f.read.offset,
        raw: '',
      },
    ]);
    f.complete = true;
  }

  /**
   * Hands a unit on with the slot the caller acquired (backpressure; the slot is released once the unit settled,
   * or at once when false is returned): consumes the entries and writes the dead letters.
   * Returns false when reading of this file must stop (shutdown, failure, file restarted).
   */
  // Async (with no await inside) so that callers yield as they did when it acquired the slot itself: a rejection
  // arriving meanwhile stops the next unit.
  // eslint-disable-next-line @typescript-eslint/require-await
  async #dispatch(f: TrackedFile, generation: number, unit: Unit, end: StreamPosition): Promise<boolean> {
    if (this.#stopping || f.failed || generation !== f.generation) {
      this.#slots.release();
      return false;
    }
    const ticket = f.tracker.open(end);
    f.read = end;
    f.inFlight++;
    this.#metrics.records.inc(unit.entries.length, this.#labels);
    if (unit.letters.length > 0) this.#metrics.rejected.inc(unit.letters.length, this.#labels);
    const work = this.#deliver(unit);
    const settled: Promise<void> = work
      .then(
        () => this.#onAck(f, generation, ticket, unit),
        (error: unknown) => this.#onReject(f, generation, ticket, error),
      )
      .finally(() => {
        this.#settling.delete(settled);
        this.#slots.release();
        f.inFlight--;
        this.#afterSettle(f);
        this.#pump();
      })
      .catch((error: unknown) => {
        // Bookkeeping bugs must be loud, never an unhandled rejection that kills the process.
        this.#settings.logger.error('internal error after a batch settled', {
          component: this.#component,
          file: f.path,
          error: error instanceof Error ? error.message : String(error),
        });
      });
    this.#settling.add(settled);
    return true;
  }

  async #deliver(unit: Unit): Promise<void> {
    const letters = unit.letters.length > 0 ? this.#settings.deadLetters.write(unit.letters) : undefined;
    const consumed = unit.entries.length > 0 ? this.#consume(unit) : undefined;
    const [a, b] = await Promise.allSettled([letters, consumed]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
  }

  /** `next.consume`, with a PermanentError turned into dead letters (then the batch counts as handled). */
  async #consume(unit: Unit): Promise<void> {
    try {
      await this.#next.consume({ entries: unit.entries });
    } catch (error) {
      if (!isPermanentError(error)) throw error;
      const which = error.entries ?? unit.entries.map((_, i) => i);
      const letters: DeadLetter[] = [];
      for (const i of which) {
        const e = unit.entries[i];
        if (e === undefined) continue;
        letters.push({
          reason: error.message,
          component: this.#component,
          source: e.position.source,
          line: e.position.line,
          offset: e.position.offset,
          raw: e.raw,
        });
      }
      await this.#settings.deadLetters.write(letters);
    }
  }

  #onAck(f: TrackedFile, generation: number, ticket: number, _unit: Unit): void {
    if (generation !== f.generation) return;
    if (f.tracker.ack(ticket)) {
      const c = f.tracker.committed;
      f.cp.offset = c.offset;
      f.cp.line = c.line;
      this.#store?.set(f.cp);
      this.#requestFlush();
    }
  }

  #onReject(f: TrackedFile, generation: number, ticket: number, error: unknown): void {
    if (generation !== f.generation) return;
    f.tracker.fail(ticket);
    if (!f.failed) {
      f.failed = true;
      f.failures++;
      const backoff = Math.min(
        this.#config.retry_max_interval,
        this.#config.retry_initial_interval * 2 ** Math.min(f.failures - 1, 20),
      );
      f.retryAt = Date.now() + backoff * (0.8 + Math.random() * 0.4);
      this.#settings.logger.warn('batch not delivered; will re-read from the checkpoint', {
        component: this.#component,
        file: f.path,
        offset: f.tracker.committed.offset,
        retryInMs: Math.round(f.retryAt - Date.now()),
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #onPassError(f: TrackedFile, error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      f.gone = true;
      return;
    }
    f.failures++;
    f.retryAt =
      Date.now() +
      Math.min(
        this.#config.retry_max_interval,
        this.#config.retry_initial_interval * 2 ** Math.min(f.failures - 1, 20),
      );
    this.#settings.logger.error('cannot read file; will retry', {
      component: this.#component,
      file: f.path,
      error: (error as Error).message,
    });
    if (this.#drainMode && f.failures >= 3) this.#failDrain(f, error as Error);
  }

  /** After a pass or a batch settled: recover from a failure, or finish the file when all is acknowledged. */
  #afterSettle(f: TrackedFile): void {
    this.#refresh(f);
    if (f.active || f.inFlight > 0) return;
    if (f.failed) {
      f.failed = false;
      f.tracker.reset();
      f.read = f.tracker.committed;
      f.passSize = -1;
      this.#metrics.retries.inc(1, this.#labels);
      return;
    }
    if (
      f.complete &&
      f.passSize === f.size &&
      (!f.cp.done || f.cp.size !== f.size) &&
      f.tracker.pending === 0
    ) {
      f.cp.done = true;
      delete f.cp.deadLettered;
      f.cp.size = f.size;
      this.#store?.set(f.cp);
      this.#metrics.filesDone.inc(1, this.#labels);
      this.#requestFlush();
      if (this.#config.delete_after_read || this.#paths.moveDir !== undefined) {
        const p = this.#afterRead(f).catch((error: unknown) => {
          this.#settings.logger.error('could not delete or move a finished file', {
            component: this.#component,
            file: f.path,
            error: (error as Error).message,
          });
        });
        this.#settling.add(p);
        void p.finally(() => this.#settling.delete(p));
      }
    }
    if (f.gone) this.#untrack(f);
    else this.#refresh(f);
    this.#checkDrained();
  }

  /** delete_after_read / move_after_read, once the checkpoint saying "done" is on disk. */
  async #afterRead(f: TrackedFile): Promise<void> {
    await this.#flushCheckpoints();
    if (this.#config.delete_after_read) {
      await rm(f.path, { force: true });
    } else if (this.#paths.moveDir !== undefined) {
      const rel = insideOf(this.#paths.directory, f.path) ?? basename(f.path);
      const target = join(this.#paths.moveDir, rel);
      await mkdir(dirname(target), { recursive: true });
      await rename(f.path, target);
    }
    f.gone = true;
    this.#untrack(f);
    this.#settings.logger.debug('finished file removed from the watched directory', {
      component: this.#component,
      file: f.path,
    });
  }

  // ---------------------------------------------------------------- checkpoints and state

  #requestFlush(): void {
    if (this.#flushing !== undefined) {
      // The running save may have taken its changes already: save once more after it.
      this.#flushAgain = true;
      return;
    }
    const run = (async () => {
      // Let acknowledgements that arrive together land in one write.
      await new Promise<void>((r) => setImmediate(r));
      await this.#flushCheckpoints();
    })().catch((error: unknown) => {
      this.#settings.logger.error('could not save checkpoints', {
        component: this.#component,
        error: (error as Error).message,
      });
    });
    this.#flushing = run.finally(() => {
      this.#flushing = undefined;
      if (this.#flushAgain) {
        this.#flushAgain = false;
        if (!this.#stopped) this.#requestFlush();
      }
    });
  }

  async #flushCheckpoints(): Promise<void> {
    const store = this.#store;
    if (store === undefined) return;
    await store.flush();
    this.#updateGauges();
  }

  #updateGauges(): void {
    this.#metrics.openFiles.set(this.#passes.size, this.#labels);
    let waiting = false;
    for (const f of this.#open) if (f.inFlight > 0) waiting = true;
    const store = this.#store;
    const age = waiting && store !== undefined ? (Date.now() - store.lastFlushAt) / 1000 : 0;
    this.#metrics.checkpointAge.set(age, this.#labels);
  }

  #checkDrained(): void {
    if (this.#drainWaiters.length === 0) return;
    const ready = this.#drainWaiters.filter((w) => w.files !== undefined && this.#allFinished(w.files));
    if (ready.length === 0) return;
    this.#drainWaiters = this.#drainWaiters.filter((w) => !ready.includes(w));
    const flushed = this.#flushCheckpoints();
    void flushed.then(
      () => {
        for (const w of ready) w.resolve();
      },
      (error: unknown) => {
        for (const w of ready) w.reject(error);
      },
    );
  }

  #allFinished(ids: Set<string>): boolean {
    // Files not in #open are finished, deleted, moved or vanished.
    for (const f of this.#open) {
      if (!ids.has(f.cp.id) || this.#files.get(f.cp.id) !== f) continue;
      if (f.active || f.inFlight > 0) return false;
      if (!f.gone && (!f.cp.done || f.cp.size !== f.size)) return false;
    }
    return true;
  }

  /** In drain mode, a file that keeps failing to be read fails the drained() calls waiting for it. */
  #failDrain(f: TrackedFile, error: Error): void {
    const failing = this.#drainWaiters.filter((w) => w.files?.has(f.cp.id) === true);
    if (failing.length === 0) return;
    this.#drainWaiters = this.#drainWaiters.filter((w) => !failing.includes(w));
    for (const w of failing) {
      w.reject(new Error(`${this.#component}: cannot read ${f.path}: ${error.message}`, { cause: error }));
    }
  }
}

/** Oldest-first order: time window (or mtime), then path. */
function olderThan(a: TrackedFile, b: TrackedFile): boolean {
  return a.sortKey < b.sortKey || (a.sortKey === b.sortKey && a.path < b.path);
}

function inodeKey(dev: number, ino: number): string {
  return `${dev}:${ino}`;
}

/** The format of a file from its first non-blank byte: `{` NDJSON, `[` JSON array, anything else CSV. */
function sniffFormat(head: Uint8Array): 'ndjson' | 'json-array' | 'csv' | undefined {
  for (const b of head) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    if (b === 0x7b) return 'ndjson';
    if (b === 0x5b) return 'json-array';
    return 'csv';
  }
  return undefined;
}
