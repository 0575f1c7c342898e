import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTestHost } from '@logpush-otel/pipeline/testing';
import type { TestHost } from '@logpush-otel/pipeline/testing';
import type { LogEntry, MappedBatch } from '@logpush-otel/pipeline';
import { partialSuccessBody, startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EXPORTER_METRICS,
  ExportFailedError,
  OtlpExporter,
  otlpExporterFactory,
  resolveLogsUrl,
} from '../src/exporters/index.ts';
import type { OtlpExporterConfig } from '../src/exporters/index.ts';
import { until } from './helpers/receiver-harness.ts';
import { batch, entry } from './support/mapped.ts';

let receiver: OtlpReceiver | undefined;
const exporters: OtlpExporter[] = [];
afterEach(async () => {
  for (const e of exporters.splice(0)) await e.shutdown();
  await receiver?.close();
  receiver = undefined;
});

/** A validated config over the defaults (fast retries for tests unless overridden). */
function config(overrides: Record<string, unknown>): OtlpExporterConfig {
  const result = otlpExporterFactory.validate(
    {
      retry_on_failure: { initial_interval: '20ms', max_interval: '50ms', max_elapsed_time: '20s' },
      ...overrides,
    },
    'exporters.otlp',
  );
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return result.config;
}

function exporter(host: TestHost, overrides: Record<string, unknown>): OtlpExporter {
  const e = new OtlpExporter(host, config(overrides));
  exporters.push(e);
  return e;
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

/** Whether `promise` is still pending after `ms`. */
async function stillPending(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}

describe('otlp exporter configuration', () => {
  it('appends /v1/logs to the base endpoint and uses logs_endpoint as is', () => {
    expect(resolveLogsUrl({ endpoint: 'http://localhost:4318', logs_endpoint: '' }).href).toBe(
      'http://localhost:4318/v1/logs',
    );
    expect(resolveLogsUrl({ endpoint: 'http://loki:3100/otlp/', logs_endpoint: '' }).href).toBe(
      'http://loki:3100/otlp/v1/logs',
    );
    expect(
      resolveLogsUrl({ endpoint: 'http://ignored:1', logs_endpoint: 'https://otlp.datadoghq.com/v1/logs' })
        .href,
    ).toBe('https://otlp.datadoghq.com/v1/logs');
  });

  it('reports every invalid key with its path and what was expected', () => {
    const result = otlpExporterFactory.validate(
      {
        endpoint: 'localhost:4318',
        protocol: 'grpc',
        timeout: 'soon',
        concurrency: 0,
        compresion: 'gzip',
        retry_on_failure: { multiplier: 0.5 },
      },
      'exporters.otlp/loki',
    );
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((i) => i.path).sort()).toEqual([
      'exporters.otlp/loki.compresion',
      'exporters.otlp/loki.concurrency',
      'exporters.otlp/loki.endpoint',
      'exporters.otlp/loki.protocol',
      'exporters.otlp/loki.retry_on_failure.multiplier',
      'exporters.otlp/loki.timeout',
    ]);
    expect(issues.find((i) => i.path.endsWith('.protocol'))?.message).toBe(
      'expected one of http/protobuf, http/json, got "grpc"',
    );
    expect(issues.find((i) => i.path.endsWith('.endpoint'))?.message).toMatch(/expected an http\(s\) URL/);
  });

  it('fills its defaults in their typed shape, and reads durations in the one grammar (no bare numbers)', () => {
    const once = config({ endpoint: 'http://127.0.0.1:4318', timeout: '5s', max_request_size: '1MiB' });
    expect(once.timeout).toBe(5000);
    expect(once.max_request_size).toBe(1024 * 1024);
    const plain = otlpExporterFactory.validate({ endpoint: 'http://127.0.0.1:4318' }, 'exporters.otlp');
    expect(plain).toEqual({
      ok: true,
      config: { ...otlpExporterFactory.defaultConfig(), endpoint: 'http://127.0.0.1:4318' },
    });
    const bare = otlpExporterFactory.validate(
      {
        endpoint: 'http://127.0.0.1:4318',
        timeout: 5000,
        retry_on_failure: { initial_interval: '1d', max_interval: '2d' },
      },
      'exporters.otlp',
    );
    expect(bare).toEqual({
      ok: false,
      issues: [
        { path: 'exporters.otlp.timeout', message: 'expected a duration such as 200ms, 5s or 1m, got 5000' },
      ],
    });
  });
});

describe('otlp exporter delivery', () => {
  it('delivers gzip-compressed protobuf with headers, decoded exactly by the official proto definitions', async () => {
    receiver = await startOtlpReceiver();
    const host = createTestHost('otlp');
    const e = exporter(host, { endpoint: receiver.url, headers: { 'dd-api-key': 'k1' } });
    await e.consume(batch(3));
    const req = receiver.requests[0];
    expect(req?.headers['content-encoding']).toBe('gzip');
    expect(req?.headers['content-type']).toBe('application/x-protobuf');
    expect(req?.headers['dd-api-key']).toBe('k1');
    const records = receiver.records();
    expect(records.map((r) => r.attributes['cloudflare.ray_id'])).toEqual(['ray1', 'ray2', 'ray3']);
    expect(records[0]).toMatchObject({
      timeUnixNano: 1_700_000_000_123_456_790n,
      severityText: 'INFO',
      severityNumber: 9,
      eventName: 'cloudflare.http_request',
      body: 'GET /item/1 200',
      resource: { 'service.name': 'cloudflare', 'cloud.provider': 'cloudflare' },
    });
    expect(records[0]?.attributes['http.response.status_code']).toBe(200n);
    expect(host.metricValue(EXPORTER_METRICS.sentRecords)).toBe(3);
  });

  it('delivers OTLP/JSON without compression to a Loki-style base path', async () => {
    receiver = await startOtlpReceiver();
    const e = exporter(createTestHost(), {
      endpoint: `${receiver.url}/otlp`,
      protocol: 'http/json',
      compression: 'none',
    });
    await e.consume(batch(2));
    expect(receiver.requests[0]).toMatchObject({ path: '/otlp/v1/logs', contentType: 'application/json' });
    expect(receiver.requests[0]?.contentEncoding).toBe('');
    expect(receiver.records().map((r) => [r.timeUnixNano, r.attributes['url.path']])).toEqual([
      [1_700_000_000_123_456_790n, '/item/1'],
      [1_700_000_000_123_456_791n, '/item/2'],
    ]);
  });

  it('keeps consume pending while the backend answers 503, then delivers everything once it answers 200', async () => {
    receiver = await startOtlpReceiver();
    let outage = true;
    receiver.respondWith(() => (outage ? { status: 503 } : undefined));
    const host = createTestHost('otlp');
    const e = exporter(host, { endpoint: receiver.url });
    const consumed = e.consume(batch(5));
    const r = receiver;
    await until('several refused attempts', () => r.requests.length > 2);
    expect(await stillPending(consumed, 100)).toBe(true);
    outage = false;
    await consumed;
    expect(receiver.records().map((r) => r.attributes['cloudflare.ray_id'])).toEqual([
      'ray1',
      'ray2',
      'ray3',
      'ray4',
      'ray5',
    ]);
    expect(host.metricValue(EXPORTER_METRICS.retries)).toBe(receiver.requests.length - 1);
    expect(host.letters).toEqual([]);
  });

  it('waits at least as long as the Retry-After of a 429 before retrying', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : undefined));
    const e = exporter(createTestHost(), { endpoint: receiver.url });
    await e.consume(batch(1));
    const [first, second] = receiver.requests;
    expect(receiver.requests).toHaveLength(2);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(receiver.records()).toHaveLength(1);
  });

  it('keeps honouring a Retry-After longer than max_elapsed_time for the batches that come after', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '2' } } : undefined));
    const e = exporter(createTestHost(), {
      endpoint: receiver.url,
      retry_on_failure: { initial_interval: '20ms', max_interval: '50ms', max_elapsed_time: '500ms' },
    });
    await expect(e.consume(batch(1))).rejects.toThrow(/max_elapsed_time.*HTTP 429/);
    await e.consume(batch(1));
    const [first, second] = receiver.requests;
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(2000);
    expect(receiver.records()).toHaveLength(1);
  });

  it('retries while the connection is refused and delivers once the backend is up', async () => {
    const port = await freePort();
    const e = exporter(createTestHost(), { endpoint: `http://127.0.0.1:${port}` });
    const consumed = e.consume(batch(2));
    expect(await stillPending(consumed, 200)).toBe(true);
    receiver = await startOtlpReceiver({ port });
    await consumed;
    expect(receiver.records()).toHaveLength(2);
  });

  it('dead-letters the records of a request refused with 400, with the reason, and counts them as handled', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({
      status: 400,
      headers: { 'content-type': 'text/plain' },
      body: new TextEncoder().encode('stream limit exceeded'),
    }));
    const host = createTestHost('otlp/loki');
    const e = exporter(host, { endpoint: receiver.url });
    await e.consume(batch(2));
    expect(receiver.requests).toHaveLength(1);
    expect(host.letters).toHaveLength(2);
    expect(host.letters[0]).toEqual({
      reason: expect.stringMatching(
        /refused the request for good: HTTP 400 .*: stream limit exceeded$/,
      ) as string,
      component: 'exporters/otlp/loki',
      source: 'logs/20261122/a.log.gz',
      line: 1,
      offset: 100,
      raw: JSON.stringify({ RayID: 'ray1', EdgeResponseStatus: 200, ClientRequestPath: '/item/1' }),
    });
    expect(host.metricValue(EXPORTER_METRICS.failedRecords)).toBe(2);
  });

  it('dead-letters a partial success with the number rejected and the server message', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({ status: 200, body: partialSuccessBody(1, 'timestamp too old') }));
    const host = createTestHost('otlp');
    const e = exporter(host, { endpoint: receiver.url });
    await e.consume(batch(3));
    expect(host.letters.map((l) => l.line)).toEqual([1, 2, 3]);
    expect(host.letters[0]?.reason).toMatch(
      /rejected 1 of 3 records .*partial success.*: timestamp too old$/,
    );
    expect(host.metricValue(EXPORTER_METRICS.sentRecords)).toBe(2);
  });

  it('reads a JSON partial success too', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({ status: 200, body: partialSuccessBody(2, 'too big', 'json') }));
    const host = createTestHost('otlp');
    const e = exporter(host, { endpoint: receiver.url, protocol: 'http/json' });
    await e.consume(batch(2));
    expect(host.letters).toHaveLength(2);
    expect(host.letters[0]?.reason).toMatch(/rejected 2 of 2 records.*: too big$/);
  });

  it('splits a batch larger than max_request_size into requests under the limit', async () => {
    receiver = await startOtlpReceiver();
    const e = exporter(createTestHost(), {
      endpoint: receiver.url,
      compression: 'none',
      max_request_size: '16KiB',
    });
    await e.consume(batch(600));
    expect(receiver.requests.length).toBeGreaterThan(4);
    for (const r of receiver.requests) expect(r.wireBytes).toBeLessThanOrEqual(16 * 1024);
    const rays = receiver.records().map((r) => r.attributes['cloudflare.ray_id'] as string);
    expect(rays.sort()).toEqual(Array.from({ length: 600 }, (_, i) => `ray${i + 1}`).sort());
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    receiver = await startOtlpReceiver();
    receiver.stall();
    const host = createTestHost('otlp');
    const e = exporter(host, {
      endpoint: receiver.url,
      concurrency: 2,
      compression: 'none',
      max_request_size: '8KiB',
    });
    const consumed = e.consume(batch(300));
    const r = receiver;
    await until('the first requests held', () => r.requests.length >= 2);
    // and no third one while those are unanswered
    expect(await stillPending(consumed, 300)).toBe(true);
    expect(receiver.requests).toHaveLength(2);
    expect(host.metricValue(EXPORTER_METRICS.inFlight)).toBe(2);
    receiver.resume();
    await consumed;
    expect(receiver.requests.length).toBeGreaterThan(4);
    expect(receiver.acceptedCount()).toBe(300);
    expect(host.metricValue(EXPORTER_METRICS.inFlight)).toBe(0);
  });

  it('retries a request that timed out', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith((n) => (n === 0 ? { status: 200, delayMs: 3_000 } : undefined));
    // 1 s: the retry, answered at once, must not time out too on a busy machine
    const e = exporter(createTestHost(), { endpoint: receiver.url, timeout: '1s' });
    await e.consume(batch(1));
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]?.status).toBe(200);
  });

  it('rejects, so the source reads the batch again, once retrying would pass max_elapsed_time', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({ status: 502 }));
    const host = createTestHost('otlp');
    const e = exporter(host, {
      endpoint: receiver.url,
      retry_on_failure: { initial_interval: '20ms', max_interval: '20ms', max_elapsed_time: '200ms' },
    });
    await expect(e.consume(batch(2))).rejects.toThrow(ExportFailedError);
    await expect(e.consume(batch(1))).rejects.toThrow(/gave up after \d+ attempt\(s\).*HTTP 502/);
    expect(host.letters).toEqual([]);
    expect(host.metricValue(EXPORTER_METRICS.failedRecords)).toBe(3);
  });

  it('rejects a batch waiting to retry as soon as it is shut down', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({ status: 503, headers: { 'retry-after': '10' } }));
    const e = exporter(createTestHost(), { endpoint: receiver.url });
    const consumed = e.consume(batch(1));
    const outcome = consumed.then(
      () => 'resolved',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(await stillPending(consumed, 100)).toBe(true);
    const t0 = Date.now();
    await e.shutdown();
    expect(await outcome).toMatch(/shutting down/);
    expect(Date.now() - t0).toBeLessThan(5_000); // not the 10 s Retry-After
    await expect(e.consume(batch(1))).rejects.toThrow(/shut down/);
  });

  it('refuses (and sends nothing for) an unmapped entry smuggled past the types', async () => {
    // the service always maps before exporters (MappedBatch); only a direct caller can get here
    receiver = await startOtlpReceiver();
    const e = exporter(createTestHost(), { endpoint: receiver.url });
    const raw: LogEntry = entry(1);
    delete raw.log;
    await expect(e.consume({ entries: [raw] } as unknown as MappedBatch)).rejects.toThrow(
      /has no log\/resource/,
    );
    expect(receiver.requests).toEqual([]);
  });
});
