// How the `logpush_s3` receiver keeps its state in the sidecar's checkpoint store (the same store, journal and
// snapshot as for files): one entry per object being read or recently finished, keyed by the object key, with
// the key as `path` and the ETag as `fingerprint` (no device or inode); and one entry, `@listing`, whose `path`
// is the key the listing starts after.
import type { CheckpointStore, FileCheckpoint } from '../../checkpoint/index.ts';
import type { ListedObject } from './object-store.ts';

const WATERMARK_ID = '@listing';

function entry(id: string, path: string, fingerprint: string, size: number, done: boolean): FileCheckpoint {
  const now = Date.now();
  return {
    id,
    path,
    dev: 0,
    ino: 0,
    fingerprint,
    fingerprintLength: 0,
    offset: 0,
    line: 0,
    done,
    size,
    seenAt: now,
    updatedAt: now,
  };
}

/** A new checkpoint (at the start) for a listed object, saved under `id` (its key). */
export function newObjectCheckpoint(store: CheckpointStore, o: ListedObject, id: string): FileCheckpoint {
  const cp = entry(id, o.key, o.etag, o.size, false);
  store.set(cp);
  return cp;
}

/** The key the listing starts after ('' at first). */
export function watermarkOf(store: CheckpointStore): string {
  return store.get(WATERMARK_ID)?.path ?? '';
}

/**
 * Everything up to `key` is finished: the listing starts after it from now on, and the finished entries at or
 * below it are forgotten (`keep(path)` spares the entries of objects still tracked).
 */
export function moveWatermark(store: CheckpointStore, key: string, keep: (path: string) => boolean): void {
  store.set(entry(WATERMARK_ID, key, '', 0, true));
  for (const cp of [...store.entries()]) {
    if (cp.id !== WATERMARK_ID && cp.done && cp.path <= key && !keep(cp.path)) store.delete(cp.id);
  }
}
