import { appendFile, mkdir, readFile, readdir, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError } from '@logpush-otel/pipeline';
import { checkpointFileName } from '../src/checkpoint/index.ts';
import type { FileCheckpoint } from '../src/checkpoint/index.ts';
import {
  gzipText,
  line,
  lines,
  multiset,
  ndjson,
  readDeadLetters,
  removeAll,
  startReceiver,
  tempDir,
  TestConsumer,
  until,
} from './helpers/receiver-harness.ts';
import type { Harness } from './helpers/receiver-harness.ts';

const cleanup: string[] = [];
const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
  await removeAll(cleanup);
});

async function setup(
  overrides: Record<string, unknown> = {},
  consumer?: TestConsumer,
): Promise<{
  dir: string;
  state: string;
  start: (o?: Record<string, unknown>, c?: TestConsumer) => Promise<Harness>;
}> {
  const dir = await tempDir('logpush-in-', cleanup);
  const state = await tempDir('logpush-state-', cleanup);
  const start = async (o: Record<string, unknown> = overrides, c: TestConsumer | undefined = consumer) => {
    const h = await startReceiver(dir, state, o, c ?? new TestConsumer());
    running.push(h);
    return h;
  };
  return { dir, state, start };
}

async function checkpoints(state: string): Promise<FileCheckpoint[]> {
  const text = await readFile(join(state, 'checkpoints', checkpointFileName('logpush_file')), 'utf8');
  return (JSON.parse(text) as { files: FileCheckpoint[] }).files;
}

describe('logpush_file receiver', () => {
  it('delivers exactly the multiset of records of a Logpush directory of plain and gzip files', async () => {
    const { dir, start } = await setup({ batch_size: 7 });
    const expected: string[] = [];
    await mkdir(join(dir, '20240101'));
    await mkdir(join(dir, '20240102'));
    const a = lines('a', 40);
    const b = lines('b', 25);
    const c = lines('c', 3);
    const d = [line('dup'), line('dup')]; // identical records are delivered as often as they occur
    expected.push(...a, ...b, ...c, ...d);
    await writeFile(
      join(dir, '20240101', '20240101T000000Z_20240101T000030Z_aaaa.log.gz'),
      gzipText(ndjson(a)),
    );
    await writeFile(join(dir, '20240101', '20240101T000030Z_20240101T000100Z_bbbb.log'), ndjson(b));
    await writeFile(join(dir, '20240102', 'copy.ndjson'), '\n' + ndjson(c) + '\n\n');
    await writeFile(join(dir, 'dups.log'), ndjson(d));
    // Logpush control files and unrelated files are not read.
    await writeFile(join(dir, '20240101', 'ownership-challenge.txt'), 'c2f3a1b0d9');
    await writeFile(join(dir, 'test.txt.gz'), gzipText('{"content":"tests"}'));
    await writeFile(join(dir, 'notes.txt'), 'not a log\n');
    const h = await start();
    await h.receiver.drained();
    const want = multiset(expected.map((l) => (JSON.parse(l) as { RayID: string }).RayID));
    expect(multiset(h.consumer.rayIds())).toEqual(want);
    expect(await readDeadLetters(h.deadLetterDir)).toEqual([]);
    const first = h.consumer.delivered.find((e) => e.record['RayID'] === 'a-0');
    expect(first?.dataset).toBe('http_requests');
    expect(first?.timeUnixNano).toBe(1700000000123456789n);
    expect(first?.position).toEqual({
      source: join(dir, '20240101', '20240101T000000Z_20240101T000030Z_aaaa.log.gz'),
      line: 1,
      offset: 0,
    });
    expect(first?.attributes['log.file.name']).toBe('20240101T000000Z_20240101T000030Z_aaaa.log.gz');
    expect(first?.raw).toBe(a[0]);
    expect(h.metrics.get('logpush_otel_receiver_records_read_total')).toBe(expected.length);
    expect(h.consumer.calls.every((b) => b.entries.length <= 7)).toBe(true);
  });
});
