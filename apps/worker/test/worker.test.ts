// The Worker in the real runtime (workerd, through Miniflare) on loopback: Logpush-style gzip pushes in, OTLP to
// the loopback receiver of packages/testdata.
import { gzipSync } from 'node:zlib';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultScope } from '@logpush-otel/otlp';
import { generateRecords, seedDatasets } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { buildWorker } from '../scripts/build.ts';
import type { PushReport } from '../src/push.ts';
import { mapInNode, sortedRecords, startWorker } from './helpers.ts';

const SECRET = 'correct horse battery staple';
let receiver: OtlpReceiver;
let worker: Miniflare;

async function push(
  body: Uint8Array | string,
  options: { path?: string; secret?: string | null; to?: Miniflare } = {},
): Promise<{ status: number; retryAfter: string | null; report: PushReport }> {
  const headers: Record<string, string> = {};
  const secret = options.secret === undefined ? SECRET : options.secret;
  if (secret !== null) headers['x-cf-secret'] = secret;
  const response = await (options.to ?? worker).dispatchFetch(`http://logpush.test${options.path ?? '/'}`, {
    method: 'POST',
    headers,
    body,
  });
  const report = (await response.json()) as PushReport;
  return { status: response.status, retryAfter: response.headers.get('retry-after'), report };
}

/** Records the receiver accepted since the test began (`requests` is emptied before each test). */
function accepted(): number {
  return receiver.requests.reduce((n, r) => n + (r.status >= 200 && r.status < 300 ? r.recordCount : 0), 0);
}

beforeAll(async () => {
  await buildWorker();
  receiver = await startOtlpReceiver();
  worker = await startWorker({
    LOGPUSH_SECRET: SECRET,
    OTLP_ENDPOINT: receiver.url,
    OTLP_HEADERS: 'x-api-key=k%3D1,x-team=edge',
    MAX_RECORDS_PER_REQUEST: '500',
  });
});

afterAll(async () => {
  await worker?.dispose();
  await receiver?.close();
});

beforeEach(() => {
  receiver.respondWith(() => undefined);
  receiver.requests.length = 0;
});

describe('a push of every seed dataset', () => {
  for (const dataset of seedDatasets) {
    it(`${dataset}: every record arrives, mapped as the sidecar maps it, in several OTLP requests`, async () => {
      const lines = [...generateRecords({ dataset, count: 1_600, seed: 7 })];
      const { status, report } = await push(gzipSync(`${lines.join('\n')}\n`));
      expect(status).toBe(200);
      expect(report).toMatchObject({ dataset, records: 1_600, delivered: 1_600, rejected: 0, requests: 4 });

      expect(
        // Two requests are in flight at a time: the last two may arrive in either order.
        receiver.requests
          .map((r) => [r.status, r.recordCount, r.contentEncoding, r.contentType])
          .sort((a, b) => Number(b[1]) - Number(a[1])),
      ).toEqual([500, 500, 500, 100].map((n) => [200, n, 'gzip', 'application/x-protobuf']));
      expect(receiver.requests[0]?.headers['x-api-key']).toBe('k=1');
      expect(receiver.requests[0]?.headers['x-team']).toBe('edge');

      const received = receiver.records();
      for (const r of received) {
        expect(r.observedTimeUnixNano).toBeGreaterThan(0n);
        // The scope the sidecar sends (the build puts the package's name and version into the bundle).
        expect(r.scope).toEqual(defaultScope);
      }
      expect(sortedRecords(received)).toEqual(sortedRecords(mapInNode(lines)));
    });
  }

  it('takes the dataset from the path, and plain (not gzipped) bodies too', async () => {
    const lines = [...generateRecords({ dataset: 'firewall_events', count: 20, seed: 3 })];
    const { status, report } = await push(lines.join('\n'), { path: '/firewall_events' });
    expect(status).toBe(200);
    expect(report).toMatchObject({ dataset: 'firewall_events', records: 20, delivered: 20 });
    expect(accepted()).toBe(20);
    expect(receiver.records()[0]?.resource['cloudflare.dataset']).toBe('firewall_events');
  });
});

describe('Logpush contract', () => {
  it("answers Cloudflare's validation push 2xx without forwarding it", async () => {
    for (const path of ['/', '/http_requests']) {
      const { status, report } = await push(gzipSync('{"content":"tests"}'), { path });
      expect(status).toBe(200);
      expect(report).toMatchObject({ validation: true, records: 0, requests: 0, rejected: 0 });
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses a wrong or missing secret with 401 and forwards nothing', async () => {
    const body = gzipSync([...generateRecords({ dataset: 'http_requests', count: 5 })].join('\n'));
    expect((await push(body, { secret: 'correct horse battery stapler' })).status).toBe(401);
    expect((await push(body, { secret: null })).status).toBe(401);
    expect((await push(body, { secret: '' })).status).toBe(401);
    expect(receiver.requests).toHaveLength(0);
  });

  it('counts and reports bad lines and delivers the rest', async () => {
    const lines = [...generateRecords({ dataset: 'http_requests', count: 10 })];
    lines.splice(3, 0, '{"EdgeStartTimestamp": 1, "broken');
    lines.splice(7, 0, '[1,2');
    const { status, report } = await push(gzipSync(lines.join('\n')));
    expect(status).toBe(200);
    expect(report).toMatchObject({ records: 10, delivered: 10, rejected: 2 });
    expect(report.errors).toHaveLength(2);
    expect(report.errors[0]).toMatch(/^line 4 \(byte \d+\): invalid-json/);
    expect(accepted()).toBe(10);
  });

  it('keeps the bad lines in the R2 bucket bound as DEAD_LETTERS', async () => {
    const withBucket = await startWorker(
      { LOGPUSH_SECRET: SECRET, OTLP_ENDPOINT: receiver.url },
      { r2Buckets: ['DEAD_LETTERS'] },
    );
    try {
      const lines = [...generateRecords({ dataset: 'spectrum_events', count: 4 })];
      lines.splice(2, 0, '{"Application": "app", "Timestamp": "not a time"');
      const { status, report } = await push(gzipSync(lines.join('\n')), { to: withBucket });
      expect(status).toBe(200);
      expect(report).toMatchObject({ records: 4, delivered: 4, rejected: 1 });
      expect(report.deadLetters).toMatch(/^dead-letters\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]{36}\.ndjson$/);
      // Miniflare's R2 types come from workers-types, not installed here: the part used, typed by hand.
      const bucket = (await withBucket.getR2Bucket('DEAD_LETTERS')) as unknown as {
        get(key: string): Promise<{ text(): Promise<string> } | null>;
      };
      const object = await bucket.get(report.deadLetters ?? '');
      const kept = JSON.parse((await object?.text()) ?? '{}') as { line: number; code: string; raw: string };
      expect(kept).toMatchObject({ line: 3, code: 'invalid-json', raw: lines[2] });
    } finally {
      await withBucket.dispose();
    }
  });

  it('answers 400 to a truncated gzip body (Logpush sends it again)', async () => {
    const gz = gzipSync([...generateRecords({ dataset: 'http_requests', count: 200 })].join('\n'));
    const { status, report } = await push(gz.subarray(0, Math.floor(gz.length / 2)));
    expect(status).toBe(400);
    expect(report.error).toMatch(/could not be read/);
  });

  it('answers 404 for a path that names no dataset', async () => {
    const { status, report } = await push('{}', { path: '/no_such_dataset' });
    expect(status).toBe(404);
    expect(report.error).toMatch(/unknown dataset path/);
  });
});

describe('backend failures', () => {
  const body = (): Buffer =>
    gzipSync([...generateRecords({ dataset: 'http_requests', count: 1_200 })].join('\n'));

  it('answers 503 with Retry-After when the backend answers 503', async () => {
    receiver.respondWith(() => ({ status: 503 }));
    const { status, retryAfter, report } = await push(body());
    expect(status).toBe(503);
    expect(retryAfter).toBe('30');
    expect(report.error).toMatch(/answered 503/);
    expect(accepted()).toBe(0);
  });

  it("passes on the backend's Retry-After when it throttles, after a first request went through", async () => {
    receiver.respondWith((n) => (n === 0 ? undefined : { status: 429, headers: { 'retry-after': '7' } }));
    const { status, retryAfter, report } = await push(body());
    expect(status).toBe(503);
    expect(retryAfter).toBe('7');
    expect(report.delivered).toBe(500);
  });

  it('answers 502 when the backend refuses a request for good', async () => {
    receiver.respondWith(() => ({ status: 400 }));
    const { status, retryAfter } = await push(body());
    expect(status).toBe(502);
    expect(retryAfter).toBeNull();
  });

  it('answers 503 when the backend is down, and 503 while the Worker is not configured', async () => {
    const closed = await startOtlpReceiver();
    const url = closed.url;
    await closed.close();
    const down = await startWorker({ LOGPUSH_SECRET: SECRET, OTLP_ENDPOINT: url, OTLP_TIMEOUT_SECONDS: '5' });
    const unconfigured = await startWorker({ LOGPUSH_SECRET: SECRET });
    try {
      const a = await push(body(), { to: down });
      expect(a.status).toBe(503);
      expect(a.report.error).toMatch(/OTLP request failed/);
      const b = await push(gzipSync('{"content":"tests"}'), { to: unconfigured });
      expect(b.status).toBe(503);
      expect(b.retryAfter).toBe('300');
      expect(b.report.error).toMatch(/OTLP_ENDPOINT is not set/);
    } finally {
      await down.dispose();
      await unconfigured.dispose();
    }
  });
});
