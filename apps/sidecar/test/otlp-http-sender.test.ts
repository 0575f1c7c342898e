import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { encodeOtlpMessage, loadOtlpProtos } from '@logpush-otel/testdata/otlp-proto';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpSender, parseRetryAfter } from '../src/exporters/otlp/http-sender.ts';
import type { HttpSenderOptions } from '../src/exporters/otlp/http-sender.ts';

let body: Uint8Array;
beforeAll(async () => {
  await loadOtlpProtos();
  body = encodeOtlpMessage('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest', {
    resourceLogs: [
      { scopeLogs: [{ logRecords: [{ timeUnixNano: '1700000000000000001', severityText: 'INFO' }] }] },
    ],
  });
});

let receiver: OtlpReceiver | undefined;
let sender: HttpSender | undefined;
afterEach(async () => {
  sender?.close();
  sender = undefined;
  await receiver?.close();
  receiver = undefined;
});

function makeSender(url: string, overrides: Partial<HttpSenderOptions> = {}): HttpSender {
  sender = new HttpSender({
    url: new URL(url),
    contentType: 'application/x-protobuf',
    headers: {},
    compression: 'none',
    compressionLevel: 1,
    timeoutMs: 5_000,
    maxSockets: 2,
    userAgent: 'logpush-otel/test',
    ...overrides,
  });
  return sender;
}

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores what is neither', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('HttpSender', () => {
  it('posts gzip-compressed protobuf with the configured headers', async () => {
    receiver = await startOtlpReceiver();
    const s = makeSender(`${receiver.url}/v1/logs`, {
      compression: 'gzip',
      headers: { 'dd-api-key': 'secret', 'X-Scope-OrgID': 'tenant' },
    });
    const wire = await s.prepare(body);
    expect(new Uint8Array(gunzipSync(wire))).toEqual(new Uint8Array(body));
    const outcome = await s.send(wire);
    expect(outcome).toMatchObject({ kind: 'success', status: 200 });
    const got = receiver.requests[0];
    expect(got?.headers).toMatchObject({
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
      'dd-api-key': 'secret',
      'x-scope-orgid': 'tenant',
      'user-agent': 'logpush-otel/test',
    });
    expect(got?.recordCount).toBe(1);
  });

  it('classifies 429 and 503 as retryable with the Retry-After delay, 400 as permanent with the server message', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith((n) =>
      n === 0
        ? { status: 429, headers: { 'retry-after': '3' } }
        : n === 1
          ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 60_000).toUTCString() } }
          : {
              status: 400,
              headers: { 'content-type': 'text/plain' },
              body: new TextEncoder().encode('entry too far behind'),
            },
    );
    const s = makeSender(`${receiver.url}/v1/logs`);
    expect(await s.send(body)).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 3000 });
    const second = await s.send(body);
    expect(second.kind === 'retryable' && second.retryAfterMs).toBeGreaterThan(55_000);
    const third = await s.send(body);
    expect(third).toMatchObject({ kind: 'permanent', status: 400 });
    expect(third.kind === 'permanent' && third.reason).toMatch(/HTTP 400 .*: entry too far behind$/);
  });

  it('treats a refused connection and a timeout as retryable network errors', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const refused = await makeSender(`http://127.0.0.1:${port}/v1/logs`).send(body);
    expect(refused).toMatchObject({ kind: 'retryable', status: 0 });
    expect(refused.kind === 'retryable' && refused.reason).toMatch(/ECONNREFUSED/);
    sender?.close();

    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({ status: 200, delayMs: 2_000 }));
    const slow = await makeSender(`${receiver.url}/v1/logs`, { timeoutMs: 100 }).send(body);
    expect(slow).toMatchObject({ kind: 'retryable', status: 0 });
    expect(slow.kind === 'retryable' && slow.reason).toMatch(/no answer within 100 ms/);
  });
});
