import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import type { JsonValue, LogEntry, LogpushRecord } from '@logpush-otel/pipeline';
import { createMapper, encodeLogsJson, encodeLogsProto } from '@logpush-otel/otlp';
import { datasets } from '@logpush-otel/schema';
import { describe, expect, it } from 'vitest';
import type { PrivacyConfig } from '../src/index.ts';
import { PrivacyRules, hashIp, privacyPreset, truncateIp } from '../src/index.ts';
import { enrichIndicators } from '../src/indicators.ts';
import { fieldKind } from '../src/field-kinds.ts';
import { privacyProcessorFactory, resolvePrivacyConfig } from '../src/privacy.ts';
import { recordToJson } from '../src/record-json.ts';
import { entryOf, httpRecord } from './support/entries.ts';

describe('truncateIp', () => {
  it('keeps the first 24 bits of IPv4 and 48 bits of IPv6 by default', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0');
    expect(truncateIp('2001:db8:abcd:12::77')).toBe('2001:db8:abcd::');
    expect(truncateIp('2001:0DB8:ABCD:0012:0000:0000:0000:0077')).toBe('2001:db8:abcd::');
  });

  it('honours other prefix lengths, including ones inside a byte or group', () => {
    expect(truncateIp('203.0.113.77', { v4: 16 })).toBe('203.0.0.0');
    expect(truncateIp('203.0.113.255', { v4: 28 })).toBe('203.0.113.240');
    expect(truncateIp('203.0.113.77', { v4: 0 })).toBe('0.0.0.0');
    expect(truncateIp('2001:db8:abcd:12ff::1', { v6: 56 })).toBe('2001:db8:abcd:1200::');
    expect(truncateIp('2001:db8::1', { v6: 128 })).toBe('2001:db8::1');
    expect(truncateIp('::1', { v6: 0 })).toBe('::');
  });

  it('truncates IPv4-mapped and IPv4-embedded IPv6 addresses', () => {
    expect(truncateIp('::ffff:203.0.113.77')).toBe('::ffff:203.0.113.0');
    expect(truncateIp('64:ff9b::203.0.113.77', { v6: 120 })).toBe('64:ff9b::cb00:7100');
  });

  it('returns undefined for anything that is not an IP address', () => {
    for (const v of ['', 'unknown', '203.0.113', '203.0.113.256', '2001:db8::g', '1:2:3:4:5:6:7:8:9']) {
      expect(truncateIp(v)).toBeUndefined();
    }
  });
});

describe('hashIp', () => {
  it('gives the same keyed pseudonym for the same address and key, another for another key', () => {
    const key = 'k'.repeat(32);
    expect(hashIp('203.0.113.77', key)).toBe(hashIp('203.0.113.77', key));
    expect(hashIp('203.0.113.77', key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashIp('203.0.113.77', key)).not.toBe(hashIp('203.0.113.78', key));
    expect(hashIp('203.0.113.77', key)).not.toBe(hashIp('203.0.113.77', 'x'.repeat(32)));
  });
});

function policy(config: unknown, env: NodeJS.ProcessEnv = {}): PrivacyRules {
  const { policy: p, issues } = resolvePrivacyConfig(config, 'processors.privacy', env);
  if (p === undefined) throw new Error(JSON.stringify(issues));
  return new PrivacyRules(p);
}

describe('PrivacyRules', () => {
  it('default preset: truncates IPs, redacts credential query parameters, drops Cookies, rewrites raw', () => {
    const e = entryOf(
      'http_requests',
      httpRecord({
        Cookies: { session: 'abc' },
        ClientRequestURI: '/a?X-Amz-Signature=deadbeef&page=2&Api_Key=k1#frag',
      }),
    );
    expect(policy({ preset: 'default' }).apply(e)).toBe(true);
    expect(e.record.ClientIP).toBe('203.0.113.0');
    expect(e.record.OriginIP).toBe('192.0.2.0');
    expect(e.record.ClientRequestURI).toBe('/a?X-Amz-Signature=REDACTED&page=2&Api_Key=REDACTED#frag');
    expect(e.record.ClientRequestReferer).toBe('https://news.example.org/article?id=7');
    expect(e.record.Cookies).toBeUndefined();
    expect(JSON.parse(e.raw)).toMatchObject({ ClientIP: '203.0.113.0' });
    expect(e.raw).not.toContain('abc');
    // bigint timestamps survive the raw rewrite exactly
    expect(e.raw).toContain('"EdgeStartTimestamp":1763780000123456789');
  });

  it('rewrites raw from the scrubbed record when it is read, and keeps a raw assigned later', () => {
    const e = entryOf('http_requests', httpRecord());
    policy({}).apply(e);
    expect(JSON.parse(e.raw)).toMatchObject({ ClientIP: '203.0.113.0', OriginIP: '192.0.2.0' });
    expect({ ...e }.raw).toBe(e.raw);
    e.raw = 'replaced';
    expect(e.raw).toBe('replaced');
  });

  it('removes parameters, matches name patterns, and removes user:password from URLs', () => {
    const rules = policy({ query: { mode: 'remove', params: ['utm_source'], patterns: ['^sess'] } });
    const e = entryOf(
      'http_requests',
      httpRecord({
        ClientRequestURI: '/p?utm_source=x&Session_ID=9&q=1',
        ClientRequestReferer: 'https://u:pw@example.com/?sessid=1',
      }),
    );
    rules.apply(e);
    expect(e.record.ClientRequestURI).toBe('/p?q=1');
    expect(e.record.ClientRequestReferer).toBe('https://example.com/');
  });

  it('scrubs bare query-string fields of firewall events', () => {
    const e = entryOf('firewall_events', {
      ClientRequestQuery: '?token=abc&x=1',
      ClientRefererQuery: 'password=hunter2',
    });
    policy({}).apply(e);
    expect(e.record).toEqual({
      ClientRequestQuery: '?token=REDACTED&x=1',
      ClientRefererQuery: 'password=REDACTED',
    });
  });

  it('strict preset: redacts every query value and drops header maps and request content', () => {
    const e = entryOf(
      'http_requests',
      httpRecord({
        RequestHeaders: { 'x-api-user': 'bob' },
        ResponseHeaders: { 'set-cookie': 'a=b' },
        WAFMatchedVar: 'secret=1',
      }),
    );
    policy({ preset: 'strict' }).apply(e);
    expect(e.record.ClientRequestURI).toBe('/search?q=REDACTED&token=REDACTED&page=REDACTED');
    expect(e.record.RequestHeaders).toBeUndefined();
    expect(e.record.ResponseHeaders).toBeUndefined();
    expect(e.record.WAFMatchedVar).toBeUndefined();
  });

  it('hashes IPs with a key from the environment', () => {
    const key = 'a-long-enough-secret-key';
    const rules = policy({ ip: { mode: 'hash', hash_key_env: 'IP_KEY' } }, { IP_KEY: key });
    const e = entryOf('http_requests', httpRecord());
    rules.apply(e);
    expect(e.record.ClientIP).toBe(hashIp('203.0.113.77', key));
  });

  it('drops IP fields in drop mode and leaves everything alone with preset none', () => {
    const dropped = entryOf('spectrum_events', {
      ClientIP: '203.0.113.77',
      OriginIP: '192.0.2.1',
      ColoCode: 'SJC',
    });
    policy({ ip: { mode: 'drop' } }).apply(dropped);
    expect(dropped.record).toEqual({ ColoCode: 'SJC' });
    const kept = entryOf('http_requests', httpRecord());
    const raw = kept.raw;
    expect(policy({ preset: 'none' }).apply(kept)).toBe(false);
    expect(kept.raw).toBe(raw);
  });

  it('scrubs header maps: forwarded addresses truncated, credentials removed, referer query redacted', () => {
    const e = entryOf('http_requests', {
      RequestHeaders: {
        'x-forwarded-for': '203.0.113.77, 198.51.100.9',
        authorization: 'Bearer abc',
        referer: 'https://a.example/?token=t',
        'accept-language': 'de',
      },
    });
    policy({}).apply(e);
    expect(e.record.RequestHeaders).toEqual({
      'x-forwarded-for': '203.0.113.0, 198.51.100.0',
      referer: 'https://a.example/?token=REDACTED',
      'accept-language': 'de',
    });
  });

  it('scrubs header text and header line lists', () => {
    const e = entryOf('sinkhole_http_logs', {
      Headers: 'Host: a.example\r\nCookie: s=1\r\nX-Real-IP: 203.0.113.77',
      AddedHeaders: ['Authorization: Basic x', 'X-Seen: 1'],
    });
    policy({}).apply(e);
    expect(e.record).toEqual({
      Headers: 'Host: a.example\nX-Real-IP: 203.0.113.0',
      AddedHeaders: ['X-Seen: 1'],
    });
  });

  it('also truncates IPs an earlier processor copied into attributes', () => {
    const e = entryOf('http_requests', httpRecord());
    enrichIndicators(e);
    policy({}).apply(e);
    expect(e.attributes['cloudflare.indicators.ip_addresses']).toEqual([
      '203.0.113.0',
      '198.51.100.0',
      '192.0.2.0',
    ]);
  });
});

describe('privacy config validation', () => {
  it('requires the hash key environment variable to be set, naming the path', () => {
    const r = privacyProcessorFactory.validate(
      { ip: { mode: 'hash', hash_key_env: 'LOGPUSH_OTEL_TEST_UNSET_KEY' } },
      'processors.privacy',
    );
    expect(r).toEqual({
      ok: false,
      issues: [
        {
          path: 'processors.privacy.ip.hash_key_env',
          message:
            'expected environment variable LOGPUSH_OTEL_TEST_UNSET_KEY to hold the HMAC key, but it is not set',
        },
      ],
    });
  });

  it('names bad presets, prefixes, modes, short keys and broken patterns', () => {
    const r = resolvePrivacyConfig(
      {
        preset: 'paranoid',
        ip: { mode: 'hash', hash_key: 'short', ipv4_prefix: 33 },
        query: { mode: 'shred', patterns: ['('] },
        drop_fields: [1],
      },
      'processors.privacy',
    );
    // the section's own issues first, then each nested section's
    expect(r.issues.map((i) => i.path)).toEqual([
      'processors.privacy.preset',
      'processors.privacy.drop_fields[0]',
      'processors.privacy.ip.ipv4_prefix',
      'processors.privacy.ip.hash_key',
      'processors.privacy.query.mode',
      'processors.privacy.query.patterns[0]',
    ]);
  });
});

// ---- Proof on every dataset of the schema: what a rule removes never reaches the exporter. ----

const SECRETS = {
  ipv4: '203.0.113.77',
  ipv6: '2001:db8:abcd:12::77',
  token: 'SECRETTOKEN1',
  password: 'SECRETPASSWORD2',
  cookie: 'SECRETCOOKIE3',
  header: 'SECRETHEADER4',
};

/** A record of `dataset` with every field a privacy rule covers filled with a recognisable secret. */
function sensitiveRecord(dataset: string): { record: LogpushRecord; kinds: Set<string> } {
  const ds = datasets[dataset];
  const record: LogpushRecord = {};
  const kinds = new Set<string>();
  for (const f of ds?.fields ?? []) {
    const kind = fieldKind(f.name);
    let v: JsonValue | undefined;
    if (kind === 'ip')
      v =
        f.type === 'array[string]'
          ? [SECRETS.ipv4, SECRETS.ipv6]
          : f.name.includes('v6')
            ? SECRETS.ipv6
            : SECRETS.ipv4;
    else if (kind === 'url' && f.type === 'string')
      v = `https://user:${SECRETS.password}@www.example.com/p?token=${SECRETS.token}&page=2`;
    else if (kind === 'query') v = `?password=${SECRETS.password}&token=${SECRETS.token}`;
    else if (kind === 'cookies') v = { session: SECRETS.cookie };
    else if (kind === 'headers') {
      v =
        f.type === 'object'
          ? { cookie: `s=${SECRETS.cookie}`, 'x-forwarded-for': SECRETS.ipv4, 'x-custom': SECRETS.header }
          : f.type === 'array[string]'
            ? [`Cookie: s=${SECRETS.cookie}`, `X-Custom: ${SECRETS.header}`]
            : `Cookie: s=${SECRETS.cookie}\nX-Custom: ${SECRETS.header}`;
    }
    if (v === undefined) continue;
    record[f.name] = v;
    kinds.add(kind);
  }
  return { record, kinds };
}

/** Runs entries through the privacy processor into a consumer that maps and encodes them (OTLP JSON and protobuf). */
async function exported(
  config: PrivacyConfig,
  entries: LogEntry[],
  body: 'original' | 'map' | 'summary',
): Promise<string> {
  const host = createTestHost('privacy');
  const validated = privacyProcessorFactory.validate(config, 'processors.privacy');
  if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
  const mapper = createMapper({ body });
  let wire = '';
  const exporter = new CollectingConsumer();
  exporter.respond = (batch) => {
    for (const e of batch.entries) mapper(e);
    wire += encodeLogsJson(batch.entries);
    // the protobuf request carries strings as UTF-8 bytes: read it as latin1 so ASCII secrets stay searchable
    wire += Buffer.from(encodeLogsProto(batch.entries)).toString('latin1');
    return Promise.resolve();
  };
  const p = privacyProcessorFactory.create(host, validated.config, exporter);
  await p.start(host);
  await p.consume({ entries });
  await p.shutdown();
  expect(exporter.entries).toHaveLength(entries.length);
  return wire;
}

describe('privacy on every dataset of the schema', () => {
  const covered = Object.keys(datasets)
    .map((id) => ({ id, ...sensitiveRecord(id) }))
    .filter((d) => d.kinds.size > 0);

  it('finds IP, URL, query, cookie and header fields across the catalogue', () => {
    const kinds = new Set(covered.flatMap((d) => [...d.kinds]));
    expect([...kinds].sort()).toEqual(['cookies', 'headers', 'ip', 'query', 'url']);
    expect(covered.length).toBeGreaterThan(25);
  });

  for (const body of ['original', 'map', 'summary'] as const) {
    it(`strict: no raw IP, query value, cookie or header value reaches the exporter (body: ${body})`, async () => {
      const entries = covered.map((d, i) => entryOf(d.id, structuredClone(d.record), i + 1));
      const wire = await exported({ preset: 'strict' }, entries, body);
      for (const secret of Object.values(SECRETS)) expect(wire).not.toContain(secret);
      expect(wire).not.toContain('2001:db8:abcd:12');
    });
  }

  it('default: no raw IP, credential parameter, password or cookie reaches the exporter (body: original)', async () => {
    const entries = covered.map((d, i) => entryOf(d.id, structuredClone(d.record), i + 1));
    const wire = await exported({ preset: 'default' }, entries, 'original');
    for (const secret of [SECRETS.ipv4, SECRETS.ipv6, SECRETS.token, SECRETS.password, SECRETS.cookie]) {
      expect(wire).not.toContain(secret);
    }
    // the default preset keeps other header values
    expect(wire).toContain(SECRETS.header);
  });

  it('without the processor the same records do carry the secrets (the check above can fail)', async () => {
    const entries = covered.map((d, i) => entryOf(d.id, structuredClone(d.record), i + 1));
    const wire = await exported({ preset: 'none' }, entries, 'original');
    for (const secret of Object.values(SECRETS)) expect(wire).toContain(secret);
  });
});

describe('privacy processor', () => {
  it('fails closed: a record it cannot scrub is dead-lettered, not passed on', async () => {
    const host = createTestHost('privacy');
    const next = new CollectingConsumer();
    const p = privacyProcessorFactory.create(
      host,
      { preset: 'default', policy: privacyPreset('default') },
      next,
    );
    const bad = entryOf('http_requests', httpRecord());
    Object.defineProperty(bad.record, 'ClientIP', {
      enumerable: true,
      get() {
        throw new Error('unreadable field');
      },
    });
    await p.consume({ entries: [entryOf('http_requests', httpRecord(), 1), bad] });
    expect(next.entries).toHaveLength(1);
    expect(host.letters).toHaveLength(1);
    expect(host.letters[0]?.reason).toContain('unreadable field');
  });
});

runLifecycleSuite('privacy processor', (host) =>
  privacyProcessorFactory.create(
    host,
    { preset: 'strict', policy: privacyPreset('strict') },
    new CollectingConsumer(),
  ),
);

describe('recordToJson', () => {
  it('writes bigints as exact digits at any depth and everything else as JSON does', () => {
    const record = { a: 1763780000123456789n, b: { c: [9007199254740993n, 'x'] }, d: null, e: 1.5, f: true };
    expect(recordToJson(record)).toBe(
      '{"a":1763780000123456789,"b":{"c":[9007199254740993,"x"]},"d":null,"e":1.5,"f":true}',
    );
    expect(recordToJson({ s: 'q"\n' })).toBe(JSON.stringify({ s: 'q"\n' }));
  });
});
