// What object keys tell the `logpush_s3` receiver: objects that carry no records, the shard a key belongs to,
// and the end of the batch window a Logpush key names.
import { createHash } from 'node:crypto';
import { isLogpushControlFile, isSidecarOutputFile, logpushWindow } from '../logpush-file/index.ts';

/** Objects never read: the ownership challenge, the destination test upload, "folder" markers, dead letters. */
export function isSkippedKey(key: string): boolean {
  return key.endsWith('/') || isLogpushControlFile(key) || isSidecarOutputFile(key);
}

/**
 * The shard of `key` among `count`: the first 4 bytes of the key's SHA-256 as an unsigned integer, modulo
 * `count`. It depends on the key alone (not on the listing, the time, or the replica), so every replica computes
 * the same owner for every key and N replicas cover a bucket exactly once without talking to each other.
 */
export function shardOf(key: string, count: number): number {
  if (count <= 1) return 0;
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) % count;
}

/** Unix ms of the end of the batch window named in a Logpush key (`<start>_<end>_<hash>.log.gz`), if any. */
export function windowEndOf(key: string): number | undefined {
  return logpushWindow(key)?.end;
}
