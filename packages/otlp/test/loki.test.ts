import type { JsonValue, LogpushRecord } from '@logpush-otel/pipeline';
import { datasetIds, getDataset } from '@logpush-otel/schema';
import type { FieldSchema } from '@logpush-otel/schema';
import { describe, expect, it } from 'vitest';
import { createMapper, lokiNormalise } from '../src/index.ts';
import { snakeCase } from '../src/keys.ts';
import { entryOf } from './helpers.ts';

function sampleValue(field: FieldSchema, i: number): JsonValue {
  switch (field.type) {
    case 'int':
      return 1000 + i;
    case 'float':
      return 0.5 + i;
    case 'bool':
      return i % 2 === 0;
    case 'int or string':
      return 1700000000123456789n + BigInt(i);
    case 'array[string]':
      return [`a${i}`, `b${i}`];
    case 'array[int]':
      return [i, i + 1];
    case 'array[object]':
      return [{ k: `v${i}` }];
    case 'object':
      // Keys that collide after Loki's normalisation, and one that mimics a table key.
      return { 'x-one': 'a', x_one: 'b', 'X.One': 'c', plain: 'd' };
    default:
      return (
        field.enum?.find((e) => e !== '' && e !== 'none' && e !== 'unknown') ?? `value-${field.name}-${i}`
      );
  }
}

/** A record with every field of the dataset set (plus an unknown one). */
function fullRecord(id: string): LogpushRecord {
  const record: LogpushRecord = {};
  getDataset(id)?.fields.forEach((f, i) => {
    record[f.name] = sampleValue(f, i);
  });
  record.SomeFutureField = 'drift';
  record.Some_Future_Field = 'drift again';
  return record;
}

describe("Loki's key normalisation", () => {
  it('normalises like Loki: other characters to _, runs collapsed, leading digit prefixed', () => {
    expect(lokiNormalise('http.response.status_code')).toBe('http_response_status_code');
    expect(lokiNormalise('http.request.header.x-requested-with')).toBe(
      'http_request_header_x_requested_with',
    );
    expect(lokiNormalise('a..b__c')).toBe('a_b_c');
    expect(lokiNormalise('1abc')).toBe('key_1abc');
  });

  it.each(datasetIds.map((id) => [id]))(
    'keeps every attribute key of %s distinct after normalisation',
    (id) => {
      const entry = entryOf(id, fullRecord(id));
      entry.attributes = { 'geo.country.iso_code': 'US', 'user_agent.name': 'Firefox', client_address: 'x' };
      createMapper({ attributeLimit: 10_000, objectKeyLimit: 100, recordUid: true, cookies: true })(entry);
      const keys = [
        ...Object.keys(entry.log?.attributes ?? {}),
        ...Object.keys(entry.resource?.attributes ?? {}),
      ];
      expect(keys.length).toBeGreaterThan(3);
      const seen = new Map<string, string>();
      for (const key of keys) {
        const normalised = lokiNormalise(key);
        expect(seen.get(normalised), `${key} collides with ${seen.get(normalised) ?? ''}`).toBeUndefined();
        seen.set(normalised, key);
      }
    },
  );
});

describe('snakeCase', () => {
  it.each([
    ['ClientTCPRTTMs', 'client_tcp_rtt_ms'],
    ['WAFRCEAttackScore', 'waf_rce_attack_score'],
    ['WAFSQLiAttackScore', 'waf_sqli_attack_score'],
    ['EdgeCFConnectingO2O', 'edge_cf_connecting_o2o'],
    ['IpFirewall', 'ip_firewall'],
    ['ClientIPClass', 'client_ip_class'],
    ['BotDetectionIDs', 'bot_detection_ids'],
    ['JA4Signals', 'ja4_signals'],
    ['ClientMTLSAuthCertFingerprint', 'client_mtls_auth_cert_fingerprint'],
    ['AISecurityPIICategories', 'ai_security_pii_categories'],
    ['ISPIPv4ASN', 'isp_ipv4_asn'],
    ['WorkerWallTimeUs', 'worker_wall_time_us'],
    ['UserAgent', 'user_agent'],
    ['timestampStartNanos', 'timestamp_start_nanos'],
    ['ClientTlsClientHelloServerName', 'client_tls_client_hello_server_name'],
  ])('writes %s as %s', (field, expected) => {
    expect(snakeCase(field)).toBe(expected);
  });
});
