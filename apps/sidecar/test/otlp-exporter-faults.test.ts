// How the otlp exporter tells a misconfigured exporter (wrong key, wrong path) from records the backend refuses:
// the first pauses delivery and keeps every record, the second dead-letters only the records at fault.
import { createTestHost } from '@logpush-otel/pipeline/testing';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { EXPORTER_METRICS, OtlpExporter, otlpExporterFactory } from '../src/exporters/index.ts';
import type { OtlpExporterConfig } from '../src/exporters/index.ts';
import { until } from './helpers/receiver-harness.ts';
import { batch } from './support/mapped.ts';

let receiver: OtlpReceiver | undefined;
const exporters: OtlpExporter[] = [];
afterEach(async () => {
  for (const e of exporters.splice(0)) await e.shutdown();
  await receiver?.close();
  receiver = undefined;
});

function config(overrides: Record<string, unknown>): OtlpExporterConfig {
  const result = otlpExporterFactory.validate(
    {
      retry_on_failure: {
        initial_interval: '20ms',
        max_interval: '50ms',
        max_elapsed_time: '200ms',
        misconfigured_max_interval: '60ms',
      },
      ...overrides,
    },
    'exporters.otlp',
  );
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return result.config;
}

function issuesOf(overrides: Record<string, unknown>): string[] {
  const result = otlpExporterFactory.validate(overrides, 'exporters.otlp');
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('otlp exporter: configuration faults pause delivery', () => {
  for (const status of [401, 403, 407, 404]) {
    it(`keeps the batch and retries past max_elapsed_time while the backend answers ${status}`, async () => {
      receiver = await startOtlpReceiver();
      let refusing = true;
      receiver.respondWith(() => (refusing ? { status } : undefined));
      const host = createTestHost('otlp');
      const e = new OtlpExporter(
        host,
        config({ endpoint: receiver.url, headers: { 'dd-api-key': 'secret-value-1234' } }),
      );
      exporters.push(e);
      const started = Date.now();
      const consumed = e.consume(batch(3));
      // max_elapsed_time is 200ms: a retryable failure would have given up by now. Waits for the attempts
      // rather than a fixed time, which a busy machine may fill with fewer of them.
      const r = receiver;
      await until(
        'attempts past max_elapsed_time',
        () => r.requests.length > 3 && Date.now() - started >= 600,
      );
      expect(receiver.requests.length).toBeGreaterThan(3);
      expect(host.letters).toEqual([]);
      expect(e.notReadyReason()).toMatch(new RegExp(`exporters/otlp: HTTP ${status}`));
      expect(host.metricValue(EXPORTER_METRICS.paused)).toBe(1);
      // every refused request counts (the newest may still be on its way back)
      const refusals = host.metricValue(EXPORTER_METRICS.misconfiguredRefusals);
      expect(refusals).toBeGreaterThanOrEqual(receiver.requests.length - 1);
      expect(refusals).toBeLessThanOrEqual(receiver.requests.length);
      const errors = host.messages.filter((m) => m.level === 'error');
      expect(errors).toHaveLength(1); // one clear error, not one per attempt
      expect(errors[0]?.fields).toMatchObject({
        endpoint: `${receiver.url}/v1/logs`,
        status,
        headers: ['content-encoding', 'content-type', 'dd-api-key', 'user-agent'],
      });
      expect(JSON.stringify(host.messages)).not.toContain('secret-value-1234');

      refusing = false;
      await consumed;
      expect(receiver.records()).toHaveLength(3);
      expect(e.notReadyReason()).toBeUndefined();
      expect(host.metricValue(EXPORTER_METRICS.paused)).toBe(0);
      expect(host.letters).toEqual([]);
    });
  }

  it('rejects (never dead-letters) a refused batch when it is shut down', async () => {
    receiver = await startOtlpReceiver();
    receiver.respondWith(() => ({ status: 403 }));
    const host = createTestHost('otlp');
    const e = new OtlpExporter(host, config({ endpoint: receiver.url }));
    const consumed = e.consume(batch(2));
    const rejected = expect(consumed).rejects.toThrow(/shutting down|shut down/);
    while (receiver.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
    await e.shutdown();
    await rejected;
    expect(host.letters).toEqual([]);
  });

  it('splits a request answered 413 and dead-letters only a lone record the backend still refuses', async () => {
    receiver = await startOtlpReceiver();
    // the backend takes at most 2 records per request, and never ray3
    receiver.respondWith((n) => {
      const request = receiver?.requests[n];
      if (request === undefined) return undefined;
      if (request.records.length > 2) return { status: 413 };
      if (request.records.some((r) => r.attributes['cloudflare.ray_id'] === 'ray3')) return { status: 413 };
      return undefined;
    });
    const host = createTestHost('otlp');
    const e = new OtlpExporter(host, config({ endpoint: receiver.url }));
    exporters.push(e);
    await e.consume(batch(8));
    const delivered = receiver
      .records()
      .map((r) => r.attributes['cloudflare.ray_id'] as string)
      .sort();
    expect(delivered).toEqual(['ray1', 'ray2', 'ray4', 'ray5', 'ray6', 'ray7', 'ray8']);
    expect(host.letters.map((l) => l.line)).toEqual([3]);
    expect(host.letters[0]?.reason).toMatch(/HTTP 413/);
  });
});

describe('otlp exporter: required headers', () => {
  it('refuses a Datadog endpoint without a dd-api-key, or with an empty one', () => {
    expect(issuesOf({ endpoint: 'https://otlp.datadoghq.eu' })).toEqual([
      'exporters.otlp.headers: expected a non-empty dd-api-key header (Datadog refuses requests without an API key), got no such header',
    ]);
    expect(
      issuesOf({ logs_endpoint: 'https://otlp.us5.datadoghq.com/v1/logs', headers: { 'DD-API-KEY': ' ' } }),
    ).toEqual([
      'exporters.otlp.headers: expected a non-empty dd-api-key header (Datadog refuses requests without an API key), got an empty value (is its ${env:...} variable set?)',
    ]);
    expect(issuesOf({ endpoint: 'https://otlp.datadoghq.com', headers: { 'dd-api-key': 'k' } })).toEqual([]);
  });

  it('refuses a header listed in required_headers that is missing or empty', () => {
    expect(
      issuesOf({
        endpoint: 'http://loki:3100/otlp',
        headers: { authorization: '' },
        required_headers: ['Authorization'],
      }),
    ).toEqual([
      'exporters.otlp.headers: expected a non-empty authorization header (it is listed in required_headers), got an empty value (is its ${env:...} variable set?)',
    ]);
    expect(issuesOf({ endpoint: 'http://loki:3100/otlp', required_headers: ['x-scope-orgid'] })).toHaveLength(
      1,
    );
  });
});
