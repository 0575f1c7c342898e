// The spool: request bodies stored durably, in Logpush's own file layout, until the file machinery has read
// and acknowledged them. Layout: `<dir>/<dataset or auto>/<YYYYMMDD>/<start>_<end>_<request id>.log[.gz]`, and
// `<dir>/.incoming/` for bodies being received (never read; emptied at start).
import { open, readdir, rename, rm, rmdir, stat, statfs } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensurePrivateDir as privateDir, storageModes } from '../../storage/private-files.ts';

const INCOMING = '.incoming';

/** fsyncs a directory, so that entries created or renamed in it survive a crash. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Compact UTC time as Logpush writes it in object names: 20240101T000000Z. */
export function compactUtc(unixMs: number): string {
  return new Date(unixMs).toISOString().slice(0, 19).replaceAll('-', '').replaceAll(':', '') + 'Z';
}

/** A body being written to the spool. */
export class SpoolWriter {
  readonly requestId: string;
  readonly #handle: FileHandle;
  readonly #path: string;
  #bytes = 0;
  #closed = false;

  constructor(requestId: string, handle: FileHandle, path: string) {
    this.requestId = requestId;
    this.#handle = handle;
    this.#path = path;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get path(): string {
    return this.#path;
  }

  async write(chunk: Uint8Array): Promise<void> {
    await this.#handle.write(chunk);
    this.#bytes += chunk.length;
  }

  /** Writes everything down (fsync) and closes the file. */
  async seal(): Promise<void> {
    await this.#handle.sync();
    this.#closed = true;
    await this.#handle.close();
  }

  /** Drops the partial body. */
  async discard(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#handle.close().catch(() => undefined);
    }
    await rm(this.#path, { force: true });
  }
}

interface SpooledFile {
  readonly bytes: number;
  /** Unix ms of the 2xx (the file's mtime for files found at start). */
  readonly acceptedAt: number;
}

/** A spool file that disappeared: it was read to its end, acknowledged and deleted. */
export interface FinishedSpoolFile {
  readonly path: string;
  readonly bytes: number;
  readonly acceptedAt: number;
}

/** The spool directory, with the bytes and files it holds. */
export class Spool {
  readonly dir: string;
  readonly #files = new Map<string, SpooledFile>();
  #bytes = 0;
  /** Bytes of bodies being received (not yet committed). */
  #receiving = 0;
  #seq = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Bytes of accepted bodies not yet acknowledged. */
  get bytes(): number {
    return this.#bytes;
  }

  get files(): number {
    return this.#files.size;
  }

  /** Bytes of committed bodies plus those being received. */
  get usedBytes(): number {
    return this.#bytes + this.#receiving;
  }

  /**
   * Creates the directory (owner-only), drops bodies whose receipt never finished, and counts the files left
   * from an earlier run. Returns the dataset folders present.
   */
  async open(): Promise<string[]> {
    await privateDir(this.dir);
    await rm(join(this.dir, INCOMING), { recursive: true, force: true });
    await privateDir(join(this.dir, INCOMING));
    const datasets: string[] = [];
    for (const d of await readdir(this.dir, { withFileTypes: true })) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      datasets.push(d.name);
      for (const day of await readdir(join(this.dir, d.name), { withFileTypes: true })) {
        if (!day.isDirectory() || day.name.startsWith('.')) continue;
        const dayDir = join(this.dir, d.name, day.name);
        for (const f of await readdir(dayDir, { withFileTypes: true })) {
          if (!f.isFile()) continue;
          const path = join(dayDir, f.name);
          const st = await stat(path).catch(() => undefined);
          if (st === undefined) continue;
          this.#track(path, { bytes: st.size, acceptedAt: st.mtimeMs });
        }
      }
    }
    return datasets;
  }

  /** A new request id, unique in this spool and sortable by arrival. */
  nextRequestId(now: number): string {
    this.#seq = (this.#seq + 1) % 1_000_000;
    const rand = Math.floor(Math.random() * 0x10000)
      .toString(16)
      .padStart(4, '0');
    return `${now.toString(36)}${String(this.#seq).padStart(6, '0')}${rand}`;
  }

  /** Starts receiving a body into `.incoming`. */
  async begin(requestId: string): Promise<SpoolWriter> {
    const path = join(this.dir, INCOMING, `${requestId}.part`);
    const { fileMode } = storageModes();
    const handle = await open(path, 'wx', fileMode);
    await handle.chmod(fileMode);
    return new SpoolWriter(requestId, handle, path);
  }

  /** Creates the folder of a dataset (owner-only, its creation fsynced); a no-op when it exists. */
  async folder(name: string): Promise<void> {
    if (await privateDir(join(this.dir, name))) await syncDir(this.dir);
  }

  /** Counts bytes being received against the bound (negative to release). */
  receiving(delta: number): void {
    this.#receiving += delta;
  }

  /**
   * Moves a sealed body into `<dataset>/<YYYYMMDD>/` under its Logpush-style name and fsyncs the directories
   * involved. Once this resolves the body survives a crash. Returns its final path.
   */
  async commit(writer: SpoolWriter, datasetFolder: string, gzip: boolean, now: number): Promise<string> {
    const day = compactUtc(now).slice(0, 8);
    const datasetDir = join(this.dir, datasetFolder);
    const dayDir = join(datasetDir, day);
    const createdDataset = await privateDir(datasetDir);
    const createdDay = await privateDir(dayDir);
    const stamp = compactUtc(now);
    const target = join(dayDir, `${stamp}_${stamp}_${writer.requestId}.log${gzip ? '.gz' : ''}`);
    await rename(writer.path, target);
    await syncDir(dayDir);
    if (createdDay) await syncDir(datasetDir);
    if (createdDataset) await syncDir(this.dir);
    // The .incoming directory needs no fsync: whatever a crash leaves there is deleted at the next start.
    this.#track(target, { bytes: writer.bytes, acceptedAt: now });
    return target;
  }

  /** Free bytes for unprivileged users on the spool's file system. */
  async freeBytes(): Promise<number> {
    const s = await statfs(this.dir);
    return s.bavail * s.bsize;
  }

  /** Finds spool files that are gone (acknowledged and deleted), forgets them and returns them. */
  async sweep(): Promise<FinishedSpoolFile[]> {
    const byDir = new Map<string, string[]>();
    for (const path of this.#files.keys()) {
      const dir = dirname(path);
      const list = byDir.get(dir);
      if (list === undefined) byDir.set(dir, [path]);
      else list.push(path);
    }
    const gone: FinishedSpoolFile[] = [];
    for (const [dir, paths] of byDir) {
      let present: Set<string>;
      try {
        present = new Set(await readdir(dir));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') continue;
        present = new Set();
      }
      for (const path of paths) {
        if (present.has(basename(path))) continue;
        const f = this.#files.get(path);
        if (f === undefined) continue;
        this.#files.delete(path);
        this.#bytes -= f.bytes;
        gone.push({ path, bytes: f.bytes, acceptedAt: f.acceptedAt });
      }
    }
    return gone;
  }

  /** Removes day folders of past days that are empty (today's and yesterday's stay: bodies may be arriving). */
  async prune(now: number): Promise<void> {
    const keep = new Set([compactUtc(now).slice(0, 8), compactUtc(now - 86_400_000).slice(0, 8)]);
    for (const d of await readdir(this.dir, { withFileTypes: true })) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      for (const day of await readdir(join(this.dir, d.name)).catch(() => [])) {
        if (keep.has(day) || !/^\d{8}$/.test(day)) continue;
        const dayDir = join(this.dir, d.name, day);
        if ((await readdir(dayDir).catch(() => ['?'])).length === 0)
          await rmdir(dayDir).catch(() => undefined);
      }
    }
  }

  #track(path: string, file: SpooledFile): void {
    const old = this.#files.get(path);
    if (old !== undefined) this.#bytes -= old.bytes;
    this.#files.set(path, file);
    this.#bytes += file.bytes;
  }
}
