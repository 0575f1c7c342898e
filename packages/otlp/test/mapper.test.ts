import { Double } from '@logpush-otel/pipeline';
import type { LogEntry, LogpushRecord } from '@logpush-otel/pipeline';
import { describe, expect, it } from 'vitest';
import { createMapper } from '../src/index.ts';
import type { MappingOptions } from '../src/index.ts';
import { OBSERVED, entryOf, parseExact } from './helpers.ts';

/**
 * The record mapped. Most records here carry no event time: their `cloudflare.time_missing` flag (tested on its own
 * in 'time') is left out of the attributes so that each test sees only what it is about.
 */
/** `entryOf` with an event time, for tests about attributes (a record without one is flagged time_missing). */
function timedEntryOf(dataset: string, record: LogpushRecord): LogEntry {
  return { ...entryOf(dataset, record), timeUnixNano: 1700000000000000000n };
}

function mapped(dataset: string, record: LogpushRecord, options?: MappingOptions): LogEntry {
  const entry = entryOf(dataset, record);
  createMapper(options)(entry);
  if (entry.log !== undefined) delete entry.log.attributes['cloudflare.time_missing'];
  return entry;
}

function attributes(
  dataset: string,
  record: LogpushRecord,
  options?: MappingOptions,
): Record<string, unknown> {
  return { ...mapped(dataset, record, options).log?.attributes };
}

describe('time', () => {
  it('keeps a record without an event time, flagged cloudflare.time_missing, with its observed time', () => {
    const entry = entryOf('http_requests', { RayID: 'r' });
    createMapper()(entry);
    expect(entry.log?.timeUnixNano).toBeUndefined();
    expect(entry.log?.observedTimeUnixNano).toBe(OBSERVED);
    expect(entry.log?.attributes['cloudflare.time_missing']).toBe(true);
    const timed = mapped(
      'http_requests',
      parseExact('{"EdgeStartTimestamp":1700000000123456789,"RayID":"r"}'),
    );
    expect(timed.log?.attributes).not.toHaveProperty('cloudflare.time_missing');
  });

  it('reads EdgeStartTimestamp as unix nanoseconds, exactly', () => {
    const entry = mapped(
      'http_requests',
      parseExact('{"EdgeStartTimestamp":1700000000123456789,"RayID":"r"}'),
    );
    expect(entry.log?.timeUnixNano).toBe(1700000000123456789n);
    expect(entry.log?.observedTimeUnixNano).toBe(OBSERVED);
  });

  it('takes the event time the parser read, in any Logpush timestamp format', () => {
    expect(mapped('firewall_events', { Datetime: '2023-11-14T22:13:20.000000001Z' }).log?.timeUnixNano).toBe(
      1700000000000000001n,
    );
    expect(mapped('spectrum_events', { Timestamp: 1700000000 }).log?.timeUnixNano).toBe(1700000000000000000n);
  });

  it('falls back to EdgeEndTimestamp, then leaves the time unset', () => {
    const entry = mapped('http_requests', { EdgeEndTimestamp: 1700000000999999999n });
    expect(entry.log?.timeUnixNano).toBe(1700000000999999999n);
    expect(mapped('http_requests', { RayID: 'r' }).log?.timeUnixNano).toBeUndefined();
  });

  it('falls back to DisconnectTimestamp for spectrum_events', () => {
    expect(mapped('spectrum_events', { DisconnectTimestamp: '2023-11-14T22:13:30Z' }).log?.timeUnixNano).toBe(
      1700000010000000000n,
    );
  });

  it('writes other timestamps as RFC 3339 with nanoseconds', () => {
    expect(
      attributes('spectrum_events', { ConnectTimestamp: 1700000000000000001n })[
        'cloudflare.spectrum_events.connect_timestamp'
      ],
    ).toBe('2023-11-14T22:13:20.000000001Z');
  });
});

describe('attributes', () => {
  it('uses semantic-convention names without a vendor duplicate', () => {
    const a = attributes('http_requests', {
      ClientIP: '203.0.113.7',
      ClientSrcPort: 443,
      ClientRequestUserAgent: 'curl/8',
      ClientRequestBytes: 10,
      EdgeResponseBytes: 20,
      ClientCountry: 'us',
    });
    expect(a).toEqual({
      'client.address': '203.0.113.7',
      'client.port': 443,
      'user_agent.original': 'curl/8',
      'http.request.size': 10,
      'http.response.size': 20,
      'geo.country.iso_code': 'US',
    });
  });

  it('gives join fields shared keys in every dataset', () => {
    expect(attributes('http_requests', { RayID: 'a', EdgeColoCode: 'SJC', ClientASN: 1 })).toEqual({
      'cloudflare.ray_id': 'a',
      'cloudflare.colo.code': 'SJC',
      'cloudflare.client.asn': 1,
    });
    expect(attributes('firewall_events', { RayID: 'a', EdgeColoCode: 'SJC', ClientASN: 1 })).toEqual({
      'cloudflare.ray_id': 'a',
      'cloudflare.colo.code': 'SJC',
      'cloudflare.client.asn': 1,
    });
    expect(attributes('spectrum_events', { ColoCode: 'SJC', ClientAsn: 1 })).toEqual({
      'cloudflare.colo.code': 'SJC',
      'cloudflare.client.asn': 1,
    });
  });

  it('maps legacy and current Cloudflare names to the same keys, the current one winning', () => {
    const legacy = attributes('http_requests', {
      WAFAction: 'block',
      WAFRuleID: '100015',
      WAFRuleMessage: 'msg',
      FirewallMatchesActions: ['block'],
      FirewallMatchesRuleIDs: ['r'],
      FirewallMatchesSources: ['waf'],
    });
    const current = attributes('http_requests', {
      SecurityAction: 'block',
      SecurityRuleID: '100015',
      SecurityRuleDescription: 'msg',
      SecurityActions: ['block'],
      SecurityRuleIDs: ['r'],
      SecuritySources: ['waf'],
    });
    expect(legacy).toEqual(current);
    expect(Object.keys(current).sort()).toEqual([
      'cloudflare.http_requests.security_action',
      'cloudflare.http_requests.security_actions',
      'cloudflare.http_requests.security_rule_ids',
      'cloudflare.http_requests.security_sources',
      'security_rule.description',
      'security_rule.uuid',
    ]);
    expect(attributes('http_requests', { WAFAction: 'old', SecurityAction: 'new' })).toEqual({
      'cloudflare.http_requests.security_action': 'new',
    });
    expect(attributes('http_requests', { SecurityAction: 'new', WAFAction: 'old' })).toEqual({
      'cloudflare.http_requests.security_action': 'new',
    });
    expect(attributes('spectrum_events', { ClientASN: 7 })).toEqual(
      attributes('spectrum_events', { ClientAsn: 7 }),
    );
    expect(attributes('firewall_events', { FirewallForAITokenCount: 3 })).toEqual(
      attributes('firewall_events', { AISecurityTokenCount: 3 }),
    );
  });

  it('drops empty values and "not applicable" sentinels', () => {
    expect(
      attributes('http_requests', {
        ClientRequestReferer: '',
        ClientSSLProtocol: 'none',
        ClientSSLCipher: 'NONE',
        ClientRequestProtocol: 'unknown',
        EdgeRateLimitID: '0',
        ParentRayID: '00',
        EdgeServerIP: '',
        SecurityActions: [],
        BotTags: null,
        EdgeResponseStatus: 0,
      }),
    ).toEqual({ 'url.scheme': 'http' });
    expect(attributes('spectrum_events', { ClientTlsCipher: 'UNK', ClientTlsProtocol: 'none' })).toEqual({});
  });

  it('keeps sentinels that carry meaning in vendor attributes', () => {
    expect(attributes('http_requests', { CacheCacheStatus: 'unknown', OriginResponseStatus: 0 })).toEqual({
      'cloudflare.http_requests.cache_status': 'unknown',
      'cloudflare.http_requests.origin_response_status': 0,
    });
  });

  it('splits protocols into name and version', () => {
    expect(
      attributes('http_requests', { ClientRequestProtocol: 'HTTP/1.1', ClientSSLProtocol: 'TLSv1.3' }),
    ).toEqual({
      'network.protocol.name': 'http',
      'network.protocol.version': '1.1',
      'tls.protocol.name': 'tls',
      'tls.protocol.version': '1.3',
      'url.scheme': 'https',
    });
  });

  it('writes unknown methods as _OTHER with the original', () => {
    expect(attributes('http_requests', { ClientRequestMethod: 'PROPFIND' })).toEqual({
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PROPFIND',
    });
  });

  it('builds url.full and url.query, redacting signatures', () => {
    const a = attributes('http_requests', {
      ClientRequestScheme: 'https',
      ClientRequestHost: 'example.com',
      ClientRequestPath: '/f',
      ClientRequestURI: '/f?X-Amz-Signature=abc&sig=x&keep=1',
    });
    expect(a['url.full']).toBe('https://example.com/f?X-Amz-Signature=REDACTED&sig=REDACTED&keep=1');
    expect(a['url.query']).toBe('X-Amz-Signature=REDACTED&sig=REDACTED&keep=1');
    expect(
      attributes('http_requests', {
        ClientRequestURI: 'https://user:pass@example.com/x',
        ClientRequestHost: 'e',
      })['url.full'],
    ).toBe('https://example.com/x');
    expect(
      attributes('firewall_events', {
        ClientRequestScheme: 'https',
        ClientRequestHost: 'example.com',
        ClientRequestPath: '/p',
        ClientRequestQuery: '?a=1',
      }),
    ).toMatchObject({ 'url.full': 'https://example.com/p?a=1', 'url.query': 'a=1' });
  });

  it('keeps ints as ints, floats as doubles, booleans as booleans and arrays homogeneous', () => {
    const a = attributes('http_requests', {
      BotScore: 82,
      EdgeResponseCompressionRatio: 1,
      CacheTieredFill: true,
      BotDetectionIDs: [1, 2],
      ContentScanObjSizes: [1, 2.5],
      BotTags: ['a', 3, null],
      ClientLatitude: '37.5',
    });
    expect(a).toEqual({
      'cloudflare.http_requests.bot_score': 82,
      'cloudflare.http_requests.edge_response_compression_ratio': new Double(1),
      'cloudflare.http_requests.cache_tiered_fill': true,
      'cloudflare.http_requests.bot_detection_ids': [1, 2],
      'cloudflare.http_requests.content_scan_obj_sizes': [new Double(1), new Double(2.5)],
      'cloudflare.http_requests.bot_tags': ['a', '3'],
      'geo.location.lat': new Double(37.5),
    });
  });

  it('flattens objects one level with a key cap, counting what it drops', () => {
    const entry = mapped(
      'firewall_events',
      { Metadata: { a: '1', b: '2', c: '3', nested: { x: 1 } } },
      { objectKeyLimit: 2 },
    );
    expect(entry.log?.attributes).toEqual({
      'cloudflare.firewall_events.metadata.a': '1',
      'cloudflare.firewall_events.metadata.b': '2',
    });
    expect(entry.log?.droppedAttributesCount).toBe(2);
    expect(
      attributes('firewall_events', { Metadata: { nested: { x: 1 } } })[
        'cloudflare.firewall_events.metadata.nested'
      ],
    ).toBe('{"x":1}');
  });

  it('writes custom headers as one-item string arrays under lower-cased names', () => {
    expect(
      attributes('http_requests', {
        RequestHeaders: { 'X-Forwarded-Proto': 'https' },
        ResponseHeaders: { 'cf-cache': 'HIT' },
      }),
    ).toEqual({
      'http.request.header.x-forwarded-proto': ['https'],
      'http.response.header.cf-cache': ['HIT'],
    });
  });

  it('leaves Cookies out unless asked', () => {
    expect(attributes('http_requests', { Cookies: { session: 'abc' } })).toEqual({});
    expect(attributes('http_requests', { Cookies: { session: 'abc' } }, { cookies: true })).toEqual({
      'cloudflare.http_requests.cookies.session': 'abc',
    });
  });

  it('keeps fields the schema does not know under the vendor prefix', () => {
    expect(attributes('http_requests', { BrandNewFieldMs: 5, WAFXYZScore: 1 })).toEqual({
      'cloudflare.http_requests.brand_new_field_ms': 5,
      'cloudflare.http_requests.waf_xyz_score': 1,
    });
  });

  it('writes integers beyond int64 as decimal text instead of wrapping', () => {
    expect(attributes('http_requests', { BotScore: 2n ** 64n })['cloudflare.http_requests.bot_score']).toBe(
      '18446744073709551616',
    );
  });

  it('copies processor attributes as they are, over a mapped value of the same key', () => {
    const entry = timedEntryOf('http_requests', { ClientCountry: 'us', ClientIP: '203.0.113.7' });
    entry.attributes = {
      'geo.country.iso_code': 'CA',
      'geo.location.lat': new Double(1.5),
      'user_agent.name': 'curl',
    };
    createMapper()(entry);
    expect(entry.log?.attributes).toEqual({
      'geo.country.iso_code': 'CA',
      'client.address': '203.0.113.7',
      'geo.location.lat': new Double(1.5),
      'user_agent.name': 'curl',
    });
  });

  it('drops a processor attribute that would collide with a mapped key in Loki, counting it', () => {
    const entry = timedEntryOf('http_requests', { EdgeColoCode: 'SJC' });
    entry.attributes = { 'cloudflare.colo_code': 'x', 'cloudflare.colo.city': 'San Jose' };
    createMapper()(entry);
    expect(entry.log?.attributes).toEqual({
      'cloudflare.colo.code': 'SJC',
      'cloudflare.colo.city': 'San Jose',
    });
    expect(entry.log?.droppedAttributesCount).toBe(1);
  });

  it('treats a __proto__ key as an ordinary attribute (no prototype change)', () => {
    const entry = timedEntryOf('http_requests', parseExact('{"RayID":"r","__proto__":"field"}'));
    entry.attributes = JSON.parse('{"__proto__":"processor"}') as LogEntry['attributes'];
    createMapper()(entry);
    const out = entry.log?.attributes ?? {};
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['cloudflare.ray_id', 'cloudflare.http_requests.proto', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('processor');
  });

  it('gives records with a repeated key sequence the same attributes, odd keys included', () => {
    const mapper = createMapper();
    const results = [1, 2, 3].map(() => {
      const entry = timedEntryOf('http_requests', parseExact('{"RayID":"r","__proto__":"field"}'));
      entry.attributes = JSON.parse(
        '{"__proto__":"processor","a\\"b\\\\c":1,"\\u2028x":2,"${x}":3}',
      ) as LogEntry['attributes'];
      mapper(entry);
      return entry.log?.attributes ?? {};
    });
    for (const out of results) {
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.keys(out)).toEqual([
        'cloudflare.ray_id',
        'cloudflare.http_requests.proto',
        '__proto__',
        'a"b\\c',
        '\u2028x',
        '${x}',
      ]);
      expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('processor');
      expect(out).toEqual(results[0]);
    }
  });

  it('maps other datasets by their reviewed tables: event name, semantic names, shared keys, summary', () => {
    const entry = mapped('gateway_http', {
      Datetime: 1700000000000000000n,
      SourceIP: '10.0.0.1',
      HTTPHost: 'example.com',
      HTTPMethod: 'GET',
      HTTPStatusCode: 200,
      URL: 'https://example.com/',
      UserAgent: 'curl/8',
      PolicyName: 'Allow all',
    });
    expect(entry.log?.eventName).toBe('cloudflare.gateway_http');
    expect(entry.log?.timeUnixNano).toBe(1700000000000000000n);
    expect(entry.log?.attributes).toEqual({
      'client.address': '10.0.0.1',
      'server.address': 'example.com',
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.full': 'https://example.com/',
      'user_agent.original': 'curl/8',
      'cloudflare.gateway.policy.name': 'Allow all',
    });
    expect([entry.log?.severityNumber, entry.log?.severityText]).toEqual([9, 'INFO']);
    expect(entry.log?.body).toBe('gateway http GET https://example.com/ 200 ip=10.0.0.1 policy=Allow all');
  });

  it('maps records of an unknown dataset under cloudflare.unknown', () => {
    const entry = mapped('unknown', { ClientIP: '203.0.113.7', Foo: 'bar' });
    expect(entry.log?.attributes).toEqual({
      'client.address': '203.0.113.7',
      'cloudflare.unknown.foo': 'bar',
    });
    expect(entry.log?.eventName).toBe('');
  });

  it('adds a deterministic log.record.uid only when asked', () => {
    expect(attributes('http_requests', { RayID: 'abc' })['log.record.uid']).toBeUndefined();
    expect(attributes('http_requests', { RayID: 'abc' }, { recordUid: true })['log.record.uid']).toBe('abc');
    expect(
      attributes('firewall_events', { RayID: 'abc', MatchIndex: 2, RuleID: 'r1' }, { recordUid: true })[
        'log.record.uid'
      ],
    ).toBe('abc:2:r1');
    const spectrum = { Application: 'a', ClientIP: '1.2.3.4', ClientPort: 5, Event: 'connect', Timestamp: 1 };
    const uid = attributes('spectrum_events', spectrum, { recordUid: true })['log.record.uid'];
    expect(uid).toMatch(/^[0-9a-f]{32}$/);
    expect(attributes('spectrum_events', spectrum, { recordUid: true })['log.record.uid']).toBe(uid);
  });
});

describe('body', () => {
  const record = parseExact(
    '{"ClientRequestMethod":"GET","ClientRequestHost":"example.com","ClientRequestPath":"/a","ClientRequestScheme":"https","ClientRequestURI":"/a?b=1","EdgeResponseStatus":200,"CacheCacheStatus":"hit","EdgeResponseBytes":5123,"EdgeColoCode":"SJC","RayID":"8f1c2d3e4a5b6c7d"}',
  );

  it('is a one-line summary by default', () => {
    expect(mapped('http_requests', record).log?.body).toBe(
      'GET https://example.com/a?b=1 200 cache=hit 5123B colo=SJC ray=8f1c2d3e4a5b6c7d',
    );
    expect(
      mapped('firewall_events', {
        Action: 'block',
        Source: 'waf',
        RuleID: 'r1',
        ClientRequestMethod: 'GET',
        ClientRequestHost: 'example.com',
        ClientRequestPath: '/wp-login.php',
        RayID: 'ray1',
      }).log?.body,
    ).toBe('block waf rule=r1 GET example.com/wp-login.php ray=ray1');
    expect(
      mapped('spectrum_events', {
        Event: 'disconnect',
        Status: 200,
        ClientProto: 'tcp',
        ClientIP: '203.0.113.7',
        ClientPort: 51234,
        OriginIP: '2001:db8::4',
        OriginPort: 22,
        Application: 'app1',
      }).log?.body,
    ).toBe('disconnect status=200 tcp 203.0.113.7:51234 -> [2001:db8::4]:22 app=app1');
  });

  it('leaves out the http_requests parts a record lacks, without stray spaces', () => {
    expect(mapped('http_requests', { EdgeResponseStatus: 0, RayID: 'r1' }).log?.body).toBe('ray=r1');
    expect(
      mapped('http_requests', { ClientRequestHost: 'example.com', EdgeResponseBytes: 0 }).log?.body,
    ).toBe('example.com 0B');
    expect(mapped('http_requests', { ClientRequestMethod: 'PUT', EdgeResponseStatus: 404 }).log?.body).toBe(
      'PUT 404',
    );
    expect(mapped('http_requests', { EdgeColoCode: 'SJC' }).log?.body).toBe('colo=SJC');
  });

  it('is the original line in original mode and the record in map mode', () => {
    const entry = entryOf('http_requests', record, '{"raw":"line"}');
    createMapper({ body: 'original' })(entry);
    expect(entry.log?.body).toBe('{"raw":"line"}');
    expect(mapped('http_requests', record, { body: 'map' }).log?.body).toEqual(record);
  });
});

describe('event name and resource', () => {
  it('sets the dataset event name', () => {
    expect(mapped('http_requests', {}).log?.eventName).toBe('cloudflare.http_request');
    expect(mapped('firewall_events', {}).log?.eventName).toBe('cloudflare.firewall_event');
    expect(mapped('spectrum_events', {}).log?.eventName).toBe('cloudflare.spectrum_event');
    expect(mapped('firewall_events@account', {}).log?.eventName).toBe('cloudflare.firewall_event');
  });

  it('puts service, provider, dataset and zone in the resource, never per-request values', () => {
    const entry = mapped('http_requests', {
      ZoneName: 'example.com',
      EdgeColoCode: 'SJC',
      ClientIP: '203.0.113.7',
    });
    expect(entry.resource?.attributes).toEqual({
      'service.name': 'cloudflare',
      'cloud.provider': 'cloudflare',
      'cloudflare.dataset': 'http_requests',
      'cloudflare.zone.name': 'example.com',
    });
    expect(entry.log?.attributes['cloudflare.zone.name']).toBeUndefined();
    expect(mapped('http_requests', { ZoneID: 1234567 }).resource?.attributes['cloudflare.zone.id']).toBe(
      '1234567',
    );
  });

  it('shares one resource object per attribute set, and takes the service name and extra attributes', () => {
    const map = createMapper({
      serviceName: 'edge',
      resourceAttributes: { 'deployment.environment.name': 'prod' },
    });
    const a = entryOf('http_requests', { ZoneName: 'a.example' });
    const b = entryOf('http_requests', { ZoneName: 'a.example' });
    const c = entryOf('http_requests', { ZoneName: 'b.example' });
    for (const e of [a, b, c]) map(e);
    expect(a.resource).toBe(b.resource);
    expect(a.resource?.key).not.toBe(c.resource?.key);
    expect(a.resource?.attributes).toEqual({
      'service.name': 'edge',
      'cloud.provider': 'cloudflare',
      'deployment.environment.name': 'prod',
      'cloudflare.dataset': 'http_requests',
      'cloudflare.zone.name': 'a.example',
    });
    expect(
      mapped('http_requests', {}, { resourceAttributes: { 'service.name': 'env-name' } }).resource
        ?.attributes['service.name'],
    ).toBe('env-name');
  });
});

describe('attribute budget', () => {
  const record: LogpushRecord = {
    RayID: 'ray',
    EdgeResponseStatus: 503,
    ClientIP: '203.0.113.7',
    ClientRequestHost: 'example.com',
    BotScore: 1,
    WAFAttackScore: 2,
    ClientCountry: 'us',
    RequestHeaders: { a: '1', b: '2' },
    WAFProfile: 'high',
    NotInSchema: 'x',
  };

  it('keeps the most important attributes in their order and counts the rest as dropped', () => {
    const entry = timedEntryOf('http_requests', record);
    entry.attributes = { 'user_agent.name': 'curl' };
    createMapper({ attributeLimit: 6 })(entry);
    expect(Object.keys(entry.log?.attributes ?? {})).toEqual([
      'cloudflare.ray_id',
      'http.response.status_code',
      'client.address',
      'server.address',
      'geo.country.iso_code',
      'error.type',
    ]);
    expect(entry.log?.droppedAttributesCount).toBe(7);
  });

  it('keeps processor attributes before vendor keys', () => {
    const entry = entryOf('http_requests', record);
    entry.attributes = { 'user_agent.name': 'curl' };
    createMapper({ attributeLimit: 7 })(entry);
    expect(Object.keys(entry.log?.attributes ?? {})).toContain('user_agent.name');
    expect(Object.keys(entry.log?.attributes ?? {})).not.toContain('cloudflare.http_requests.bot_score');
  });

  it('drops nothing under the limit', () => {
    const entry = mapped('http_requests', record);
    expect(entry.log?.droppedAttributesCount).toBe(0);
    expect(Object.keys(entry.log?.attributes ?? {})).toHaveLength(12);
  });
});

describe('profiles', () => {
  it('loki: lowers the default budget to 110', () => {
    const record: LogpushRecord = {};
    for (let i = 0; i < 130; i++) record[`Field${i}`] = i;
    expect(Object.keys(mapped('http_requests', record).log?.attributes ?? {})).toHaveLength(120);
    const loki = mapped('http_requests', record, { profile: 'loki' });
    expect(Object.keys(loki.log?.attributes ?? {})).toHaveLength(110);
    expect(loki.log?.droppedAttributesCount).toBe(20);
  });

  it('datadog: emits no attribute named like a Datadog reserved attribute', () => {
    const entry = entryOf('spectrum_events', { Status: 200, Event: 'connect' });
    entry.attributes = { status: 'x', Message: 'y', service: 'z', 'host.name': 'ok' };
    createMapper({ profile: 'datadog' })(entry);
    const keys = Object.keys(entry.log?.attributes ?? {});
    for (const reserved of ['status', 'level', 'message', 'service', 'host']) {
      expect(keys.map((k) => k.toLowerCase())).not.toContain(reserved);
    }
    expect(keys).toContain('cloudflare.status');
    expect(keys).toContain('host.name');
  });

  it("datadog-raw: keeps Cloudflare's field names with source=cloudflare, renaming reserved ones", () => {
    const entry = mapped(
      'spectrum_events',
      {
        Timestamp: 1700000000000000000n,
        Status: 403,
        Event: 'clientFiltered',
        ClientIP: '203.0.113.7',
        Empty: '',
      },
      { profile: 'datadog-raw' },
    );
    expect(entry.log?.attributes).toEqual({
      Timestamp: 1700000000000000000n,
      'cloudflare.Status': 403,
      Event: 'clientFiltered',
      ClientIP: '203.0.113.7',
      'error.type': '403',
      source: 'cloudflare',
    });
    expect(entry.log?.severityText).toBe('WARN');
    expect(entry.resource?.attributes['cloudflare.dataset']).toBe('spectrum_events');
  });

  it('rejects unknown options with a message saying what is allowed', () => {
    expect(() => createMapper({ profile: 'splunk' as 'loki' })).toThrow(
      /profile must be one of default, loki, datadog, datadog-raw/,
    );
    expect(() => createMapper({ body: 'json' as 'map' })).toThrow(
      /body must be one of summary, original, map/,
    );
    expect(() => createMapper({ attributeLimit: -1 })).toThrow(
      /attributeLimit must be a non-negative integer/,
    );
  });
});
