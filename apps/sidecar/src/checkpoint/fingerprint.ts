// File identity: device and inode, plus a hash of the first bytes (so a reused inode or a rewritten file is
// noticed, and a file copied or replaced under the same name with the same start is recognised).
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Hex SHA-256 of `bytes`. */
export function fingerprintOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads up to `size` bytes from the start of `path` (fewer when the file is shorter). */
export async function readHead(path: string, size: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** Whether the first `length` bytes of `head` hash to `fingerprint` (false when `head` is shorter). */
export function matchesPrefix(head: Uint8Array, fingerprint: string, length: number): boolean {
  if (head.length < length) return false;
  return fingerprintOf(head.subarray(0, length)) === fingerprint;
}
