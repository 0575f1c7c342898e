import { describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../src/service/http-server.ts';
import { createJsonLogger } from '../src/service/logger.ts';
import { PrometheusMetrics } from '../src/service/metrics.ts';
import { countingDeadLetters } from '../src/service/instrument.ts';

describe('telemetry endpoint', () => {
  it('answers not ready until the components started, and unhealthy after a fatal error', async () => {
    let ready = false;
    let healthy = true;
    const metrics = new PrometheusMetrics();
    metrics.counter('logpush_otel_test_total', 'A test counter.', ['component']).inc(3, { component: 'x' });
    const server = await startTelemetryServer('127.0.0.1', 0, {
      healthy: () => healthy,
      ready: () => ready,
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.text() }),
    });
    try {
      const get = async (path: string): Promise<[number, string]> => {
        const res = await fetch(`${server.url}${path}`);
        return [res.status, await res.text()];
      };
      expect(await get('/readyz')).toEqual([503, 'not ready\n']);
      ready = true;
      expect(await get('/readyz')).toEqual([200, 'ready\n']);
      expect(await get('/healthz')).toEqual([200, 'ok\n']);
      healthy = false;
      expect(await get('/healthz')).toEqual([503, 'unhealthy\n']);
      const [status, body] = await get('/metrics');
      expect(status).toBe(200);
      expect(body).toContain('logpush_otel_test_total{component="x"} 3');
      expect((await get('/nope'))[0]).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('metrics', () => {
  it('returns the same metric when two components register one name, and refuses a clash of kinds', () => {
    const metrics = new PrometheusMetrics();
    const a = metrics.counter('logpush_otel_x_total', 'x', ['receiver']);
    expect(metrics.counter('logpush_otel_x_total', 'x', ['receiver'])).toBe(a);
    expect(() => metrics.gauge('logpush_otel_x_total', 'x')).toThrow(
      'logpush_otel_x_total is a counter, not a gauge',
    );
  });

  it('counts dead letters by the component that rejected them', async () => {
    const metrics = new PrometheusMetrics();
    const written: string[] = [];
    const store = countingDeadLetters(
      { write: (letters) => Promise.resolve(void written.push(...letters.map((l) => l.reason))) },
      metrics,
    );
    await store.write([
      { reason: 'bad json', component: 'receivers/logpush_file', source: 'a.log', raw: '{' },
      { reason: '400', component: 'exporters/otlp', source: 'a.log', raw: '{}' },
    ]);
    expect(written).toEqual(['bad json', '400']);
    expect(store.written).toBe(2);
    expect(await metrics.text()).toContain(
      'logpush_otel_dead_lettered_records_total{component="receivers/logpush_file"} 1',
    );
  });
});

describe('JSON logger', () => {
  it('writes level, time and msg first, then the fields, and skips levels below the threshold', () => {
    const lines: string[] = [];
    const logger = createJsonLogger('info', { write: (t: string) => lines.push(t) });
    logger.debug('hidden');
    logger.warn('slow backend', {
      exporter: 'otlp',
      offset: 12n,
      error: new Error('timeout'),
      msg: 'ignored',
    });
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['level', 'time', 'msg', 'exporter', 'offset', 'error']);
    expect(parsed).toMatchObject({ level: 'warn', msg: 'slow backend', offset: '12', error: 'timeout' });
    expect(parsed['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
