import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { describe, expect, it } from 'vitest';
import { indicatorsOf } from '../src/index.ts';
import { indicatorsProcessorFactory, normalizeDomain } from '../src/indicators.ts';
import { entryOf, httpRecord } from './support/entries.ts';

describe('indicatorsOf', () => {
  it('lists every IP, domain and ray id of an http_requests record, deduplicated', () => {
    const found = indicatorsOf(
      httpRecord({
        EdgeRequestHost: 'WWW.Example.com.',
        ParentRayID: '8f1c2d3e4a5b6c7e',
        OriginIP: '203.0.113.77',
      }),
    );
    expect(found).toEqual({
      ipAddresses: ['203.0.113.77', '198.51.100.10'],
      domainNames: ['www.example.com', 'news.example.org'],
      rayIds: ['8f1c2d3e4a5b6c7d', '8f1c2d3e4a5b6c7e'],
    });
  });

  it('rejects values that only look like indicators', () => {
    const found = indicatorsOf({
      ClientIP: '999.1.1.1',
      OriginIP: '',
      EdgeServerIP: 'unknown',
      ClientRequestHost: 'localhost',
      ClientRefererHost: '-bad-.example.com',
      RayID: '00',
      OriginatorRayID: 'zzzzzzzzzzzzzzzz',
    });
    expect(found).toEqual({ ipAddresses: [], domainNames: [], rayIds: [] });
  });

  it('takes IPv6 addresses, hosts with ports and IP hosts', () => {
    const found = indicatorsOf({
      ClientIP: '2001:db8::1',
      ClientRequestHost: '192.0.2.5:8443',
      ClientRefererHost: 'shop.example.net:443',
      ClientRequestReferer: 'https://[2001:db8::2]:8443/x',
    });
    expect(found.ipAddresses).toEqual(['2001:db8::1', '192.0.2.5', '2001:db8::2']);
    expect(found.domainNames).toEqual(['shop.example.net']);
  });

  it('reads firewall, spectrum and gateway fields and IP lists', () => {
    expect(
      indicatorsOf({
        ClientIP: '203.0.113.9',
        ClientRefererHost: 'ref.example.com',
        RayID: 'abcdefabcdef0123',
        OriginatorRayID: 'abcdefabcdef0124',
      }),
    ).toEqual({
      ipAddresses: ['203.0.113.9'],
      domainNames: ['ref.example.com'],
      rayIds: ['abcdefabcdef0123', 'abcdefabcdef0124'],
    });
    expect(
      indicatorsOf({
        ClientIP: '203.0.113.9',
        OriginIP: '192.0.2.1',
        ClientTlsClientHelloServerName: 'game.example.com',
      }),
    ).toEqual({
      ipAddresses: ['203.0.113.9', '192.0.2.1'],
      domainNames: ['game.example.com'],
      rayIds: [],
    });
    expect(
      indicatorsOf({ QueryName: 'api.example.com', ResolvedIPs: ['192.0.2.7', '192.0.2.8', '192.0.2.7'] })
        .ipAddresses,
    ).toEqual(['192.0.2.7', '192.0.2.8']);
  });

  it('finds forwarded client addresses and hosts in header maps', () => {
    const found = indicatorsOf({
      RequestHeaders: { 'x-forwarded-for': '192.0.2.1, 198.51.100.2', host: 'h.example.com' },
    });
    expect(found.ipAddresses).toEqual(['192.0.2.1', '198.51.100.2']);
    expect(found.domainNames).toEqual(['h.example.com']);
  });
});

describe('normalizeDomain', () => {
  it('lower-cases and strips a trailing dot and port, refusing IPs and single labels', () => {
    expect(normalizeDomain('Example.COM.')).toBe('example.com');
    expect(normalizeDomain('example.com:8080')).toBe('example.com');
    expect(normalizeDomain('10.0.0.1')).toBeUndefined();
    expect(normalizeDomain('intranet')).toBeUndefined();
    expect(normalizeDomain('a..b')).toBeUndefined();
  });
});

describe('indicators processor', () => {
  it('writes the three lists as string-array attributes, omitting empty ones', async () => {
    const host = createTestHost('indicators');
    const next = new CollectingConsumer();
    const p = indicatorsProcessorFactory.create(host, {}, next);
    await p.start(host);
    await p.consume({ entries: [entryOf('spectrum_events', { ClientIP: '203.0.113.9', ColoCode: 'SJC' })] });
    expect(next.entries[0]?.attributes).toEqual({ 'cloudflare.indicators.ip_addresses': ['203.0.113.9'] });
    await p.shutdown();
  });

  it('takes no settings', () => {
    const r = indicatorsProcessorFactory.validate({ fields: ['x'] }, 'processors.indicators');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toBe('processors.indicators.fields');
  });
});

runLifecycleSuite('indicators processor', (host) =>
  indicatorsProcessorFactory.create(host, {}, new CollectingConsumer()),
);
