// The `logpush_s3` receiver's configuration, key rules and fault classification (the store itself is exercised
// by the integration suite against VersityGW).
import { describe, expect, it } from 'vitest';
import {
  classifyFault,
  isSkippedKey,
  shardOf,
  startAfterKey,
  validateLogpushS3Config,
  windowEndOf,
} from '../src/receivers/logpush-s3/index.ts';
import { createSidecarRegistry } from '../src/registry.ts';

describe('logpush_s3 configuration', () => {
  it('is registered and accepts the documented keys', () => {
    const factory = createSidecarRegistry().receivers.get('logpush_s3');
    expect(factory?.stability).toBe('alpha');
    const result = validateLogpushS3Config(
      {
        bucket: 'my-logpush-bucket',
        prefix: 'http_requests/',
        endpoint: 'https://0123456789abcdef.r2.cloudflarestorage.com',
        region: 'auto',
        force_path_style: false,
        dataset: 'auto',
        poll_interval: '30s',
        start_after: '20250101/',
        after_ack: 'tag',
        shard: { index: '2', count: 3 },
        access_key_id: 'key',
        secret_access_key: 'secret',
        checkpoint_dir: '/tmp/cp',
      },
      'receivers.logpush_s3',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.poll_interval).toBe(30_000);
    expect(result.config.shard).toEqual({ index: 2, count: 3 });
    expect(result.config.after_ack).toBe('tag');
    expect(startAfterKey(result.config)).toBe('http_requests/20250101/');
  });

  it('reports every problem with its path', () => {
    const result = validateLogpushS3Config(
      {
        bucket: '',
        endpoint: 'ftp://nope',
        after_ack: 'move',
        shard: { index: 3, count: 3 },
        access_key_id: 'only-half',
        pol_interval: '1s',
      },
      'receivers.logpush_s3',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.issues.map((i) => i.path).sort();
    expect(paths).toEqual([
      'receivers.logpush_s3.after_ack',
      'receivers.logpush_s3.bucket',
      'receivers.logpush_s3.endpoint',
      'receivers.logpush_s3.pol_interval',
      'receivers.logpush_s3.secret_access_key',
      'receivers.logpush_s3.shard.index',
    ]);
  });
});

describe('logpush_s3 keys', () => {
  it('skips the ownership challenge, the test upload and folder markers', () => {
    expect(isSkippedKey('http_requests/ownership-challenge-1a2b3c4d.txt')).toBe(true);
    expect(isSkippedKey('http_requests/test.txt.gz')).toBe(true);
    expect(isSkippedKey('http_requests/20250101/')).toBe(true);
    expect(isSkippedKey('http_requests/20250101/20250101T000000Z_20250101T000030Z_abcdef01.log.gz')).toBe(
      false,
    );
  });

  it('assigns each key one stable shard, spread over all of them', () => {
    const keys = Array.from(
      { length: 3000 },
      (_, i) => `logs/20250101/20250101T${String(i).padStart(6, '0')}Z_x.log.gz`,
    );
    const counts = [0, 0, 0];
    for (const key of keys) {
      const shard = shardOf(key, 3);
      expect(shardOf(key, 3)).toBe(shard);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const n of counts) expect(n).toBeGreaterThan(800);
    // A fixed value (the first 4 bytes of the key's SHA-256, modulo the count): replicas of different builds
    // must agree forever, so a change of the hash is a breaking change this test catches.
    expect(shardOf('http_requests/20250101/20250101T000000Z_20250101T000030Z_abcdef01.log.gz', 7)).toBe(0);
    expect(shardOf('http_requests/20250101/20250101T000000Z_20250101T000030Z_abcdef01.log.gz', 5)).toBe(1);
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('reads the window end from a Logpush key', () => {
    expect(windowEndOf('p/20250101/20250101T000000Z_20250101T000030Z_abcdef01.log.gz')).toBe(
      Date.UTC(2025, 0, 1, 0, 0, 30),
    );
    expect(windowEndOf('p/other.log.gz')).toBeUndefined();
  });
});

describe('logpush_s3 fault classification', () => {
  const fault = (name: string, status: number): unknown =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  it('tells configuration faults from transient ones', () => {
    expect(classifyFault(fault('InvalidAccessKeyId', 403))).toBe('config');
    expect(classifyFault(fault('SignatureDoesNotMatch', 403))).toBe('config');
    expect(classifyFault(fault('NoSuchBucket', 404))).toBe('config');
    expect(classifyFault(fault('AccessDenied', 403))).toBe('config');
    expect(classifyFault(fault('SlowDown', 503))).toBe('transient');
    expect(classifyFault(fault('InternalError', 500))).toBe('transient');
    expect(classifyFault(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      'transient',
    );
    expect(classifyFault(fault('PreconditionFailed', 412))).toBe('changed');
    expect(classifyFault(fault('NoSuchKey', 404))).toBe('gone');
  });
});
