import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { describe, expect, it } from 'vitest';
import { parseUserAgent } from '../src/index.ts';
import { UserAgentCache, userAgentProcessorFactory } from '../src/user-agent.ts';
import { entryOf, httpRecord } from './support/entries.ts';

const chrome =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const iphone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const firefoxLinux = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';

describe('parseUserAgent', () => {
  it('reads browser and OS of a desktop Chrome', () => {
    expect(parseUserAgent(chrome)).toEqual({
      name: 'Chrome',
      version: '120.0.0.0',
      osName: 'Windows',
      osVersion: '10',
    });
  });

  it('reads the device type of a phone', () => {
    expect(parseUserAgent(iphone)).toEqual({
      name: 'Mobile Safari',
      version: '17.1',
      osName: 'iOS',
      osVersion: '17.1',
      deviceType: 'mobile',
    });
  });

  it('returns nothing it cannot tell for a non-browser agent', () => {
    expect(parseUserAgent('')).toEqual({});
  });
});

describe('UserAgentCache', () => {
  it('parses each agent once and serves repeats from the cache', () => {
    const cache = new UserAgentCache(10);
    const first = cache.get(chrome);
    expect(cache.get(chrome)).toBe(first);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
    expect(first['user_agent.name']).toBe('Chrome');
  });

  it('evicts the least recently used agent beyond its size', () => {
    const cache = new UserAgentCache(2);
    cache.get(chrome);
    cache.get(iphone);
    cache.get(chrome); // chrome is now the most recently used
    cache.get(firefoxLinux); // evicts iphone
    expect(cache.size).toBe(2);
    cache.get(chrome);
    expect(cache.misses).toBe(3);
    cache.get(iphone);
    expect(cache.misses).toBe(4);
  });

  it('does not store anything with size 0', () => {
    const cache = new UserAgentCache(0);
    cache.get(chrome);
    cache.get(chrome);
    expect([cache.size, cache.misses]).toEqual([0, 2]);
  });
});

describe('user_agent processor', () => {
  it('adds semconv user_agent attributes and the device type, counting cache misses', async () => {
    const host = createTestHost('user_agent');
    const next = new CollectingConsumer();
    const p = userAgentProcessorFactory.create(host, userAgentProcessorFactory.defaultConfig(), next);
    await p.start(host);
    await p.consume({
      entries: [
        entryOf('http_requests', httpRecord({ ClientRequestUserAgent: iphone }), 1),
        entryOf('http_requests', httpRecord({ ClientRequestUserAgent: iphone }), 2),
        entryOf('http_requests', httpRecord({ ClientRequestUserAgent: '' }), 3),
      ],
    });
    expect(next.entries[1]?.attributes).toEqual({
      'user_agent.name': 'Mobile Safari',
      'user_agent.version': '17.1',
      'user_agent.os.name': 'iOS',
      'user_agent.os.version': '17.1',
      'cloudflare.user_agent.device.type': 'mobile',
    });
    expect(next.entries[2]?.attributes).toEqual({});
    expect(host.metricValue('logpush_otel_user_agent_cache_misses_total')).toBe(1);
    await p.shutdown();
  });

  it('rejects a negative cache size with the path', () => {
    const r = userAgentProcessorFactory.validate({ cache_size: -1 }, 'processors.user_agent');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toBe('processors.user_agent.cache_size');
  });
});

runLifecycleSuite('user_agent processor', (host) =>
  userAgentProcessorFactory.create(host, userAgentProcessorFactory.defaultConfig(), new CollectingConsumer()),
);
