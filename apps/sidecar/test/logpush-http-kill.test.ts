// kill -9 of a `logpush_http` sidecar in the middle of a load, as Logpush would push it: 40 batches of 1,250
// records, 4 at a time, each repeated until answered 2xx. A restarted sidecar on the same port takes over. Every
// record must arrive at the OTLP receiver; duplicates are bounded by what was in flight at the kill.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, httpSidecarConfig, makeBatch, startHttpSidecar } from './helpers/http-sidecar.ts';
import type { HttpSidecar } from './helpers/http-sidecar.ts';
import { until } from './helpers/receiver-harness.ts';

const children: ChildProcess[] = [];
const cleanup: string[] = [];
let backend: OtlpReceiver | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await backend?.close();
  backend = undefined;
  for (const d of cleanup.splice(0)) await rm(d, { recursive: true, force: true });
});

const BATCHES = 40;
const RECORDS = 1250;
const POSTERS = 4;
const READER_BATCH = 250;
const READER_IN_FLIGHT = 4;

/** Spool files waiting (bodies accepted, not yet acknowledged). */
async function spoolFiles(spool: string): Promise<number> {
  const entries = await readdir(spool, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && /\.log(\.gz)?$/.test(e.name)).length;
}

describe('logpush_http killed with SIGKILL under load', () => {
  it('loses nothing that was answered 2xx; duplicates stay within the batches in flight', async () => {
    backend = await startOtlpReceiver({ retain: true });
    // A little export latency keeps reader batches in flight, as with a real backend.
    backend.respondWith(() => ({ status: 200, delayMs: 20 }));
    const dir = await mkdtemp(join(tmpdir(), 'logpush-otel-http-kill-'));
    cleanup.push(dir);
    const port = await freePort();
    const config = httpSidecarConfig({
      state: join(dir, 'state'),
      otlpUrl: backend.url,
      receiver: {
        endpoint: `127.0.0.1:${port}`,
        batch_size: READER_BATCH,
        max_in_flight_batches: READER_IN_FLIGHT,
        poll_interval: '100ms',
      },
    });
    const batches = Array.from({ length: BATCHES }, (_, i) => makeBatch(i, RECORDS));
    const url = `http://127.0.0.1:${port}/`;

    let sidecar: HttpSidecar = await startHttpSidecar(dir, config, children);
    let next = 0;
    let answered = 0;
    /** Pushes sent and not answered, by batch index. */
    const pending = new Set<number>();
    const attempts = new Array<number>(BATCHES).fill(0);

    // Logpush's behaviour: repeat a push until it is answered 2xx.
    const poster = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= BATCHES) return;
        const batch = batches[i] as { gz: Buffer };
        for (;;) {
          attempts[i] = (attempts[i] ?? 0) + 1;
          pending.add(i);
          const status = await fetch(url, {
            method: 'POST',
            body: batch.gz,
            headers: { 'X-CF-Secret': 'test-secret' },
          }).then(
            async (r) => {
              await r.arrayBuffer();
              return r.status;
            },
            () => 0,
          );
          pending.delete(i);
          if (status >= 200 && status < 300) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        answered++;
      }
    };
    const posting = Promise.all(Array.from({ length: POSTERS }, () => poster()));

    await until('a third of the batches answered', () => answered >= 13, 60_000);
    const inFlightAtKill = [...pending];
    sidecar.child.kill('SIGKILL');
    expect(await sidecar.exited).toBe('SIGKILL');
    const receivedAtKill = backend.records().length;
    expect(receivedAtKill).toBeLessThan(BATCHES * RECORDS);

    sidecar = await startHttpSidecar(dir, config, children);
    await posting;
    expect(answered).toBe(BATCHES);

    const expected = batches.flatMap((b) => b.lines);
    const b = backend;
    await b.waitForRecords(expected.length, 120_000);
    await until('spool emptied', async () => (await spoolFiles(join(dir, 'state', 'spool'))) === 0, 60_000);
    await new Promise((r) => setTimeout(r, 500));

    const got = b.records().map((r) => (typeof r.body === 'string' ? r.body : JSON.stringify(r.body)));
    const unique = new Set(got);
    // Every record of every batch, nothing foreign.
    expect(unique.size).toBe(expected.length);
    for (const line of expected) expect(unique.has(line)).toBe(true);
    // Duplicates: a push stored but whose 2xx never reached the client (it is resent), and spool records
    // exported but not yet checkpointed at the kill (re-read by the restarted sidecar).
    const duplicates = got.length - unique.size;
    const bound = inFlightAtKill.length * RECORDS + READER_IN_FLIGHT * READER_BATCH;
    expect(
      duplicates,
      `${duplicates} duplicates; ${inFlightAtKill.length} pushes in flight at the kill`,
    ).toBeLessThanOrEqual(bound);
    expect(inFlightAtKill.length).toBeLessThanOrEqual(POSTERS);
    // The kill really interrupted something: pushes in flight were repeated.
    expect(attempts.reduce((s, n) => s + n, 0)).toBeGreaterThan(BATCHES);
    process.stdout.write(
      `kill -9 result: ${expected.length} records in ${BATCHES} batches all delivered; ${receivedAtKill} had arrived at the kill; ` +
        `${inFlightAtKill.length} pushes in flight at the kill; ${duplicates} duplicate records (bound ${bound})\n`,
    );

    sidecar.child.kill('SIGTERM');
    expect(await sidecar.exited).toBe(0);
  }, 240_000);
});
