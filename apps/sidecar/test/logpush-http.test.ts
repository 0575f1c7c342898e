// The `logpush_http` receiver through the real command: `logpush-otel run` listening on loopback, Logpush-style
// pushes from Node's fetch and curl, records checked at a loopback OTLP receiver. Hostile input (wrong secret,
// gzip bomb, slow clients, not JSON), the validation upload, dead letters, and backpressure.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.ts';
import { validateLogpushHttpConfig } from '../src/receivers/logpush-http/index.ts';
import { createSidecarRegistry } from '../src/registry.ts';
import { httpSidecarConfig, makeBatch, peakRss, post, startHttpSidecar } from './helpers/http-sidecar.ts';
import { readDeadLetters, until } from './helpers/receiver-harness.ts';

const children: ChildProcess[] = [];
const cleanup: string[] = [];
let backend: OtlpReceiver | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await backend?.close();
  backend = undefined;
  for (const d of cleanup.splice(0)) await rm(d, { recursive: true, force: true });
});

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'logpush-otel-http-'));
  cleanup.push(dir);
  return dir;
}

function bodies(b: OtlpReceiver): string[] {
  return b.records().map((r) => {
    if (typeof r.body !== 'string') throw new Error('expected the original line as body');
    return r.body;
  });
}

/** POSTs a file with curl (as an operator would test the endpoint); resolves with the HTTP status. */
function curlPost(url: string, file: string, secret: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      '60',
      '-X',
      'POST',
      '-H',
      `X-CF-Secret: ${secret}`,
      '-H',
      'Content-Type: application/octet-stream',
      '--data-binary',
      `@${file}`,
      url,
    ]);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    child.on('error', reject);
    // 'close', not 'exit': the output may still be in the pipe when the process has exited.
    child.on('close', (code) => {
      if (out === '') reject(new Error(`curl exited with ${code} and printed no status: ${err}`));
      else resolve(Number(out));
    });
  });
}

/** Sends a gzip stream of 1 GiB of zeros ('0') without ever holding it; resolves with the status (0: connection cut). */
function postGzipBomb(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'X-CF-Secret': 'test-secret', 'content-type': 'application/gzip' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    // One JSON line whose string value is 1 GiB of '0': it looks like NDJSON, so only the limits can stop it.
    const zeros = Buffer.alloc(1 << 20, '0');
    let left = 1024;
    const source = new Readable({
      read() {
        if (left === 1024) this.push('{"padding":"');
        this.push(left-- > 0 ? zeros : '"}\n');
        if (left < 0) this.push(null);
      },
    });
    pipeline(source, createGzip(), req).catch(() => undefined);
  });
}

describe('logpush_http receiver', () => {
  it('delivers every record of concurrent fetch and curl pushes; refuses what it must, with reasons', async () => {
    backend = await startOtlpReceiver();
    const dir = await workDir();
    const sidecar = await startHttpSidecar(
      dir,
      httpSidecarConfig({
        state: join(dir, 'state'),
        otlpUrl: backend.url,
        receiver: { max_line_bytes: '64KiB' },
        telemetry: true,
      }),
      children,
    );
    const batches = Array.from({ length: 8 }, (_, i) => makeBatch(i, 600));
    const files: string[] = [];
    for (const [i, b] of batches.entries()) {
      const file = join(dir, `batch-${i}.log.gz`);
      await writeFile(file, b.gz);
      files.push(file);
    }
    // Half by fetch, half by curl, all at once.
    const statuses = await Promise.all(
      batches.map((b, i) =>
        i % 2 === 0
          ? post(`${sidecar.url}/`, b.gz).then((r) => r.status)
          : curlPost(`${sidecar.url}/http_requests`, files[i] as string, 'test-secret'),
      ),
    );
    expect(statuses).toEqual(batches.map(() => 200));
    const expected = batches.flatMap((b) => b.lines);
    await backend.waitForRecords(expected.length, 60_000);
    expect(bodies(backend).sort()).toEqual([...expected].sort());

    // Refusals: wrong or missing secret, GET, a body that is neither gzip nor JSON, an unknown dataset path.
    const one = makeBatch(100, 10);
    const wrong = await post(`${sidecar.url}/`, one.gz, { 'X-CF-Secret': 'test-secreT' });
    expect(wrong.status).toBe(401);
    expect((await post(`${sidecar.url}/`, one.gz, {})).status).toBe(401);
    expect(await curlPost(`${sidecar.url}/`, files[0] as string, 'nope')).toBe(401);
    expect((await fetch(`${sidecar.url}/`)).status).toBe(405);
    const text = await post(`${sidecar.url}/`, Buffer.from('hello world\n'));
    expect(text.status).toBe(400);
    expect(text.text).toMatch(/not-json/);
    const gzText = await post(`${sidecar.url}/`, gzipSync('<html>not logs</html>'));
    expect(gzText.status).toBe(400);
    expect((await post(`${sidecar.url}/no_such_dataset`, one.gz)).status).toBe(404);
    const broken = await post(`${sidecar.url}/`, one.gz.subarray(0, one.gz.length - 20));
    expect(broken.status).toBe(400);
    expect(broken.text).toMatch(/invalid-gzip/);

    // The destination test upload is answered 2xx and not forwarded.
    const validation = await post(`${sidecar.url}/`, gzipSync('{"content":"tests"}'));
    expect(validation.status).toBe(200);

    // A batch with malformed lines: they go to dead letters (request id, line number); the rest is delivered.
    const mixed = makeBatch(200, 20);
    const lines = [...mixed.lines];
    lines.splice(5, 0, '{"broken": ');
    lines.splice(12, 0, 'not json at all');
    lines.push(`{"ClientRequestPath":"${'a'.repeat(70_000)}"}`); // over max_line_bytes (64 KiB here)
    const mixedRes = await post(`${sidecar.url}/http_requests`, gzipSync(`${lines.join('\n')}\n`));
    expect(mixedRes.status).toBe(200);
    const requestId = mixedRes.headers.get('x-request-id') ?? '';
    expect(requestId).not.toBe('');
    await backend.waitForRecords(expected.length + 20, 30_000);
    const all = bodies(backend);
    expect(all.length).toBe(expected.length + 20);
    expect(new Set(all)).toEqual(new Set([...expected, ...mixed.lines]));
    const deadDir = join(dir, 'state', 'dead-letters');
    // The three letters written (the file may exist before its lines are in it).
    await until('dead letters written', async () => (await readDeadLetters(deadDir)).length >= 3);
    const letters = await readDeadLetters(deadDir);
    expect(letters.map((l) => [l.line, l.raw, l.reason.split(':')[0]])).toEqual([
      [6, '{"broken": ', 'invalid-json'],
      [13, 'not json at all', 'invalid-json'],
      [23, '', 'line-too-long'],
    ]);
    for (const l of letters) expect(l.source).toContain(requestId);

    // Every refusal is counted by reason; the spool is empty once everything is acknowledged.
    // The 9 stored pushes (8 batches and the mixed one) acknowledged: the spool is empty.
    const metricsText = async (): Promise<string> => (await fetch(`${sidecar.telemetryUrl}/metrics`)).text();
    await until(
      'every stored push acknowledged',
      async () => /logpush_otel_http_ack_delay_seconds_count\{[^}]*\} 9\n/.test(await metricsText()),
      20_000,
    );
    const metrics = await (await fetch(`${sidecar.telemetryUrl}/metrics`)).text();
    for (const reason of [
      'unauthorized',
      'method-not-allowed',
      'not-json',
      'unknown-dataset',
      'invalid-gzip',
    ])
      expect(metrics).toMatch(
        new RegExp(`logpush_otel_http_refusals_total\\{[^}]*reason="${reason}"[^}]*\\} \\d`),
      );
    expect(metrics).toMatch(/logpush_otel_http_requests_total\{[^}]*status="200"[^}]*\} 10\n/);
    expect(metrics).toMatch(/logpush_otel_http_spool_files\{[^}]*\} 0\n/);
    expect(metrics).toMatch(/logpush_otel_http_spool_bytes\{[^}]*\} 0\n/);
    // Logged once per reason (three 401s above, one log line).
    expect(sidecar.stderr().match(/"reason":"unauthorized"/g)?.length).toBe(1);

    // SIGTERM: stops listening, drains, exits 0.
    sidecar.child.kill('SIGTERM');
    expect(await sidecar.exited).toBe(0);
  }, 120_000);

  it('refuses a 1 GiB gzip bomb in bounded memory and keeps serving', async () => {
    backend = await startOtlpReceiver();
    const dir = await workDir();
    const sidecar = await startHttpSidecar(
      dir,
      httpSidecarConfig({ state: join(dir, 'state'), otlpUrl: backend.url, receiver: {} }),
      children,
    );
    // The decompression ratio stops it early.
    const status = await postGzipBomb(`${sidecar.url}/`);
    expect(status).toBe(413);
    expect(sidecar.stderr()).toMatch(/"reason":"decompression-ratio"/);
    const peak = await peakRss(sidecar.child.pid ?? 0);
    process.stdout.write(
      `gzip bomb (ratio limit): 413, sidecar peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB\n`,
    );
    expect(peak).toBeLessThan(200 * 1024 * 1024);
    const after = makeBatch(7, 100);
    expect((await post(`${sidecar.url}/`, after.gz)).status).toBe(200);
    await backend.waitForRecords(100, 30_000);
    // Nothing of the bomb was spooled.
    const incoming = join(dir, 'state', 'spool', 'logpush_http', '.incoming');
    expect(await readdir(incoming)).toEqual([]);
  }, 120_000);

  it('stops a bomb at max_decompressed_bytes when the ratio allows it, memory still bounded', async () => {
    backend = await startOtlpReceiver();
    const dir = await workDir();
    const sidecar = await startHttpSidecar(
      dir,
      httpSidecarConfig({
        state: join(dir, 'state'),
        otlpUrl: backend.url,
        receiver: { max_decompression_ratio: 100_000, max_decompressed_bytes: '128MiB' },
      }),
      children,
    );
    expect(await postGzipBomb(`${sidecar.url}/`)).toBe(413);
    expect(sidecar.stderr()).toMatch(/"reason":"decompressed-too-large"/);
    const peak = await peakRss(sidecar.child.pid ?? 0);
    process.stdout.write(
      `gzip bomb (size limit): 413, sidecar peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB\n`,
    );
    expect(peak).toBeLessThan(200 * 1024 * 1024);
    expect((await post(`${sidecar.url}/`, makeBatch(8, 50).gz)).status).toBe(200);
  }, 120_000);

  it('cuts off a client sending one byte a second, and one that never finishes its headers', async () => {
    backend = await startOtlpReceiver();
    const dir = await workDir();
    const sidecar = await startHttpSidecar(
      dir,
      httpSidecarConfig({
        state: join(dir, 'state'),
        otlpUrl: backend.url,
        receiver: { body_timeout: '2s', header_timeout: '1s' },
      }),
      children,
    );
    const { port } = new URL(sidecar.url);
    const slow = async (head: string, drip: string): Promise<number> => {
      const started = Date.now();
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(head);
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      let i = 0;
      const timer = setInterval(() => {
        if (!socket.destroyed) socket.write(drip[i++ % drip.length] ?? 'x');
      }, 1000);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))]);
      clearInterval(timer);
      socket.destroy();
      return Date.now() - started;
    };
    const bodyHead =
      'POST / HTTP/1.1\r\nHost: x\r\nX-CF-Secret: test-secret\r\nContent-Length: 1000\r\n\r\n{"a":';
    const bodyMs = await slow(bodyHead, '1');
    expect(bodyMs).toBeLessThan(8_000);
    const headerMs = await slow('POST / HTTP/1.1\r\nHost: x\r\n', 'X');
    expect(headerMs).toBeLessThan(8_000);
    expect(sidecar.stderr()).toMatch(/"reason":"body-timeout"/);
    expect(sidecar.stderr()).toMatch(/"reason":"header-timeout"/);
    // Still serving.
    expect((await post(`${sidecar.url}/`, makeBatch(9, 20).gz)).status).toBe(200);
    await backend.waitForRecords(20, 30_000);
  }, 120_000);

  it('answers 429 with Retry-After and is not ready while the spool is over its bound, then recovers', async () => {
    backend = await startOtlpReceiver();
    const dir = await workDir();
    const sidecar = await startHttpSidecar(
      dir,
      httpSidecarConfig({
        state: join(dir, 'state'),
        otlpUrl: backend.url,
        receiver: { max_spool_bytes: '1MiB' },
        telemetry: true,
      }),
      children,
    );
    backend.stall(); // the exporter gets no answer: nothing is acknowledged, the spool only grows
    const batches = Array.from({ length: 40 }, (_, i) => makeBatch(300 + i, 500));
    const accepted: number[] = [];
    let refused: { status: number; retryAfter: string | null } | undefined;
    for (const [i, b] of batches.entries()) {
      const r = await post(`${sidecar.url}/`, b.gz);
      if (r.status === 200) accepted.push(i);
      else {
        refused = { status: r.status, retryAfter: r.headers.get('retry-after') };
        break;
      }
    }
    expect(refused).toEqual({ status: 429, retryAfter: '5' });
    expect(accepted.length).toBeGreaterThan(0);
    // What was accepted is in the spool, on disk, readable by the owner only.
    const spool = join(dir, 'state', 'spool', 'logpush_http');
    const entries = await readdir(spool, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile() && e.name.endsWith('.log.gz'));
    expect(files.length).toBeGreaterThan(0);
    for (const e of entries) {
      const mode = (await stat(join(e.parentPath, e.name))).mode & 0o777;
      if (e.isDirectory() || e.isFile())
        expect(mode, join(e.parentPath, e.name)).toBe(e.isFile() ? 0o600 : 0o700);
    }
    expect((await stat(spool)).mode & 0o777).toBe(0o700);
    expect((await fetch(`${sidecar.telemetryUrl}/readyz`)).status).toBe(503);

    backend.resume();
    backend.respondWith(() => undefined);
    const b = backend;
    const expected = accepted.flatMap((i) => batches[i]?.lines ?? []);
    await b.waitForRecords(expected.length, 60_000);
    const url = sidecar.telemetryUrl ?? '';
    await until('ready again', async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
    const next = batches[accepted.length] as { gz: Buffer; lines: string[] };
    expect((await post(`${sidecar.url}/`, next.gz)).status).toBe(200);
    await b.waitForRecords(expected.length + next.lines.length, 60_000);
    const got = bodies(b);
    expect(new Set(got)).toEqual(new Set([...expected, ...next.lines]));
  }, 120_000);
});

describe('logpush_http graceful shutdown', () => {
  it('on SIGTERM finishes the push being received, refuses new ones, and the next start delivers it', async () => {
    backend = await startOtlpReceiver();
    const dir = await workDir();
    const config = httpSidecarConfig({
      state: join(dir, 'state'),
      otlpUrl: backend.url,
      receiver: {},
      telemetry: true,
    });
    const first = await startHttpSidecar(dir, config, children);
    const { port } = new URL(first.url);
    const batch = makeBatch(700, 400);
    // A push whose body arrives in two halves, SIGTERM in between.
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    const half = Math.floor(batch.gz.length / 2);
    socket.write(
      `POST /http_requests HTTP/1.1\r\nHost: x\r\nX-CF-Secret: test-secret\r\nContent-Length: ${batch.gz.length}\r\n\r\n`,
    );
    socket.write(batch.gz.subarray(0, half));
    // SIGTERM once the sidecar is receiving the push (a fixed sleep may not be enough on a busy machine).
    const metrics = `${first.telemetryUrl ?? ''}/metrics`;
    await until(
      'the push being received',
      async () =>
        /logpush_otel_http_requests_in_flight\{[^}]*\} 1\n/.test(await (await fetch(metrics)).text()),
      10_000,
    );
    first.child.kill('SIGTERM');
    await until('shutdown begun', () => first.stderr().includes('"msg":"stopping'), 10_000);
    await new Promise((r) => setTimeout(r, 200));
    // New pushes are not taken.
    const refused = await post(`${first.url}/`, makeBatch(701, 10).gz).then(
      (r) => r.status,
      () => 0,
    );
    expect([0, 503]).toContain(refused);
    socket.write(batch.gz.subarray(half));
    await until('answered', () => answer.includes('\r\n\r\n'), 10_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${first.stderr()}`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    socket.destroy();
    expect(await first.exited).toBe(0);

    // Whatever was not exported before the stop is in the spool and goes out after the restart.
    const second = await startHttpSidecar(dir, config, children);
    await backend.waitForRecords(400, 30_000);
    expect(new Set(bodies(backend))).toEqual(new Set(batch.lines));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);
});

describe('logpush_http with ack: export (no spool)', () => {
  it('answers 2xx only once the exporter acknowledged, and 503 when it does not in time', async () => {
    backend = await startOtlpReceiver();
    const dir = await workDir();
    const sidecar = await startHttpSidecar(
      dir,
      httpSidecarConfig({
        state: join(dir, 'state'),
        otlpUrl: backend.url,
        // long enough for a healthy export on a busy machine; the stalled push below waits for all of it
        receiver: { ack: 'export', export_timeout: '5s' },
        exporter: {
          retry_on_failure: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '0s' },
        },
      }),
      children,
    );
    const batch = makeBatch(500, 300);
    const first = await post(`${sidecar.url}/`, batch.gz);
    expect(first.status).toBe(200);
    // Answered after the records were acknowledged: they are there already.
    expect(backend.acceptedCount()).toBe(300);
    expect(new Set(bodies(backend))).toEqual(new Set(batch.lines));

    // The backend stops answering: the push is answered 503 (Logpush resends it) within the timeout.
    backend.stall();
    const started = Date.now();
    const late = await post(`${sidecar.url}/`, makeBatch(501, 50).gz);
    expect(late.status).toBe(503);
    expect(late.text).toMatch(/export-timeout/);
    expect(late.headers.get('retry-after')).toBe('5');
    expect(Date.now() - started).toBeLessThan(30_000); // well before the exporter's own 60 s timeout
    backend.resume();

    // The validation upload and malformed lines behave as with the spool.
    expect((await post(`${sidecar.url}/`, gzipSync('{"content":"tests"}'))).status).toBe(200);
    const mixed = makeBatch(502, 10);
    const body = gzipSync(
      `${mixed.lines.slice(0, 5).join('\n')}\n{oops\n${mixed.lines.slice(5).join('\n')}\n`,
    );
    const res = await post(`${sidecar.url}/http_requests`, body);
    expect(res.status).toBe(200);
    const all = new Set(bodies(backend));
    for (const line of mixed.lines) expect(all.has(line)).toBe(true);
    const deadDir = join(dir, 'state', 'dead-letters');
    const [file] = await readdir(deadDir);
    const letter = JSON.parse((await readFile(join(deadDir, file ?? ''), 'utf8')).trim()) as Record<
      string,
      unknown
    >;
    expect([letter['line'], letter['raw'], letter['source']]).toEqual([
      6,
      '{oops',
      `request ${res.headers.get('x-request-id') ?? ''}`,
    ]);
    // No spool directory in this mode.
    expect(await readdir(join(dir, 'state')).catch(() => [])).not.toContain('spool');
    sidecar.child.kill('SIGTERM');
    expect(await sidecar.exited).toBe(0);
  }, 120_000);
});

/** A self-signed certificate for 127.0.0.1 made with openssl; resolves with the PEM paths. */
function selfSigned(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${name}`,
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve({ cert, key }) : reject(new Error(`openssl exited ${code}`)),
    );
  });
}

/** POSTs over TLS trusting `ca`; resolves with the status and the certificate's subject CN. */
function tlsPost(url: string, ca: Buffer, body: Buffer): Promise<{ status: number; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: 'POST', ca, headers: { 'X-CF-Secret': 'test-secret' } },
      (res) => {
        res.resume();
        const cn =
          res.socket && 'getPeerCertificate' in res.socket
            ? String((res.socket as TLSSocket).getPeerCertificate().subject.CN)
            : '';
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cn }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('logpush_http over TLS', () => {
  it('serves the certificate files and picks up new ones when they change', async () => {
    backend = await startOtlpReceiver();
    const dir = await workDir();
    const first = await selfSigned(dir, 'first');
    const second = await selfSigned(dir, 'second');
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    await writeFile(cert, await readFile(first.cert));
    await writeFile(key, await readFile(first.key));
    const sidecar = await startHttpSidecar(
      dir,
      httpSidecarConfig({
        state: join(dir, 'state'),
        otlpUrl: backend.url,
        receiver: { tls: { cert_file: cert, key_file: key, reload_interval: '100ms' } },
      }),
      children,
    );
    expect(sidecar.url).toMatch(/^https:/);
    const batch = makeBatch(600, 50);
    expect(await tlsPost(`${sidecar.url}/`, await readFile(first.cert), batch.gz)).toEqual({
      status: 200,
      cn: 'first',
    });
    await backend.waitForRecords(50, 30_000);
    // Certificate rotated on disk (as cert-manager does): new connections get the new one.
    await writeFile(key, await readFile(second.key));
    await writeFile(cert, await readFile(second.cert));
    const secondCa = await readFile(second.cert);
    await until(
      'the new certificate served',
      async () =>
        (
          await tlsPost(`${sidecar.url}/`, secondCa, gzipSync('{"content":"tests"}')).catch(() => ({
            cn: '',
          }))
        ).cn === 'second',
      15_000,
    );
    expect(sidecar.stderr()).toMatch(/TLS certificate and key reloaded/);
  }, 120_000);
});

describe('logpush_http configuration', () => {
  it('names every problem with its path, and accepts auth: none without a secret', () => {
    const bad = validateLogpushHttpConfig(
      {
        endpoint: 'nowhere',
        dataset: 'no_such',
        secret_header: 'bad header',
        max_spool_bytes: '1KiB',
        extra: 1,
      },
      'receivers.logpush_http',
    );
    expect(bad.ok).toBe(false);
    const paths = bad.ok ? [] : bad.issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'receivers.logpush_http.dataset',
        'receivers.logpush_http.endpoint',
        'receivers.logpush_http.extra',
        'receivers.logpush_http.max_spool_bytes',
        'receivers.logpush_http.secret',
        'receivers.logpush_http.secret_header',
        'receivers.logpush_http.spool_dir',
      ].sort(),
    );
    const open = validateLogpushHttpConfig(
      { auth: 'none', spool_dir: '/tmp/x', dataset: 'firewall_events' },
      'r',
    );
    expect(open.ok && open.config.auth).toBe('none');
    expect(open.ok && open.config.secret_header).toBe('X-CF-Secret');
    expect(open.ok && open.config.max_spool_bytes).toBe(1024 ** 3);
  });

  it('gets a spool under storage.directory from the sidecar configuration', () => {
    const loaded = parseConfig(
      `receivers:
  logpush_http/edge:
    secret: s
exporters:
  debug: {}
service:
  pipelines:
    logs: { receivers: [logpush_http/edge], exporters: [debug] }
storage:
  directory: /var/lib/lpo
`,
      { registry: createSidecarRegistry(), env: {} },
    );
    expect(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.issues)).toBe(true);
    const spec = loaded.ok ? loaded.config.graph.receivers.get('logpush_http/edge') : undefined;
    expect((spec?.config as { spool_dir: string }).spool_dir).toBe('/var/lib/lpo/spool/logpush_http_edge');
  });
});
