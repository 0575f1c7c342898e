import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FieldType, HttpRequestsRecord, SpectrumEventsRecord } from '../src/index.ts';
import { datasetIds, datasets, getDataset } from '../src/index.ts';

const catalogPath = fileURLToPath(new URL('../data/datasets.json', import.meta.url));
const catalog = JSON.parse(readFileSync(catalogPath, 'utf8')) as Record<
  string,
  { fieldCount: number; fields: { name: string; type: string }[]; timestampField: string }
>;
const seedColumns = JSON.parse(
  readFileSync(new URL('fixtures/panther-seed-columns.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, string>>;

const pantherTypes: Record<string, FieldType> = {
  string: 'string',
  bigint: 'int',
  smallint: 'int',
  int: 'int',
  boolean: 'bool',
  float: 'float',
  timestamp: 'int or string',
  '[string]': 'array[string]',
  '{string:string}': 'object',
};

describe('datasets', () => {
  it('has every dataset of datasets.json with all its fields and types', () => {
    expect([...datasetIds].sort()).toEqual(Object.keys(catalog).sort());
    for (const [id, entry] of Object.entries(catalog)) {
      const schema = datasets[id];
      expect(schema, id).toBeDefined();
      expect(entry.fields.length).toBe(entry.fieldCount);
      for (const f of entry.fields)
        expect(schema?.fieldsByName.get(f.name)?.type, `${id}.${f.name}`).toBe(f.type);
      expect(schema?.timestampField).toBe(entry.timestampField);
    }
  });

  it('knows every column of the three Panther seed tables with its type', () => {
    expect(Object.keys(seedColumns).sort()).toEqual([
      'Cloudflare.Firewall',
      'Cloudflare.HttpRequest',
      'Cloudflare.Spectrum',
    ]);
    let checked = 0;
    for (const [alias, columns] of Object.entries(seedColumns)) {
      const schema = getDataset(alias);
      expect(schema, alias).toBeDefined();
      for (const [name, pantherType] of Object.entries(columns)) {
        const field = schema?.fieldsByName.get(name);
        expect(field, `${alias}.${name}`).toBeDefined();
        const expected = pantherTypes[pantherType];
        // Cloudflare types OriginResponseHTTPExpires/LastModified as RFC 1123 strings where Panther says timestamp.
        if (field?.type === 'string' && expected === 'int or string') continue;
        expect(field?.type, `${alias}.${name}`).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(28 + 61 + 31 - 2);
  });

  it('marks the seed-only http_requests columns legacy, with their successors where Cloudflare names one', () => {
    const http = getDataset('http_requests');
    const legacy = http?.fields.filter((f) => f.legacy).map((f) => f.name);
    expect(legacy).toEqual([
      'EdgeRateLimitAction',
      'EdgeRateLimitID',
      'FirewallMatchesActions',
      'FirewallMatchesRuleIDs',
      'FirewallMatchesSources',
      'SecurityLevel',
      'WAFAction',
      'WAFProfile',
      'WAFRuleID',
      'WAFRuleMessage',
      'ZoneID',
    ]);
    expect(http?.fieldsByName.get('FirewallMatchesActions')).toMatchObject({
      type: 'array[string]',
      legacy: true,
      replacedBy: 'SecurityActions',
    });
    expect(http?.fieldsByName.get('ZoneID')).toEqual({ name: 'ZoneID', type: 'int', legacy: true });
    expect(http?.fieldsByName.get('WAFProfile')?.enum).toEqual(['low', 'med', 'high']);
  });

  it('keeps Panther’s spectrum ClientASN as a legacy spelling of ClientAsn', () => {
    expect(getDataset('spectrum_events')?.fieldsByName.get('ClientASN')).toEqual({
      name: 'ClientASN',
      type: 'int',
      legacy: true,
      replacedBy: 'ClientAsn',
    });
  });

  it('adds the old ClientIPClass values as legacy enum values', () => {
    for (const id of ['http_requests', 'firewall_events']) {
      const f = getDataset(id)?.fieldsByName.get('ClientIPClass');
      expect(f?.legacyEnum).toEqual([
        'clean',
        'whitelist',
        'greylist',
        'securityScanner',
        'backupService',
        'mobilePlatform',
      ]);
      expect(f?.enum).toContain('allowlist');
      expect(f?.enum).toContain('whitelist');
    }
  });

  it('keeps Cloudflare deprecations and units', () => {
    const f = getDataset('http_requests')?.fieldsByName.get('OriginResponseTime');
    expect(f).toMatchObject({
      unit: 'nanoseconds',
      deprecated: true,
      replacedBy: 'OriginResponseDurationMs',
    });
    expect(f?.legacy).toBeUndefined();
    expect(getDataset('websocket_analytics@account')?.fieldsByName.get('timestampStartNanos')).toMatchObject({
      type: 'int',
      epoch: true,
      unit: 'nanoseconds',
    });
  });

  it('keeps fields in Cloudflare’s case-sensitive alphabetical order, legacy fields included', () => {
    for (const d of Object.values(datasets)) {
      const names = d.fields.map((f) => f.name);
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(d.fieldsByName.size).toBe(names.length);
    }
  });

  it('names events cloudflare.<singular dataset id>, account variants like their zone twin', () => {
    const names = Object.fromEntries(Object.values(datasets).map((d) => [d.id, d.eventName]));
    expect(names).toMatchObject({
      http_requests: 'cloudflare.http_request',
      firewall_events: 'cloudflare.firewall_event',
      'firewall_events@account': 'cloudflare.firewall_event',
      spectrum_events: 'cloudflare.spectrum_event',
      dns_logs: 'cloudflare.dns_log',
      gateway_http: 'cloudflare.gateway_http',
      gateway_dns: 'cloudflare.gateway_dns',
      audit_logs: 'cloudflare.audit_log',
      audit_logs_v2: 'cloudflare.audit_log_v2',
      dlp_forensic_copies: 'cloudflare.dlp_forensic_copy',
      websocket_analytics: 'cloudflare.websocket_analytics',
      'websocket_analytics@account': 'cloudflare.websocket_analytics',
    });
  });

  it('accepts the Panther log-type names as aliases', () => {
    expect(getDataset('Cloudflare.HttpRequest')?.id).toBe('http_requests');
    expect(getDataset('Cloudflare.Firewall')?.id).toBe('firewall_events');
    expect(getDataset('Cloudflare.Spectrum')?.id).toBe('spectrum_events');
    expect(getDataset('firewall_events@account')?.scope).toBe('account');
    expect(getDataset('nope')).toBeUndefined();
    expect(getDataset('constructor')).toBeUndefined();
  });

  it('types generated records from the Cloudflare types', () => {
    const r: HttpRequestsRecord = {
      EdgeStartTimestamp: 1_700_000_000_123_456_789n,
      EdgeEndTimestamp: '2023-11-14T22:13:20Z',
      ClientIP: '192.0.2.1',
      SecurityRuleIDs: ['a'],
      BotDetectionIDs: [1, 2n],
      RequestHeaders: { 'user-agent': 'x' },
      FirewallMatchesActions: ['simulate'],
      ZoneID: 42,
    };
    const s: SpectrumEventsRecord = { ClientAsn: 13335, IpFirewall: true };
    expect(Object.keys(r)).toHaveLength(8);
    expect(s.ClientAsn).toBe(13335);
  });
});
