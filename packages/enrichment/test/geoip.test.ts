import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { Double } from '@logpush-otel/pipeline';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GeoIpDatabase } from '../src/index.ts';
import { enrichGeo, geoIpProcessorFactory, lookupGeo } from '../src/geoip.ts';
import { entryOf } from './support/entries.ts';
import { buildMmdb } from './support/mmdb-writer.ts';

const city = (iso: string, name: string, sub: string, lat: number, lon: number, postal: string): object => ({
  continent: { code: 'EU', names: { en: 'Europe' } },
  country: { iso_code: iso, names: { en: iso } },
  subdivisions: [{ iso_code: sub, names: { en: sub } }],
  city: { names: { en: name, de: `${name} (de)` } },
  postal: { code: postal },
  location: { latitude: lat, longitude: lon, accuracy_radius: 20 },
});

const cityDb = (): Buffer =>
  buildMmdb(
    [
      ['203.0.113.0/24', city('DE', 'Berlin', 'BE', 52.52, 13.405, '10117') as never],
      ['2001:db8:abcd::/48', city('FR', 'Paris', '75', 48.8566, 2, '75001') as never],
    ],
    'GeoLite2-City',
  );
const asnDb = (): Buffer =>
  buildMmdb(
    [
      [
        '203.0.113.0/24',
        { autonomous_system_number: 64500, autonomous_system_organization: 'Example Transit' },
      ],
      [
        '198.51.100.0/24',
        { autonomous_system_number: 64501, autonomous_system_organization: 'Example Access' },
      ],
    ],
    'GeoLite2-ASN',
  );

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'enrichment-geoip-'));
  writeFileSync(join(dir, 'city.mmdb'), cityDb());
  writeFileSync(join(dir, 'asn.mmdb'), asnDb());
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('GeoIpDatabase', () => {
  it('looks up IPv4 and IPv6 addresses in a City database', () => {
    const db = new GeoIpDatabase(join(dir, 'city.mmdb'));
    expect(db.databaseType).toBe('GeoLite2-City');
    expect(db.lookup('203.0.113.77')).toEqual({
      continentCode: 'EU',
      countryIsoCode: 'DE',
      regionIsoCode: 'DE-BE',
      city: 'Berlin',
      postalCode: '10117',
      lat: 52.52,
      lon: 13.405,
    });
    expect(db.lookup('2001:db8:abcd:12::77')?.city).toBe('Paris');
    expect(db.lookup('203.0.113.77', 'de')?.city).toBe('Berlin (de)');
    expect(db.lookup('192.0.2.1')).toBeUndefined();
    expect(db.lookup('not an ip')).toBeUndefined();
  });

  it('merges a City and an ASN database', () => {
    const dbs = [new GeoIpDatabase(join(dir, 'city.mmdb')), new GeoIpDatabase(join(dir, 'asn.mmdb'))];
    expect(lookupGeo(dbs, '203.0.113.77')).toMatchObject({
      countryIsoCode: 'DE',
      asn: 64500,
      asOrganization: 'Example Transit',
    });
    expect(lookupGeo(dbs, '198.51.100.3')).toEqual({ asn: 64501, asOrganization: 'Example Access' });
  });

  it('reloads the file after it changed and keeps the old version when the new one is broken', () => {
    const path = join(dir, 'city.mmdb');
    const db = new GeoIpDatabase(path);
    expect(db.reloadIfChanged()).toBe(false);
    const next = join(dir, 'city.mmdb.tmp');
    writeFileSync(
      next,
      buildMmdb([['203.0.113.0/24', city('AT', 'Vienna', '9', 48.2, 16.37, '1010') as never]]),
    );
    renameSync(next, path);
    expect(db.reloadIfChanged()).toBe(true);
    expect(db.lookup('203.0.113.77')?.city).toBe('Vienna');
    writeFileSync(next, Buffer.from('not a database'));
    renameSync(next, path);
    expect(() => db.reloadIfChanged()).toThrow(/not a valid MaxMind/);
    expect(db.lookup('203.0.113.77')?.city).toBe('Vienna');
  });

  it('names the file when it cannot be read', () => {
    expect(() => new GeoIpDatabase(join(dir, 'missing.mmdb'))).toThrow(
      /cannot read MaxMind database .*missing\.mmdb/,
    );
  });
});

describe('enrichGeo', () => {
  it('fills geo and AS attributes the record lacks', () => {
    const dbs = [new GeoIpDatabase(join(dir, 'city.mmdb')), new GeoIpDatabase(join(dir, 'asn.mmdb'))];
    const e = entryOf('spectrum_events', { ClientIP: '203.0.113.77' });
    expect(enrichGeo(e, dbs)).toBe(true);
    expect(e.attributes).toEqual({
      'geo.continent.code': 'EU',
      'geo.country.iso_code': 'DE',
      'geo.region.iso_code': 'DE-BE',
      'geo.locality.name': 'Berlin',
      'geo.postal_code': '10117',
      'geo.location.lat': new Double(52.52),
      'geo.location.lon': new Double(13.405),
      'cloudflare.client.asn': 64500,
      'cloudflare.client.as_organization': 'Example Transit',
    });
  });

  it('does not replace what Cloudflare already sent unless told to overwrite', () => {
    const dbs = [new GeoIpDatabase(join(dir, 'city.mmdb')), new GeoIpDatabase(join(dir, 'asn.mmdb'))];
    const record = {
      ClientIP: '203.0.113.77',
      ClientCountry: 'nl',
      ClientCity: 'Amsterdam',
      ClientASN: 1136,
    };
    const e = entryOf('http_requests', { ...record });
    enrichGeo(e, dbs);
    expect(e.attributes['geo.country.iso_code']).toBeUndefined();
    expect(e.attributes['geo.locality.name']).toBeUndefined();
    expect(e.attributes['cloudflare.client.asn']).toBeUndefined();
    expect(e.attributes['geo.postal_code']).toBe('10117');
    const o = entryOf('http_requests', { ...record });
    enrichGeo(o, dbs, { overwrite: true });
    expect(o.attributes['geo.country.iso_code']).toBe('DE');
    expect(o.attributes['cloudflare.client.asn']).toBe(64500);
  });

  it('treats Cloudflare country XX as unknown', () => {
    const e = entryOf('http_requests', { ClientIP: '203.0.113.77', ClientCountry: 'XX' });
    enrichGeo(e, [new GeoIpDatabase(join(dir, 'city.mmdb'))]);
    expect(e.attributes['geo.country.iso_code']).toBe('DE');
  });

  it('skips records without a usable IP', () => {
    const e = entryOf('http_requests', { ClientIP: '' });
    expect(enrichGeo(e, [new GeoIpDatabase(join(dir, 'city.mmdb'))])).toBe(false);
    expect(e.attributes).toEqual({});
  });
});

describe('geoip processor', () => {
  it('enriches entries and hands them on', async () => {
    const host = createTestHost('geoip');
    const next = new CollectingConsumer();
    const r = geoIpProcessorFactory.validate(
      {
        ...geoIpProcessorFactory.defaultConfig(),
        databases: [join(dir, 'city.mmdb'), join(dir, 'asn.mmdb')],
      },
      'processors.geoip',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const p = geoIpProcessorFactory.create(host, r.config, next);
    await p.start(host);
    await p.consume({ entries: [entryOf('firewall_events', { ClientIP: '198.51.100.3', ClientASN: 0 })] });
    // ClientASN 0 is Cloudflare's "unknown", so the database fills it.
    expect(next.entries[0]?.attributes).toEqual({
      'cloudflare.client.asn': 64501,
      'cloudflare.client.as_organization': 'Example Access',
    });
    await p.shutdown();
  });

  it('checks the files every reload_interval and uses a new version once it is there', async () => {
    vi.useFakeTimers();
    try {
      const host = createTestHost('geoip');
      const next = new CollectingConsumer();
      const path = join(dir, 'city.mmdb');
      const config = { ...geoIpProcessorFactory.defaultConfig(), databases: [path], reload_interval: 30 };
      const p = geoIpProcessorFactory.create(host, config, next);
      await p.start(host);
      writeFileSync(
        `${path}.new`,
        buildMmdb([['203.0.113.0/24', city('AT', 'Vienna', '9', 48.2, 16.37, '1010') as never]]),
      );
      renameSync(`${path}.new`, path);
      await p.consume({ entries: [entryOf('spectrum_events', { ClientIP: '203.0.113.77' }, 1)] });
      vi.advanceTimersByTime(30_000);
      await p.consume({ entries: [entryOf('spectrum_events', { ClientIP: '203.0.113.77' }, 2)] });
      expect(next.entries.map((e) => e.attributes['geo.locality.name'])).toEqual(['Berlin', 'Vienna']);
      expect(host.metricValue('logpush_otel_geoip_reloads_total')).toBe(1);
      await p.shutdown();
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses to start without a database, naming the file', () => {
    const host = createTestHost('geoip');
    const config = { ...geoIpProcessorFactory.defaultConfig(), databases: [join(dir, 'nope.mmdb')] };
    expect(() => geoIpProcessorFactory.create(host, config, new CollectingConsumer())).toThrow(/nope\.mmdb/);
  });

  it('validates databases, fields and the reload interval with paths', () => {
    const r = geoIpProcessorFactory.validate(
      { databases: [], reload_interval: -1, overwrite: 'yes' },
      'processors.geoip',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.map((i) => i.path)).toEqual([
        'processors.geoip.databases',
        'processors.geoip.overwrite',
        'processors.geoip.reload_interval',
      ]);
    }
  });
});

runLifecycleSuite('geoip processor', (host) =>
  geoIpProcessorFactory.create(
    host,
    { ...geoIpProcessorFactory.defaultConfig(), databases: [join(dir, 'city.mmdb')] },
    new CollectingConsumer(),
  ),
);
