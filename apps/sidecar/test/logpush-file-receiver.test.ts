import {
  appendFile,
  mkdir,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '@logpush-otel/pipeline';
import { CheckpointStore } from '../src/checkpoint/index.ts';
import type { FileCheckpoint } from '../src/checkpoint/index.ts';
import {
  gzipText,
  line,
  lines,
  multiset,
  ndjson,
  readDeadLetters,
  removeAll,
  harnessMode,
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

/** The checkpoints on disk, as a restarted receiver would load them. */
async function checkpoints(state: string): Promise<FileCheckpoint[]> {
  const store = await CheckpointStore.open(join(state, 'checkpoints'), 'logpush_file');
  const entries = [...store.entries()];
  await store.close();
  return entries;
}

// Every case runs on the main thread (workers: 1) and in a pool of 2 worker threads.
describe.each([1, 2])('logpush_file receiver (workers: %i)', (workers) => {
  beforeEach(() => {
    harnessMode.workers = workers;
  });
  afterEach(() => {
    harnessMode.workers = 1;
  });

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
    // Nor are the sidecar's own dead-letter files, should the dead-letter directory lie inside.
    await mkdir(join(dir, 'dead'));
    await writeFile(join(dir, 'dead', 'dead-letters-2024-01-01.ndjson'), '{"reason":"x","raw":"{}"}\n');
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
    expect(h.metrics.get('otelcol_receiver_accepted_log_records_total')).toBe(expected.length);
    expect(h.consumer.calls.every((b) => b.entries.length <= 7)).toBe(true);
  });

  it('moves the checkpoint only past the longest acknowledged prefix when batches are acknowledged out of order', async () => {
    const consumer = new TestConsumer();
    consumer.hold = true;
    const { dir, state, start } = await setup({ batch_size: 5 }, consumer);
    const text = ndjson(lines('o', 20));
    await writeFile(join(dir, 'a.log'), text);
    const h = await start();
    await until('four batches in flight', () => consumer.held.length === 4);
    consumer.release(3);
    consumer.release(2);
    consumer.release(1);
    await until('three batches acknowledged', () => consumer.delivered.length === 15);
    await new Promise((r) => setTimeout(r, 100));
    const before = await checkpoints(state).catch(() => []);
    expect(before.every((c) => c.offset === 0)).toBe(true);
    consumer.release(0);
    await h.receiver.drained();
    const after = await checkpoints(state);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ offset: Buffer.byteLength(text), line: 20, done: true });
  });

  for (const kind of ['plain', 'gzip'] as const) {
    it(`resumes a ${kind} file exactly where the acknowledged records end after a restart`, async () => {
      const { dir, start } = await setup({
        batch_size: 10,
        retry_initial_interval: '1m',
        retry_max_interval: '1m',
      });
      const all = lines(kind, 95);
      const name = kind === 'gzip' ? '20240101T000000Z_20240101T000030Z_x.log.gz' : 'a.log';
      await writeFile(join(dir, name), kind === 'gzip' ? gzipText(ndjson(all)) : ndjson(all));
      const first = new TestConsumer();
      first.decide = (_batch, call) => (call > 3 ? new Error('backend unavailable') : undefined);
      const h1 = await start(undefined, first);
      await until('a rejected batch', () => first.calls.length > 3);
      await until('the failure noticed', () =>
        h1.logger.messages.some((m) => m.message.includes('not delivered')),
      );
      await h1.stop();
      running.splice(running.indexOf(h1), 1);
      expect(first.delivered).toHaveLength(30);

      const h2 = await start();
      await h2.receiver.drained();
      const ids = [...first.rayIds(), ...h2.consumer.rayIds()];
      expect(ids).toHaveLength(95);
      expect(new Set(ids).size).toBe(95);
      expect(h2.consumer.delivered[0]?.position.line).toBe(31);
    });
  }

  it('delivers nothing again after a restart once every file is done, even when a file was replaced by a copy', async () => {
    const { dir, start } = await setup();
    const gz = join(dir, '20240101T000000Z_20240101T000030Z_z.log.gz');
    await writeFile(gz, gzipText(ndjson(lines('z', 20))));
    await writeFile(join(dir, 'plain.log'), ndjson(lines('y', 7)));
    const h1 = await start();
    await h1.receiver.drained();
    expect(h1.consumer.delivered).toHaveLength(27);
    await h1.stop();
    running.splice(running.indexOf(h1), 1);
    // rsync-style replacement: same content, new inode, same name.
    const copy = await readFile(gz);
    await rm(gz);
    await writeFile(gz, copy);
    const h2 = await start();
    await h2.receiver.drained();
    expect(h2.consumer.delivered).toHaveLength(0);
    await appendFile(join(dir, 'plain.log'), ndjson(lines('y2', 2)));
    await until('the appended lines', () => h2.consumer.delivered.length === 2);
    expect(h2.consumer.rayIds()).toEqual(['y2-0', 'y2-1']);
  });

  it('resumes CSV files with and without a header line exactly after a restart', async () => {
    const { dir, start } = await setup({
      batch_size: 4,
      retry_initial_interval: '1m',
      retry_max_interval: '1m',
      dataset: 'http_requests',
    });
    const rows = Array.from({ length: 10 }, (_, i) => `"c-${i}",1700000000000000000,"192.0.2.${i}"`);
    await writeFile(join(dir, 'with-header.csv'), 'RayID,EdgeStartTimestamp,ClientIP\n' + ndjson(rows));
    const first = new TestConsumer();
    first.decide = (_b, call) => (call > 1 ? new Error('backend unavailable') : undefined);
    const h1 = await start(undefined, first);
    await until('a rejected batch', () => first.calls.length > 1);
    await h1.stop();
    running.splice(running.indexOf(h1), 1);
    expect(first.rayIds()).toEqual(['c-0', 'c-1', 'c-2', 'c-3']);
    const h2 = await start();
    await h2.receiver.drained();
    expect(h2.consumer.rayIds()).toEqual(['c-4', 'c-5', 'c-6', 'c-7', 'c-8', 'c-9']);
    expect(h2.consumer.delivered[0]?.record['ClientIP']).toBe('192.0.2.4');
    expect(h2.consumer.delivered[0]?.position.line).toBe(6);
  });

  it('reads CSV files without a header with field_names', async () => {
    const { dir, start } = await setup({
      format: 'csv',
      field_names: ['RayID', 'EdgeStartTimestamp', 'ClientIP'],
      dataset: 'http_requests',
    });
    await writeFile(
      join(dir, 'a.csv'),
      '"n-0",1700000000000000000,"192.0.2.1"\n"n-1",1700000000000000001,"192.0.2.2"\n',
    );
    const h = await start();
    await h.receiver.drained();
    expect(h.consumer.rayIds()).toEqual(['n-0', 'n-1']);
    expect(h.consumer.delivered[1]?.timeUnixNano).toBe(1700000000000000001n);
  });

  it('reads a final line without newline once the file stopped growing for incomplete_line_timeout', async () => {
    const { dir, start } = await setup({ incomplete_line_timeout: '150ms' });
    await writeFile(join(dir, 'a.log'), ndjson([line('l1')]) + line('l2'));
    const h = await start();
    await until('the unterminated last line', () => h.consumer.delivered.length === 2);
    expect(h.consumer.rayIds()).toEqual(['l1', 'l2']);
    await appendFile(join(dir, 'a.log'), '\n' + ndjson([line('l3')]));
    await until('the next line', () => h.consumer.delivered.length === 3);
    expect(h.consumer.rayIds()).toEqual(['l1', 'l2', 'l3']);
  });

  it('dead-letters malformed lines with their reasons while delivering their neighbours', async () => {
    const { dir, start } = await setup({ max_line_bytes: 300 });
    const long = line('long', `,"Pad":"${'x'.repeat(400)}"`);
    const content =
      [line('g1'), '{"RayID":"broken",', line('g2'), '[1,2]', long, line('g3')].join('\n') + '\n';
    await writeFile(join(dir, 'mixed.log'), content);
    const h = await start();
    await h.receiver.drained();
    expect(h.consumer.rayIds()).toEqual(['g1', 'g2', 'g3']);
    const letters = await readDeadLetters(h.deadLetterDir);
    expect(letters.map((l) => l.line)).toEqual([2, 4, 5]);
    expect(letters[0]).toMatchObject({
      component: 'receivers/logpush_file',
      source: join(dir, 'mixed.log'),
      raw: '{"RayID":"broken",',
    });
    expect(letters[0]?.reason).toMatch(/^invalid-json: /);
    expect(letters[1]?.reason).toMatch(/^not-an-object: /);
    expect(letters[2]?.reason).toMatch(/^line-too-long: /);
    expect(letters[2]?.offset).toBe(content.indexOf(long));
    expect(h.metrics.get('otelcol_receiver_refused_log_records_total')).toBe(3);
  });

  it('writes the dead letters of a file of garbage in bounded groups and finishes it', async () => {
    const { dir, state, start } = await setup({ batch_size: 10 });
    const garbage = Array.from({ length: 25 }, (_, i) => `not json ${i}`).join('\n') + '\n';
    await writeFile(join(dir, 'junk.log'), garbage);
    const h = await start();
    await h.receiver.drained();
    expect(h.consumer.calls).toHaveLength(0);
    expect((await readDeadLetters(h.deadLetterDir)).map((l) => l.line)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    expect((await checkpoints(state))[0]).toMatchObject({ done: true, line: 25 });
  });

  it('reads a gzip file that grows while it is read, to the end, skipping nothing', async () => {
    const { dir, start } = await setup();
    const path = join(dir, '20240101T000000Z_20240101T000030Z_grow.log.gz');
    await writeFile(path, '');
    const gzip = createGzip();
    // One append after the other: concurrent appendFile calls may land out of order.
    let pending: Promise<void> = Promise.resolve();
    gzip.on('data', (chunk: Buffer) => {
      pending = pending.then(() => appendFile(path, chunk));
    });
    const piece = async (text: string): Promise<void> => {
      gzip.write(text);
      await new Promise<void>((r) => gzip.flush(zlibConstants.Z_SYNC_FLUSH, () => r()));
      await pending;
    };
    const h = await start();
    await piece(ndjson(lines('p0', 10)));
    await until('the first piece', () => h.consumer.delivered.length === 10);
    const p1 = lines('p1', 15);
    await piece(ndjson(p1.slice(0, 14)) + p1[14]?.slice(0, 40)); // ends mid-line
    await until('the second piece', () => h.consumer.delivered.length === 24);
    gzip.end(p1[14]?.slice(40) + '\n' + ndjson(lines('p2', 5)));
    await new Promise<void>((r) => gzip.on('end', () => r()));
    await pending;
    await h.receiver.drained();
    const ids = h.consumer.rayIds();
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    expect(await readDeadLetters(h.deadLetterDir)).toEqual([]);
  });

  it('delivers the last record of a complete gzip file that has no final newline', async () => {
    const { dir, state, start } = await setup({ incomplete_line_timeout: '1h' });
    const text = lines('n', 5).join('\n');
    await writeFile(join(dir, '20240101T000000Z_20240101T000030Z_n.log.gz'), gzipText(text));
    const h = await start();
    await until('all five records', () => h.consumer.delivered.length === 5);
    expect(h.consumer.rayIds()).toEqual(lines('n', 5).map(id));
    await until('the file done', async () => (await checkpoints(state))[0]?.done === true);
    expect((await checkpoints(state))[0]).toMatchObject({ offset: Buffer.byteLength(text), line: 5 });
  });

  it('waits for the end of a partial last line in a plain file being written', async () => {
    const { dir, start } = await setup();
    const path = join(dir, 'live.log');
    const third = line('w3');
    await writeFile(path, ndjson([line('w1'), line('w2')]) + third.slice(0, 30));
    const h = await start();
    await until('two records', () => h.consumer.delivered.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.consumer.delivered).toHaveLength(2);
    await appendFile(path, third.slice(30) + '\n' + line('w4'));
    await until('the third record', () => h.consumer.delivered.length === 3);
    // drained() reads a final line without terminator: the input is declared complete.
    await h.receiver.drained();
    expect(h.consumer.rayIds()).toEqual(['w1', 'w2', 'w3', 'w4']);
  });

  it('keeps the checkpoint of a renamed file and reads the new file created under the old name', async () => {
    const { dir, start } = await setup();
    await writeFile(join(dir, 'app.log'), ndjson(lines('r0', 5)));
    const h = await start();
    await until('the first file', () => h.consumer.delivered.length === 5);
    await rename(join(dir, 'app.log'), join(dir, 'app-1.log'));
    await appendFile(join(dir, 'app-1.log'), ndjson(lines('r1', 3)));
    await writeFile(join(dir, 'app.log'), ndjson(lines('r2', 4)));
    await h.receiver.drained();
    const ids = h.consumer.rayIds();
    expect(multiset(ids)).toEqual(
      multiset([...lines('r0', 5), ...lines('r1', 3), ...lines('r2', 4)].map(id)),
    );
    expect(h.logger.messages.some((m) => m.message.includes('renamed'))).toBe(true);
  });

  it('reads a truncated file again from the start', async () => {
    const { dir, start } = await setup();
    const path = join(dir, 'app.log');
    await writeFile(path, ndjson(lines('t0', 10)));
    const h = await start();
    await until('the first content', () => h.consumer.delivered.length === 10);
    await truncate(path, 0);
    await writeFile(path, ndjson(lines('t1', 2)));
    await until('the new content', () => h.consumer.delivered.length === 12);
    await h.receiver.drained();
    expect(h.consumer.rayIds().slice(10)).toEqual(['t1-0', 't1-1']);
  });

  it('with start_at end, skips what existing files hold and reads what is appended and new files in full', async () => {
    const { dir, start } = await setup({ start_at: 'end' });
    await writeFile(join(dir, 'old.log'), ndjson(lines('old', 5)) + '{"RayID":"par');
    await writeFile(
      join(dir, '20240101T000000Z_20240101T000030Z_old.log.gz'),
      gzipText(ndjson(lines('oldgz', 5))),
    );
    const h = await start();
    await until('the first scan', () => h.metrics.values.has('logpush_otel_receiver_open_files'));
    await appendFile(join(dir, 'old.log'), 'tial","EdgeStartTimestamp":1}\n' + ndjson(lines('new', 2)));
    await writeFile(join(dir, 'fresh.log'), ndjson(lines('fresh', 3)));
    await until('the new lines', () => h.consumer.delivered.length === 6);
    await h.receiver.drained();
    expect(h.consumer.rayIds().sort()).toEqual([
      'fresh-0',
      'fresh-1',
      'fresh-2',
      'new-0',
      'new-1',
      'partial',
    ]);
  });

  it('reads files oldest first by the time window in their names, else by modification time', async () => {
    const { dir, start } = await setup({ max_open_files: 1 });
    await mkdir(join(dir, '20240101'));
    await writeFile(
      join(dir, '20240101', '20240101T001000Z_20240101T001030Z_c.log.gz'),
      gzipText(line('w3') + '\n'),
    );
    await writeFile(
      join(dir, '20240101', '20240101T000000Z_20240101T000030Z_a.log.gz'),
      gzipText(line('w1') + '\n'),
    );
    await writeFile(join(dir, '20240101', '20240101T000500Z_20240101T000530Z_b.log'), line('w2') + '\n');
    const old = join(dir, 'unnamed.log');
    await writeFile(old, line('w0') + '\n');
    const { utimes } = await import('node:fs/promises');
    await utimes(old, new Date('2023-06-01T00:00:00Z'), new Date('2023-06-01T00:00:00Z'));
    const h = await start();
    await h.receiver.drained();
    expect(h.consumer.rayIds()).toEqual(['w0', 'w1', 'w2', 'w3']);
  });

  it('deletes files after they are fully acknowledged with delete_after_read', async () => {
    const { dir, start } = await setup({ delete_after_read: true });
    await writeFile(join(dir, '20240101T000000Z_20240101T000030Z_d.log.gz'), gzipText(ndjson(lines('d', 4))));
    const h = await start();
    await h.receiver.drained();
    expect(h.consumer.delivered).toHaveLength(4);
    await until('the file deleted', async () => (await readdir(dir)).every((n) => !n.endsWith('.gz')));
  });

  it('deletes a file an earlier run finished but did not remove (stopped between saving done and deleting)', async () => {
    const { dir, start } = await setup();
    const name = '20240101T000000Z_20240101T000030Z_e.log.gz';
    await writeFile(join(dir, name), gzipText(ndjson(lines('e', 4))));
    // First run without delete_after_read: the checkpoint says done and the file stays, as after a crash that
    // came between the saved checkpoint and the removal.
    const first = await start();
    await first.receiver.drained();
    expect(first.consumer.delivered).toHaveLength(4);
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const second = await start({ delete_after_read: true });
    await until('the finished file deleted', async () => !(await readdir(dir)).includes(name));
    await second.receiver.drained();
    expect(second.consumer.delivered).toHaveLength(0); // removed, not sent again
  });

  it('moves files after they are fully acknowledged with move_after_read, keeping their folder', async () => {
    const { dir, start } = await setup({ move_after_read: 'done' });
    await mkdir(join(dir, '20240101'));
    const name = '20240101T000000Z_20240101T000030Z_m.log.gz';
    await writeFile(join(dir, '20240101', name), gzipText(ndjson(lines('m', 4))));
    const h = await start();
    await h.receiver.drained();
    await until('the file moved', async () => {
      try {
        return (await stat(join(dir, 'done', '20240101', name))).isFile();
      } catch {
        return false;
      }
    });
    expect(await readdir(join(dir, '20240101'))).toEqual([]);
    expect(h.consumer.delivered).toHaveLength(4);
  });

  it('sends a gzip file that stays incomplete to the dead-letter store after the timeout, and resumes it if it completes', async () => {
    const { dir, start } = await setup({ incomplete_gzip_timeout: '150ms' });
    const all = lines('i', 200);
    const bytes = gzipText(ndjson(all));
    const path = join(dir, '20240101T000000Z_20240101T000030Z_i.log.gz');
    const cut = Math.floor(bytes.length * 0.6);
    await writeFile(path, bytes.subarray(0, cut));
    const h = await start();
    await until('the dead letter', async () => (await readDeadLetters(h.deadLetterDir)).length === 1);
    const [letter] = await readDeadLetters(h.deadLetterDir);
    expect(letter?.reason).toMatch(/^incomplete gzip stream/);
    expect(letter?.source).toBe(path);
    expect(letter?.raw).toBe('');
    const partial = h.consumer.delivered.length;
    expect(partial).toBeLessThan(200);
    expect(letter?.line).toBe(partial);
    await appendFile(path, bytes.subarray(cut));
    await until('the rest', () => h.consumer.delivered.length === 200);
    await h.receiver.drained();
    expect(new Set(h.consumer.rayIds()).size).toBe(200);
  });

  it('stops reading while the consumer stalls: at most max_in_flight_batches batches are outstanding', async () => {
    const consumer = new TestConsumer();
    consumer.hold = true;
    const { dir, start } = await setup({ batch_size: 10, max_in_flight_batches: 3 }, consumer);
    await writeFile(join(dir, 'big.log'), ndjson(lines('s', 300)));
    const h = await start();
    await until('three batches held', () => consumer.held.length === 3);
    await new Promise((r) => setTimeout(r, 150));
    expect(consumer.calls).toHaveLength(3);
    const drained = h.receiver.drained();
    while (consumer.delivered.length < 300) {
      consumer.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    await drained;
    expect(consumer.maxInFlight).toBe(3);
    expect(new Set(consumer.rayIds()).size).toBe(300);
  });

  it('re-reads rejected batches from the checkpoint after a backoff, never skipping a record', async () => {
    const consumer = new TestConsumer();
    consumer.decide = (_b, call) => (call === 2 || call === 3 ? new Error('503 from backend') : undefined);
    const { dir, start } = await setup({ batch_size: 10 }, consumer);
    await writeFile(join(dir, 'a.log'), ndjson(lines('x', 50)));
    const h = await start();
    await h.receiver.drained();
    expect(multiset(consumer.rayIds())).toEqual(multiset(lines('x', 50).map(id)));
    expect(h.metrics.get('logpush_otel_receiver_retries_total')).toBeGreaterThanOrEqual(1);
  });

  it('dead-letters the entries a consumer rejects permanently and moves on', async () => {
    const consumer = new TestConsumer();
    consumer.decide = (_b, call) =>
      call === 1 ? new PermanentError('HTTP 400: record too large') : undefined;
    const { dir, state, start } = await setup({ batch_size: 3 }, consumer);
    const text = ndjson(lines('p', 6));
    await writeFile(join(dir, 'a.log'), text);
    const h = await start();
    await h.receiver.drained();
    expect(consumer.rayIds()).toEqual(['p-3', 'p-4', 'p-5']);
    const letters = await readDeadLetters(h.deadLetterDir);
    expect(letters.map((l) => [l.reason, l.line])).toEqual([
      ['HTTP 400: record too large', 1],
      ['HTTP 400: record too large', 2],
      ['HTTP 400: record too large', 3],
    ]);
    expect((await checkpoints(state))[0]).toMatchObject({ offset: Buffer.byteLength(text), done: true });
  });

  it('dead-letters a gzip stream whose checksum is wrong, and finishes the file', async () => {
    const { dir, state, start } = await setup();
    const bad = Buffer.from(gzipText(ndjson(lines('g', 300))));
    const crc = bad.length - 8; // the trailer: CRC-32, then the size
    for (let i = crc; i < crc + 4; i++) bad[i] = (bad[i] ?? 0) ^ 0xff;
    const path = join(dir, '20240101T000000Z_20240101T000030Z_bad.log.gz');
    await writeFile(path, bad);
    const h = await start();
    await h.receiver.drained();
    // The records decoded before the parser reported the error (none or some, depending on how the
    // decompressor hands them out) are delivered in order; the file-level letter says where reading stopped.
    const n = h.consumer.delivered.length;
    expect(h.consumer.rayIds()).toEqual(lines('g', n).map(id));
    const letters = await readDeadLetters(h.deadLetterDir);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/^corrupt-gzip: /);
    expect(letters[0]).toMatchObject({ source: path, raw: '', line: n });
    expect((await checkpoints(state))[0]?.done).toBe(true);
  });

  it('forgets the checkpoints of files that disappeared, after forget_after', async () => {
    const { dir, state, start } = await setup({ forget_after: 0 });
    await writeFile(join(dir, 'a.log'), ndjson(lines('f', 2)));
    await writeFile(join(dir, 'b.log'), ndjson(lines('k', 2)));
    const h = await start();
    await h.receiver.drained();
    expect((await checkpoints(state)).map((c) => c.path).sort()).toEqual([
      join(dir, 'a.log'),
      join(dir, 'b.log'),
    ]);
    await rm(join(dir, 'a.log'));
    await until('the checkpoint of the deleted file dropped', async () =>
      (await checkpoints(state)).every((c) => c.path !== join(dir, 'a.log')),
    );
    expect((await checkpoints(state)).map((c) => c.path)).toEqual([join(dir, 'b.log')]);
  });

  it('picks up new files in new date folders through file-system notifications, long before the next poll', async () => {
    const { dir, start } = await setup({ watch: true, poll_interval: '10m' });
    const h = await start();
    await until('the first scan', () => h.metrics.values.has('logpush_otel_receiver_open_files'));
    await mkdir(join(dir, '20240105'));
    await writeFile(
      join(dir, '20240105', '20240105T000000Z_20240105T000030Z_w.log.gz'),
      gzipText(ndjson(lines('w', 3))),
    );
    await until('the new file', () => h.consumer.delivered.length === 3);
  });

  it('uses polling alone when watching is off', async () => {
    const { dir, start } = await setup({ watch: false, poll_interval: '30ms' });
    const h = await start();
    await writeFile(join(dir, 'late.log'), ndjson(lines('late', 3)));
    await until('the late file', () => h.consumer.delivered.length === 3);
  });
});

function id(l: string): string {
  return (JSON.parse(l) as { RayID: string }).RayID;
}

describe('logpush_file receiver config', () => {
  it('names every invalid setting with its path and what was expected', async () => {
    const { logpushFileReceiverFactory } = await import('../src/receivers/logpush-file/index.ts');
    const result = logpushFileReceiverFactory.validate(
      {
        directory: '',
        poll_interval: 'soon',
        start_at: 'middle',
        batch_size: 0,
        delete_after_read: true,
        move_after_read: 'done',
        colour: 'blue',
      },
      'receivers.logpush_file',
    );
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((i) => i.path).sort()).toEqual([
      'receivers.logpush_file.batch_size',
      'receivers.logpush_file.colour',
      'receivers.logpush_file.directory',
      'receivers.logpush_file.move_after_read',
      'receivers.logpush_file.poll_interval',
      'receivers.logpush_file.start_at',
    ]);
    expect(issues.find((i) => i.path.endsWith('poll_interval'))?.message).toMatch(/duration.*"soon"/);
  });

  it('accepts durations and sizes as strings', async () => {
    const { logpushFileReceiverFactory } = await import('../src/receivers/logpush-file/index.ts');
    const result = logpushFileReceiverFactory.validate(
      { directory: '/logs', poll_interval: '2s', incomplete_gzip_timeout: '5m', max_line_bytes: '2MiB' },
      'r',
    );
    expect(result.ok && result.config).toMatchObject({
      poll_interval: 2000,
      incomplete_gzip_timeout: 300_000,
      max_line_bytes: 2 * 1024 * 1024,
    });
  });

  it('reads workers (auto, or a positive integer) and max_in_flight_bytes (a size)', async () => {
    const { logpushFileReceiverFactory } = await import('../src/receivers/logpush-file/index.ts');
    const defaults = logpushFileReceiverFactory.validate({ directory: '/logs' }, 'r');
    expect(defaults.ok && defaults.config).toMatchObject({
      workers: 'auto',
      max_in_flight_bytes: 64 * 1024 * 1024,
    });
    const set = logpushFileReceiverFactory.validate(
      { directory: '/logs', workers: 3, max_in_flight_bytes: '8MiB' },
      'r',
    );
    expect(set.ok && set.config).toMatchObject({ workers: 3, max_in_flight_bytes: 8 * 1024 * 1024 });
    const bad = logpushFileReceiverFactory.validate(
      { directory: '/logs', workers: 0, max_in_flight_bytes: 'lots' },
      'r',
    );
    expect(bad.ok).toBe(false);
    const issues = bad.ok ? [] : bad.issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['r.max_in_flight_bytes', 'r.workers']);
    expect(issues.find((i) => i.path === 'r.workers')?.message).toBe(
      'expected auto or a positive integer, got 0',
    );
  });
});
