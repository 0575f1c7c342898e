import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeExportLogsResponse, encodeOtlpMessage, loadOtlpProtos } from '../src/otlp-proto.ts';
import { countLogRecords, partialSuccessBody, startOtlpReceiver } from '../src/otlp-receiver.ts';
import type { OtlpReceiver } from '../src/otlp-receiver.ts';

const REQUEST_TYPE = 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest';

/** An ExportLogsServiceRequest as a plain object: one resource, one scope, `n` records. */
function requestObject(n: number, rayPrefix = 'ray'): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'cloudflare' } },
            { key: 'cloudflare.dataset', value: { stringValue: 'http_requests' } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: '@logpush-otel/otlp', version: '0.1.0' },
            logRecords: Array.from({ length: n }, (_, i) => ({
              timeUnixNano: String(1_700_000_000_123_456_789n + BigInt(i)),
              observedTimeUnixNano: '1700000001000000000',
              severityNumber: 9,
              severityText: 'INFO',
              eventName: 'cloudflare.http_request',
              body: { stringValue: `GET /item/${i} 200` },
              attributes: [
                { key: 'cloudflare.ray_id', value: { stringValue: `${rayPrefix}${i}` } },
                { key: 'http.response.status_code', value: { intValue: '200' } },
                { key: 'cloudflare.edge.time_to_first_byte', value: { doubleValue: 1.5 } },
                { key: 'cloudflare.bot.tags', value: { arrayValue: { values: [{ stringValue: 'api' }] } } },
              ],
            })),
          },
        ],
      },
    ],
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function post(
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
  path = '/v1/logs',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : Buffer.from(body));
  });
}

const PROTO = { 'content-type': 'application/x-protobuf' };

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('startOtlpReceiver', () => {
  it('listens on 127.0.0.1 and decodes a protobuf request with the official definitions', async () => {
    receiver = await startOtlpReceiver();
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await loadOtlpProtos();
    const reply = await post(receiver.url, encodeOtlpMessage(REQUEST_TYPE, requestObject(2)), {
      ...PROTO,
      'x-scope-orgid': 'tenant-1',
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/x-protobuf');
    expect(decodeExportLogsResponse(reply.body)).toEqual({});
    const records = receiver.records();
    expect(records).toHaveLength(2);
    expect(records[1]).toEqual({
      timeUnixNano: 1_700_000_000_123_456_790n,
      observedTimeUnixNano: 1_700_000_001_000_000_000n,
      severityNumber: 9,
      severityText: 'INFO',
      body: 'GET /item/1 200',
      eventName: 'cloudflare.http_request',
      attributes: {
        'cloudflare.ray_id': 'ray1',
        'http.response.status_code': 200n,
        'cloudflare.edge.time_to_first_byte': 1.5,
        'cloudflare.bot.tags': ['api'],
      },
      droppedAttributesCount: 0,
      traceId: '',
      spanId: '',
      flags: 0,
      resource: { 'service.name': 'cloudflare', 'cloudflare.dataset': 'http_requests' },
      scope: { name: '@logpush-otel/otlp', version: '0.1.0' },
      request: 0,
    });
    expect(receiver.requests[0]?.headers['x-scope-orgid']).toBe('tenant-1');
    expect(receiver.requests[0]?.status).toBe(200);
    expect(receiver.acceptedCount()).toBe(2);
  });

  it('decodes gzip-compressed protobuf and OTLP/JSON requests to the same records', async () => {
    receiver = await startOtlpReceiver();
    await loadOtlpProtos();
    const proto = encodeOtlpMessage(REQUEST_TYPE, requestObject(3));
    const gz = await post(receiver.url, gzipSync(proto), { ...PROTO, 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    const json = JSON.stringify({
      ...requestObject(3),
      somethingNewer: { ignored: true },
    }).replace('"scope":{', '"scope":{"droppedAttributesCount":0,');
    const reply = await post(receiver.url, gzipSync(json), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('{}');
    expect(receiver.requests.map((r) => [r.contentType, r.contentEncoding, r.recordCount])).toEqual([
      ['application/x-protobuf', 'gzip', 3],
      ['application/json', 'gzip', 3],
    ]);
    const [a, b] = [receiver.requests[0]?.records, receiver.requests[1]?.records];
    expect(b?.map((r) => ({ ...r, request: 0 }))).toEqual(a);
  });

  it('accepts Loki-style paths ending in /v1/logs and refuses other paths, types and broken bodies', async () => {
    receiver = await startOtlpReceiver();
    await loadOtlpProtos();
    const proto = encodeOtlpMessage(REQUEST_TYPE, requestObject(1));
    expect((await post(receiver.url, proto, PROTO, '/otlp/v1/logs')).status).toBe(200);
    expect((await post(receiver.url, proto, PROTO, '/v1/traces')).status).toBe(404);
    expect((await post(receiver.url, proto, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(receiver.url, new Uint8Array([0x0a, 0xff]), PROTO)).status).toBe(400);
    expect(receiver.requests[3]?.decodeError).toBeTruthy();
    expect(receiver.acceptedCount()).toBe(1);
  });

  it('answers the n-th request as planned: 503 with Retry-After, then 200', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith((n) => (n < 2 ? { status: 503, headers: { 'retry-after': '7' } } : undefined));
    await loadOtlpProtos();
    const proto = encodeOtlpMessage(REQUEST_TYPE, requestObject(1));
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await post(receiver.url, proto, PROTO));
    expect(replies.map((r) => [r.status, r.headers['retry-after']])).toEqual([
      [503, '7'],
      [503, '7'],
      [200, undefined],
    ]);
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(receiver.records()).toHaveLength(1);
  });

  it('sends a planned partial success that decodes as one', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({ status: 200, body: partialSuccessBody(1, 'timestamp too old') }));
    await loadOtlpProtos();
    const reply = await post(receiver.url, encodeOtlpMessage(REQUEST_TYPE, requestObject(2)), PROTO);
    expect(decodeExportLogsResponse(reply.body)).toEqual({
      partialSuccess: { rejectedLogRecords: '1', errorMessage: 'timestamp too old' },
    });
    expect(JSON.parse(new TextDecoder().decode(partialSuccessBody(3, 'no', 'json')))).toEqual({
      partialSuccess: { rejectedLogRecords: '3', errorMessage: 'no' },
    });
  });

  it('resets the connection when the plan says destroy', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({ status: 200, destroy: true }));
    await loadOtlpProtos();
    await expect(
      post(receiver.url, encodeOtlpMessage(REQUEST_TYPE, requestObject(1)), PROTO),
    ).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(receiver.requests[0]?.status).toBe(0);
    expect(receiver.acceptedCount()).toBe(0);
  });

  it('holds answers while stalled and sends them on resume', async () => {
    receiver = await startOtlpReceiver();
    await loadOtlpProtos();
    receiver.stall();
    const replies = Promise.all([
      post(receiver.url, encodeOtlpMessage(REQUEST_TYPE, requestObject(2, 'a')), PROTO),
      post(receiver.url, encodeOtlpMessage(REQUEST_TYPE, requestObject(3, 'b')), PROTO),
    ]);
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        if (receiver?.requests.length === 2) resolve();
        else setTimeout(poll, 5);
      };
      poll();
    });
    expect(receiver.pending()).toBe(2);
    expect(receiver.acceptedCount()).toBe(0);
    const waiting = receiver.waitForRecords(5);
    receiver.resume();
    expect((await replies).map((r) => r.status)).toEqual([200, 200]);
    await waiting;
    expect(receiver.pending()).toBe(0);
    expect(receiver.acceptedCount()).toBe(5);
  });

  it('waitForRecords says how many records arrived when it gives up', async () => {
    receiver = await startOtlpReceiver();
    await expect(receiver.waitForRecords(10, 20)).rejects.toThrow(
      /at least 10 accepted records.*got 0 in 0 requests/,
    );
  });

  it('hands accepted records to onAccepted and keeps nothing when retain is false', async () => {
    const seen: string[] = [];
    receiver = await startOtlpReceiver({
      retain: false,
      onAccepted: (records, request) => {
        for (const r of records) seen.push(`${request.index}:${r.attributes['cloudflare.ray_id'] as string}`);
      },
    });
    receiver.respondWith((n) => (n === 0 ? { status: 503 } : undefined));
    await loadOtlpProtos();
    const proto = encodeOtlpMessage(REQUEST_TYPE, requestObject(2));
    expect((await post(receiver.url, proto, PROTO)).status).toBe(503);
    expect((await post(receiver.url, proto, PROTO)).status).toBe(200);
    expect(seen).toEqual(['1:ray0', '1:ray1']);
    expect(receiver.records()).toEqual([]);
    expect(receiver.requests.map((r) => [r.recordCount, r.body.length])).toEqual([
      [2, 0],
      [2, 0],
    ]);
  });

  it('counts records without decoding them in count mode', async () => {
    receiver = await startOtlpReceiver({ decode: 'count' });
    await loadOtlpProtos();
    const proto = encodeOtlpMessage(REQUEST_TYPE, {
      resourceLogs: [requestObject(4).resourceLogs, requestObject(2).resourceLogs].flat(),
    });
    expect(countLogRecords(proto)).toBe(6);
    expect((await post(receiver.url, gzipSync(proto), { ...PROTO, 'content-encoding': 'gzip' })).status).toBe(
      200,
    );
    expect(
      (await post(receiver.url, JSON.stringify(requestObject(5)), { 'content-type': 'application/json' }))
        .status,
    ).toBe(200);
    expect(receiver.acceptedCount()).toBe(11);
    expect(receiver.requests.map((r) => [r.recordCount, r.body.length, r.records.length])).toEqual([
      [6, 0, 0],
      [5, 0, 0],
    ]);
  });
});
