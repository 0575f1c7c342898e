import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { Double } from '@logpush-otel/pipeline';
import { describe, expect, it } from 'vitest';
import type { SampleConfig } from '../src/sample.ts';
import { keepByHash } from '../src/index.ts';
import { sampleKeeps, sampleProcessorFactory } from '../src/sample.ts';
import { sampleWeightProcessorFactory } from '../src/sample-weight.ts';
import { entryOf, httpRecord } from './support/entries.ts';

function config(raw: unknown): SampleConfig {
  const r = sampleProcessorFactory.validate(
    { ...sampleProcessorFactory.defaultConfig(), ...(raw as object) },
    'processors.sample',
  );
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

const rays = Array.from({ length: 2000 }, (_, i) =>
  (0x8f1c2d3e4a000000n + BigInt(i) * 7919n).toString(16).padStart(16, '0'),
);

describe('keepByHash', () => {
  it('keeps about the configured share of keys, always the same ones', () => {
    const kept = rays.filter((r) => keepByHash(r, 0.1));
    expect(kept.length).toBeGreaterThan(150);
    expect(kept.length).toBeLessThan(250);
    expect(rays.filter((r) => keepByHash(r, 0.1))).toEqual(kept);
  });

  it('keeps everything at rate 1 and a different set with another seed', () => {
    expect(rays.every((r) => keepByHash(r, 1))).toBe(true);
    expect(rays.filter((r) => keepByHash(r, 0.1, 7))).not.toEqual(rays.filter((r) => keepByHash(r, 0.1)));
  });
});

describe('sampleKeeps', () => {
  it('keeps or drops the http request and firewall event of one ray id together', () => {
    const c = config({ rate: 0.2 });
    for (const ray of rays.slice(0, 200)) {
      const http = entryOf('http_requests', httpRecord({ RayID: ray }));
      const fw = entryOf('firewall_events', { RayID: ray, Action: 'block' });
      expect(sampleKeeps(fw, c)).toBe(sampleKeeps(http, c));
    }
  });

  it('uses the given random source in random mode', () => {
    const c = config({ rate: 0.5, mode: 'random' });
    const e = entryOf('http_requests', httpRecord());
    expect(sampleKeeps(e, c, () => 0.49)).toBe(true);
    expect(sampleKeeps(e, c, () => 0.5)).toBe(false);
  });

  it('leaves datasets it is not configured for alone', () => {
    const c = config({ rate: 0.0001, datasets: ['http_requests'] });
    expect(sampleKeeps(entryOf('firewall_events', { RayID: rays[0] ?? '' }), c)).toBe(true);
  });
});

describe('sample processor', () => {
  it('drops the unsampled share, acknowledges it, counts it and re-weights the kept records', async () => {
    const host = createTestHost('sample');
    const next = new CollectingConsumer();
    const p = sampleProcessorFactory.create(host, config({ rate: 0.25 }), next);
    await p.start(host);
    const entries = rays
      .slice(0, 400)
      .map((r, i) => entryOf('http_requests', httpRecord({ RayID: r }), i + 1));
    await expect(p.consume({ entries })).resolves.toBeUndefined();
    const kept = next.entries.length;
    expect(kept).toBeGreaterThan(60);
    expect(kept).toBeLessThan(140);
    expect(host.metricValue('logpush_otel_processor_dropped_records_total')).toBe(400 - kept);
    expect(next.entries[0]?.attributes['cloudflare.sample_weight']).toEqual(new Double(4));
    await p.shutdown();
  });

  it('multiplies the weight the Logpush sample rate already set', async () => {
    const host = createTestHost('chain');
    const next = new CollectingConsumer();
    const sample = sampleProcessorFactory.create(host, config({ rate: 0.5, mode: 'random' }), next);
    const weight = sampleWeightProcessorFactory.create(host, { sample_rate: 0.1, datasets: {} }, sample);
    const entries = Array.from({ length: 50 }, (_, i) => entryOf('http_requests', httpRecord(), i + 1));
    await weight.consume({ entries });
    expect(next.entries.length).toBeGreaterThan(0);
    for (const e of next.entries) {
      expect(e.attributes['cloudflare.logpush.sample_rate']).toEqual(new Double(0.1));
      expect(e.attributes['cloudflare.sample_weight']).toEqual(new Double(20));
    }
  });

  it('rejects a rate outside (0, 1] and an unknown mode, with paths', () => {
    const r = sampleProcessorFactory.validate({ rate: 0, mode: 'sometimes' }, 'processors.sample');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toEqual([
        { path: 'processors.sample.rate', message: 'expected a number > 0 and <= 1, got 0' },
        { path: 'processors.sample.mode', message: 'expected one of hash, random, got "sometimes"' },
      ]);
    }
  });
});

describe('sample_weight processor', () => {
  it('stamps the per-dataset Logpush sample rate and the weight 1/rate', async () => {
    const host = createTestHost('sample_weight');
    const next = new CollectingConsumer();
    const c = sampleWeightProcessorFactory.validate(
      { sample_rate: 1, datasets: { http_requests: 0.01 } },
      'processors.sample_weight',
    );
    if (!c.ok) throw new Error('invalid');
    const p = sampleWeightProcessorFactory.create(host, c.config, next);
    await p.consume({
      entries: [entryOf('http_requests', httpRecord()), entryOf('firewall_events', { RayID: 'x' })],
    });
    expect(next.entries[0]?.attributes).toEqual({
      'cloudflare.logpush.sample_rate': new Double(0.01),
      'cloudflare.sample_weight': new Double(100),
    });
    expect(next.entries[1]?.attributes['cloudflare.sample_weight']).toEqual(new Double(1));
  });

  it('rejects rates above 1 with the dataset path', () => {
    const r = sampleWeightProcessorFactory.validate(
      { datasets: { http_requests: 2 } },
      'processors.sample_weight',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toBe('processors.sample_weight.datasets.http_requests');
  });
});

runLifecycleSuite('sample processor', (host) =>
  sampleProcessorFactory.create(host, config({ rate: 0.5 }), new CollectingConsumer()),
);
runLifecycleSuite('sample_weight processor', (host) =>
  sampleWeightProcessorFactory.create(
    host,
    sampleWeightProcessorFactory.defaultConfig(),
    new CollectingConsumer(),
  ),
);
