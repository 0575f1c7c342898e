import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { Double } from '@logpush-otel/pipeline';
import { describe, expect, it } from 'vitest';
import { coloLocation } from '../src/index.ts';
import { coloProcessorFactory, enrichColo, knownColoCodes } from '../src/colo.ts';
import { entryOf, httpRecord } from './support/entries.ts';

describe('coloLocation', () => {
  it('finds the city, country and coordinates of a colo code in any letter case', () => {
    expect(coloLocation('SJC')).toEqual({
      code: 'SJC',
      city: 'San Jose',
      countryCode: 'US',
      lat: 37.3639,
      lon: -121.9289,
    });
    expect(coloLocation('fra')?.city).toBe('Frankfurt');
    expect(coloLocation(' nrt ')?.countryCode).toBe('JP');
  });

  it('returns undefined for a code the table does not know', () => {
    expect(coloLocation('ZZZ')).toBeUndefined();
    expect(coloLocation('')).toBeUndefined();
  });

  it('ships over a hundred colos, each with a three-letter code, a country code and coordinates on Earth', () => {
    const codes = knownColoCodes();
    expect(codes.length).toBeGreaterThan(100);
    for (const code of codes) {
      const c = coloLocation(code);
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(c?.countryCode).toMatch(/^[A-Z]{2}$/);
      expect(c?.city.length).toBeGreaterThan(0);
      expect(Math.abs(c?.lat ?? 999)).toBeLessThanOrEqual(90);
      expect(Math.abs(c?.lon ?? 999)).toBeLessThanOrEqual(180);
    }
  });
});

describe('enrichColo', () => {
  it('adds the colo location of EdgeColoCode as attributes', () => {
    const e = entryOf('http_requests', httpRecord({ EdgeColoCode: 'LHR' }));
    expect(enrichColo(e)).toBe('found');
    expect(e.attributes).toEqual({
      'cloudflare.colo.city': 'London',
      'cloudflare.colo.country_code': 'GB',
      'cloudflare.colo.location.lat': new Double(51.47),
      'cloudflare.colo.location.lon': new Double(-0.4543),
    });
  });

  it('reads the Spectrum ColoCode field', () => {
    const e = entryOf('spectrum_events', { ColoCode: 'AMS', ClientIP: '203.0.113.1' });
    expect(enrichColo(e)).toBe('found');
    expect(e.attributes['cloudflare.colo.city']).toBe('Amsterdam');
  });

  it('leaves a record with an unknown code unchanged', () => {
    const record = httpRecord({ EdgeColoCode: 'QQQ' });
    const e = entryOf('http_requests', record);
    expect(enrichColo(e)).toBe('unknown');
    expect(e.attributes).toEqual({});
    expect(e.record.EdgeColoCode).toBe('QQQ');
  });
});

describe('colo processor', () => {
  it('enriches entries, counts unknown codes and hands every entry to the next consumer', async () => {
    const host = createTestHost('colo');
    const next = new CollectingConsumer();
    const p = coloProcessorFactory.create(host, coloProcessorFactory.defaultConfig(), next);
    await p.start(host);
    const entries = [
      entryOf('http_requests', httpRecord({ EdgeColoCode: 'SIN' }), 1),
      entryOf('http_requests', httpRecord({ EdgeColoCode: 'QQQ' }), 2),
      entryOf('http_requests', httpRecord({ EdgeColoCode: 'QQQ' }), 3),
    ];
    await p.consume({ entries });
    expect(next.entries).toHaveLength(3);
    expect(next.entries[0]?.attributes['cloudflare.colo.country_code']).toBe('SG');
    expect(next.entries[1]?.attributes).toEqual({});
    expect(host.metricValue('logpush_otel_colo_unknown_total', { processor: 'colo' })).toBe(2);
    expect(host.messages.filter((m) => m.fields.code === 'QQQ')).toHaveLength(1);
    await p.shutdown();
  });

  it('rejects a config with an empty field list or unknown keys, naming the path', () => {
    const r = coloProcessorFactory.validate({ fields: [], colour: 1 }, 'processors.colo');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.map((i) => i.path).sort()).toEqual([
        'processors.colo.colour',
        'processors.colo.fields',
      ]);
    }
  });
});

runLifecycleSuite('colo processor', (host) =>
  coloProcessorFactory.create(host, coloProcessorFactory.defaultConfig(), new CollectingConsumer()),
);
