// The service's count of a receiver's batches in flight also covers batches the receiver delivers encoded
// (worker threads), which reach the exporters without going through the consumer's `consume`.
import type { Consumer, ReceiverFactory } from '@logpush-otel/pipeline';
import { createTestHost } from '@logpush-otel/pipeline/testing';
import { describe, expect, it } from 'vitest';
import { instrumentExporters } from '../src/service/instrument.ts';
import { PrometheusMetrics } from '../src/service/metrics.ts';
import { countsInFlight } from '../src/workers/encoded.ts';

describe('instrumentExporters: a receiver delivering encoded batches', () => {
  it('counts them in logpush_otel_batches_in_flight while they are unsettled', async () => {
    const metrics = new PrometheusMetrics();
    let handed: Consumer | undefined;
    const factory: ReceiverFactory = {
      type: 'fake',
      kind: 'receiver',
      stability: 'development',
      defaultConfig: () => ({}),
      validate: (config) => ({ ok: true, config }),
      create(_settings, _config, next) {
        handed = next;
        return { start: () => Promise.resolve(), shutdown: () => Promise.resolve() };
      },
    };
    const registry = instrumentExporters(
      { receivers: new Map([['fake', factory]]), processors: new Map(), exporters: new Map() },
      metrics,
    );
    const host = createTestHost('fake');
    registry.receivers
      .get('fake')
      ?.create(
        { id: 'r', logger: host.logger, metrics: host.metrics, deadLetters: host.deadLetters },
        {},
        { consume: () => Promise.resolve() },
      );
    const gauge = async (): Promise<string | undefined> =>
      /logpush_otel_batches_in_flight\{component="receivers\/r"\} (\d+)/.exec(await metrics.text())?.[1];
    expect(countsInFlight(handed)).toBe(true);
    if (!countsInFlight(handed)) return;
    let release = (): void => undefined;
    const delivery = handed.counted(() => new Promise<void>((resolve) => (release = resolve)));
    expect(await gauge()).toBe('1');
    release();
    await delivery;
    expect(await gauge()).toBe('0');
  });
});
