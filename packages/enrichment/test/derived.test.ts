import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { Double } from '@logpush-otel/pipeline';
import { describe, expect, it } from 'vitest';
import { deriveFields } from '../src/index.ts';
import { derivedProcessorFactory } from '../src/derived.ts';
import { entryOf, httpRecord } from './support/entries.ts';

describe('deriveFields', () => {
  it('computes the edge duration in milliseconds from unixnano bigints, to the nanosecond', () => {
    const a = deriveFields(httpRecord(), 'http_requests');
    expect(a['cloudflare.http_requests.edge_duration_ms']).toEqual(new Double(45.5));
  });

  it('computes the edge duration from RFC 3339 strings with fractions', () => {
    const a = deriveFields(
      httpRecord({
        EdgeStartTimestamp: '2025-11-22T03:00:00.100Z',
        EdgeEndTimestamp: '2025-11-22T03:00:00.350250Z',
      }),
      'http_requests',
    );
    expect(a['cloudflare.http_requests.edge_duration_ms']).toEqual(new Double(250.25));
  });

  it('computes the edge duration from unix-second integers (second precision)', () => {
    const a = deriveFields(
      httpRecord({ EdgeStartTimestamp: 1_763_780_000, EdgeEndTimestamp: 1_763_780_002 }),
      'http_requests',
    );
    expect(a['cloudflare.http_requests.edge_duration_ms']).toEqual(new Double(2000));
  });

  it('skips the edge duration when the end is before the start', () => {
    const a = deriveFields(
      httpRecord({
        EdgeStartTimestamp: 2_000_000_000_000_000_000n,
        EdgeEndTimestamp: 1_000_000_000_000_000_000n,
      }),
      'http_requests',
    );
    expect(a['cloudflare.http_requests.edge_duration_ms']).toBeUndefined();
  });

  it('throws on a malformed timestamp so the processor can count it', () => {
    expect(() => deriveFields(httpRecord({ EdgeStartTimestamp: 'yesterday' }), 'http_requests')).toThrow(
      /yesterday/,
    );
  });

  it('reads the origin time from OriginResponseDurationMs, or the legacy nanosecond OriginResponseTime', () => {
    expect(deriveFields(httpRecord(), 'http_requests')['cloudflare.http_requests.origin_duration_ms']).toBe(
      31,
    );
    const legacy = httpRecord({
      OriginResponseDurationMs: undefined as never,
      OriginResponseTime: 12_500_000,
    });
    delete legacy.OriginResponseDurationMs;
    expect(deriveFields(legacy, 'http_requests')['cloudflare.http_requests.origin_duration_ms']).toEqual(
      new Double(12.5),
    );
  });

  it('gives no origin time when there was no origin request (OriginResponseStatus 0)', () => {
    const a = deriveFields(
      httpRecord({ OriginResponseStatus: 0, OriginResponseDurationMs: 0, CacheCacheStatus: 'hit' }),
      'http_requests',
    );
    expect(a['cloudflare.http_requests.origin_duration_ms']).toBeUndefined();
    expect(a['cloudflare.cache.hit']).toBe(true);
  });

  it('classifies the status and sets error.type for 5xx only', () => {
    expect(deriveFields(httpRecord({ EdgeResponseStatus: 404 }), 'http_requests')).toMatchObject({
      'cloudflare.status_class': '4xx',
    });
    expect(
      deriveFields(httpRecord({ EdgeResponseStatus: 404 }), 'http_requests')['error.type'],
    ).toBeUndefined();
    expect(deriveFields(httpRecord({ EdgeResponseStatus: 522 }), 'http_requests')).toMatchObject({
      'cloudflare.status_class': '5xx',
      'error.type': '522',
    });
  });

  it('tells cache hits from misses and ignores unknown', () => {
    const hit = (s: string): unknown =>
      deriveFields(httpRecord({ CacheCacheStatus: s }), 'http_requests')['cloudflare.cache.hit'];
    expect(['hit', 'stream_hit', 'stale', 'updating', 'revalidated'].map(hit)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['miss', 'expired', 'bypass', 'dynamic'].map(hit)).toEqual([false, false, false, false]);
    expect(hit('unknown')).toBeUndefined();
  });

  it('bands BotScore: 1 automated, below the threshold likely automated, else likely human; 0 not computed', () => {
    const band = (score: number, threshold?: number): unknown =>
      deriveFields(
        httpRecord({ BotScore: score }),
        'http_requests',
        threshold === undefined ? {} : { botThreshold: threshold },
      )['cloudflare.bot.band'];
    expect([band(1), band(2), band(29), band(30), band(99), band(0)]).toEqual([
      'automated',
      'likely_automated',
      'likely_automated',
      'likely_human',
      'likely_human',
      undefined,
    ]);
    expect(band(35, 40)).toBe('likely_automated');
  });

  it('marks verified bots as synthetic user agents', () => {
    expect(
      deriveFields(httpRecord({ BotScoreSrc: 'Verified Bot' }), 'http_requests')['user_agent.synthetic.type'],
    ).toBe('bot');
    expect(
      deriveFields(httpRecord({ VerifiedBotCategory: 'Search Engine Crawler' }), 'http_requests')[
        'user_agent.synthetic.type'
      ],
    ).toBe('bot');
    expect(
      deriveFields(httpRecord({ VerifiedBotCategory: '' }), 'http_requests')['user_agent.synthetic.type'],
    ).toBeUndefined();
  });

  it('derives the Spectrum connection duration and error.type from Status or Event', () => {
    const spectrum = {
      ConnectTimestamp: '2025-11-22T03:00:00Z',
      DisconnectTimestamp: '2025-11-22T03:00:05.5Z',
      Status: 0,
      Event: 'originError',
    };
    const a = deriveFields(spectrum, 'spectrum_events');
    expect(a['cloudflare.spectrum_events.connection_duration_ms']).toEqual(new Double(5500));
    expect(a['error.type']).toBe('originError');
    expect(
      deriveFields({ ...spectrum, Status: 522, Event: 'disconnect' }, 'spectrum_events')['error.type'],
    ).toBe('522');
    expect(
      deriveFields({ ...spectrum, Status: 200, Event: 'disconnect' }, 'spectrum_events')['error.type'],
    ).toBeUndefined();
  });
});

describe('derived processor', () => {
  it('adds derived attributes and passes a record with a bad timestamp on unchanged, counting it', async () => {
    const host = createTestHost('derived');
    const next = new CollectingConsumer();
    const p = derivedProcessorFactory.create(host, { bot_threshold: 30 }, next);
    await p.start(host);
    await p.consume({
      entries: [
        entryOf('http_requests', httpRecord(), 1),
        entryOf('http_requests', httpRecord({ EdgeEndTimestamp: 'soon' }), 2),
      ],
    });
    expect(next.entries).toHaveLength(2);
    expect(next.entries[0]?.attributes['cloudflare.status_class']).toBe('2xx');
    expect(next.entries[1]?.attributes).toEqual({});
    expect(host.metricValue('logpush_otel_enrichment_errors_total')).toBe(1);
    expect(host.messages.some((m) => m.level === 'warn' && String(m.fields.error).includes('soon'))).toBe(
      true,
    );
    await p.shutdown();
  });

  it('rejects a bot threshold outside 2..99 with the path', () => {
    const r = derivedProcessorFactory.validate({ bot_threshold: 150 }, 'processors.derived');
    expect(r).toEqual({
      ok: false,
      issues: [
        {
          path: 'processors.derived.bot_threshold',
          message: 'expected an integer between 2 and 99, got 150',
        },
      ],
    });
  });
});

runLifecycleSuite('derived processor', (host) =>
  derivedProcessorFactory.create(host, derivedProcessorFactory.defaultConfig(), new CollectingConsumer()),
);
