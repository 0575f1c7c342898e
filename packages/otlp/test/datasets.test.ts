// The reviewed tables of every dataset: each catalogue field has a deliberate decision, every dataset has a
// severity rule or a documented reason for none, summaries and resources behave, and the fixture measurements
// meet the targets (at least 90% semantic coverage and severity coverage across the non-seed datasets).
import type { LogpushRecord } from '@logpush-otel/pipeline';
import { datasetIds, getDataset } from '@logpush-otel/schema';
import { describe, expect, it } from 'vitest';
import { createMapper, lokiNormalise } from '../src/index.ts';
import { compileDataset } from '../src/compile.ts';
import { datasetTables } from '../src/tables/index.ts';
import { partsSummary } from '../src/summary.ts';
import { severityFromTable } from '../src/severity.ts';
import { NON_SEED_IDS, coverage, datasetCounts, fixtureEntries } from '../scripts/mapping-measure.ts';
import { entryOf } from './helpers.ts';

const tableOf = (id: string) => {
  const datasetId = getDataset(id)?.datasetId ?? id;
  const table = datasetTables[datasetId];
  if (table === undefined) throw new Error(`no table for ${id}`);
  return table;
};

describe('reviewed tables', () => {
  it('cover the 39 datasets of the catalogue', () => {
    expect(datasetIds).toHaveLength(39);
    for (const id of datasetIds) expect(() => tableOf(id), id).not.toThrow();
  });

  it.each(datasetIds.map((id) => [id]))('give every catalogue field of %s a row of its own', (id) => {
    const schema = getDataset(id);
    const rows = new Map(tableOf(id).fields.map((f) => [f.field, f]));
    const missing = (schema?.fields ?? []).filter((f) => !rows.has(f.name)).map((f) => f.name);
    expect(missing, `fields of ${id} without a decision`).toEqual([]);
    // The event time row is the schema's event time; a dropped field always says why.
    expect(rows.get(schema?.timestampField ?? '')?.kind).toBe('time');
    for (const row of rows.values()) {
      if (row.kind === 'dropped') expect(row.notes ?? '', `${id}.${row.field}`).not.toBe('');
    }
  });

  it('list each field once per table', () => {
    for (const table of Object.values(datasetTables)) {
      const names = table.fields.map((f) => f.field);
      expect(
        names.filter((n, i) => names.indexOf(n) !== i),
        table.datasetId,
      ).toEqual([]);
    }
  });

  it('give every non-seed dataset a severity rule or the reason it has none, and a summary', () => {
    for (const id of NON_SEED_IDS.filter((d) => !['firewall_events@account'].includes(d))) {
      const table = tableOf(id);
      expect(table.severity !== undefined || (table.noSeverity ?? '') !== '', id).toBe(true);
      expect(table.summary?.length ?? 0, id).toBeGreaterThan(1);
      for (const c of table.severity?.cases ?? []) {
        expect(c.severity, `${id} ${c.field}`).toBeGreaterThanOrEqual(1);
        expect(c.severity, `${id} ${c.field}`).toBeLessThanOrEqual(24);
        expect(getDataset(id)?.fieldsByName.has(c.field) === true || id.includes('websocket'), c.field).toBe(
          true,
        );
      }
    }
  });

  it('map the fields security teams query to the semantic-convention keys', () => {
    const key = (id: string, field: string): string | undefined => compileDataset(id).rules.get(field)?.key;
    expect(key('access_requests', 'Email')).toBe('user.email');
    expect(key('access_requests', 'IPAddress')).toBe('client.address');
    expect(key('audit_logs', 'ActorEmail')).toBe('user.email');
    expect(key('audit_logs', 'ActorIP')).toBe('client.address');
    expect(key('dns_logs', 'QueryName')).toBe('dns.question.name');
    expect(key('gateway_dns', 'QueryName')).toBe('dns.question.name');
    expect(key('dns_firewall_logs', 'QueryName')).toBe('dns.question.name');
    // A request has a client; a flow or a packet has a source.
    expect(key('gateway_http', 'SourceIP')).toBe('client.address');
    expect(key('gateway_network', 'SourceIP')).toBe('source.address');
    expect(key('gateway_network', 'DestinationPort')).toBe('destination.port');
    expect(key('network_analytics_logs', 'IPSourceAddress')).toBe('source.address');
    expect(key('zero_trust_network_sessions', 'ClientTLSVersion')).toBe('tls.protocol');
    expect(key('workers_trace_events', 'ScriptName')).toBe('faas.name');
  });
});

describe('severity rule tables', () => {
  const severity = (id: string, record: LogpushRecord): [number, string, unknown] => {
    const entry = entryOf(id, record);
    createMapper()(entry);
    return [
      entry.log?.severityNumber ?? 0,
      entry.log?.severityText ?? '',
      entry.log?.attributes['error.type'],
    ];
  };

  it.each([
    ['access_requests', { Allowed: false }, 13, 'WARN', 'access_denied'],
    ['access_requests', { Allowed: true }, 9, 'INFO', undefined],
    ['audit_logs', { ActionResult: false }, 13, 'WARN', 'action_failed'],
    ['gateway_http', { Action: 'block', HTTPStatusCode: 403 }, 15, 'WARN', 'blocked'],
    ['gateway_dns', { ResolverDecision: 'blockedByCategory' }, 15, 'WARN', 'blockedByCategory'],
    ['gateway_dns', { ResolverDecision: 'overrideForSafeSearch' }, 13, 'WARN', undefined],
    ['gateway_network', { Action: 'override' }, 13, 'WARN', undefined],
    ['casb_findings', { FindingTypeSeverity: 'Critical' }, 18, 'ERROR', undefined],
    ['casb_findings', { FindingTypeSeverity: 'Medium' }, 13, 'WARN', undefined],
    ['casb_findings', { FindingTypeSeverity: 'Low' }, 9, 'INFO', undefined],
    ['nel_reports', { Type: 'tcp.timed_out' }, 17, 'ERROR', 'tcp.timed_out'],
    ['nel_reports', { Type: 'http.error' }, 13, 'WARN', 'http.error'],
    ['nel_reports', { Type: 'ok' }, 9, 'INFO', undefined],
    ['workers_trace_events', { Outcome: 'exceededCpu' }, 17, 'ERROR', 'exceededCpu'],
    [
      'workers_trace_events',
      { Outcome: 'ok', Exceptions: [{ name: 'Error', message: 'x' }] },
      17,
      'ERROR',
      'exception',
    ],
    ['workers_trace_events', { Outcome: 'ok', Exceptions: [] }, 9, 'INFO', undefined],
    ['email_security_alerts', { FinalDisposition: 'MALICIOUS' }, 17, 'ERROR', 'MALICIOUS'],
    ['email_security_alerts', { FinalDisposition: 'SPAM' }, 13, 'WARN', 'SPAM'],
    ['email_security_alerts', { FinalDisposition: 'BULK' }, 9, 'INFO', undefined],
    ['network_analytics_logs', { Outcome: 'drop' }, 15, 'WARN', 'drop'],
    ['magic_ids_detections', { Action: 'pass', SignatureID: 1 }, 13, 'WARN', undefined],
    ['ipsec_logs', { Level: 'debug' }, 5, 'DEBUG', undefined],
    ['dns_logs', { ResponseCode: 2 }, 17, 'ERROR', 'SERVFAIL'],
    ['dns_logs', { ResponseCode: 3 }, 9, 'INFO', undefined],
  ] as const)('%s %j → %i %s', (id, record, n, text, errorType) => {
    expect(severity(id, record as LogpushRecord)).toEqual([n, text, errorType]);
  });

  it('leaves records without an outcome field, and datasets without an outcome, unspecified', () => {
    expect(severity('access_requests', { Email: 'a@example.com' })).toEqual([0, '', undefined]);
    expect(severity('mnm_flow_logs', { SourceAddress: '192.0.2.1' })).toEqual([0, '', undefined]);
    expect(severity('warp_toggle_changes', { Toggled: false })).toEqual([0, '', undefined]);
  });

  it('matches strings case-insensitively and numbers in either form', () => {
    const table = tableOf('dns_firewall_logs').severity;
    if (table === undefined) throw new Error('no severity');
    expect(severityFromTable(table, { ClientResponseCode: '2' }).number).toBe(17);
    expect(severityFromTable(table, { ClientResponseCode: 2n }).number).toBe(17);
    const email = tableOf('email_security_alerts').severity;
    if (email === undefined) throw new Error('no severity');
    expect(severityFromTable(email, { FinalDisposition: 'Malicious' }).number).toBe(17);
  });
});

describe('summary bodies', () => {
  it('read like a sentence and skip absent fields', () => {
    const body = (id: string, record: LogpushRecord): unknown => {
      const entry = entryOf(id, record);
      createMapper()(entry);
      return entry.log?.body;
    };
    expect(
      body('access_requests', {
        Action: 'login',
        Allowed: false,
        Email: 'user@example.com',
        AppDomain: 'wiki.example.com',
        IPAddress: '203.0.113.9',
      }),
    ).toBe('access login denied user@example.com app=wiki.example.com ip=203.0.113.9');
    expect(body('access_requests', { Action: 'logout' })).toBe('access logout');
    expect(partsSummary(['flow', { field: 'A' }, '->', { field: 'B' }], { B: 'x' })).toBe('flow x');
    expect(partsSummary(['flow', { field: 'A' }, '->', { field: 'B' }], { A: 'a', B: 'b' })).toBe(
      'flow a -> b',
    );
  });
});

describe('resource', () => {
  const allowed = new Set([
    'service.name',
    'cloud.provider',
    'cloudflare.dataset',
    'cloudflare.account.id',
    'cloudflare.zone.name',
    'cloudflare.zone.id',
  ]);

  it.each(datasetIds.map((id) => [id]))('of %s holds only low-cardinality keys', (id) => {
    const map = createMapper();
    const resources = new Set<string>();
    const entries = fixtureEntries(id);
    for (const entry of entries) {
      map(entry);
      for (const key of Object.keys(entry.resource?.attributes ?? {})) expect(allowed, key).toContain(key);
      resources.add(entry.resource?.key ?? '');
    }
    // One resource per account/zone, never one per record.
    expect(resources.size).toBeLessThanOrEqual(2);
    expect(entries.length).toBeGreaterThan(resources.size);
  });

  it('puts the account id of account datasets on the resource, not on the record', () => {
    const entry = entryOf('gateway_dns', { AccountID: 'acc1', QueryName: 'example.com' });
    createMapper()(entry);
    expect(entry.resource?.attributes['cloudflare.account.id']).toBe('acc1');
    expect(Object.keys(entry.log?.attributes ?? {})).not.toContain('cloudflare.account.id');
  });
});

describe('attribute budget, every dataset', () => {
  /** A record with every field of the dataset set, objects with 40 keys. */
  const fullRecord = (id: string): LogpushRecord => {
    const record: LogpushRecord = {};
    const base = fixtureEntries(id)[0]?.record ?? {};
    for (const f of getDataset(id)?.fields ?? []) {
      if (f.type === 'object') {
        const o: Record<string, string> = {};
        for (let i = 0; i < 40; i++) o[`k${i}`] = `v${i}`;
        record[f.name] = o;
      } else record[f.name] = base[f.name] ?? (f.type === 'int' ? 7 : f.type === 'bool' ? true : 'x');
    }
    return record;
  };

  it.each(datasetIds.map((id) => [id]))(
    'keeps %s under the Loki budget with its core attributes, and keys distinct for Loki',
    (id) => {
      const entry = entryOf(id, fullRecord(id));
      createMapper({ profile: 'loki' })(entry);
      const keys = Object.keys(entry.log?.attributes ?? {});
      expect(keys.length).toBeLessThanOrEqual(110);
      const resourceKeys = Object.keys(entry.resource?.attributes ?? {}).filter((k) => k !== 'service.name');
      // Structured metadata: attributes, non-label resource attributes, and at most 8 LogRecord fields.
      expect(keys.length + resourceKeys.length + 8).toBeLessThanOrEqual(128);
      const compiled = compileDataset(id);
      for (const [key, priority] of compiled.keyPriority) {
        const rule = [...compiled.rules.values()].find((r) => r.keys.includes(key));
        const value = rule === undefined ? undefined : entry.record[rule.field];
        const present =
          value !== undefined && value !== null && value !== '' && rule?.drop?.has(value) !== true;
        if (priority === 0 && rule !== undefined && rule.keys[0] === key && present && !rule.legacy)
          expect(keys, `${id}: core key ${key}`).toContain(key);
      }
      const normalised = new Set(keys.map(lokiNormalise));
      expect(normalised.size).toBe(keys.length);
    },
  );

  it('reports the per-dataset decision counts consistently with the catalogue', () => {
    for (const id of datasetIds) {
      const c = datasetCounts(id);
      expect(c.semantic + c.cloudflare + c.resource + c.dropped + c.time, id).toBe(c.fields);
      expect(c.time, id).toBe(1);
    }
  });
});

describe('fixture measurements', () => {
  it('put at least 90% of the fields with a semantic counterpart under a semantic key (non-seed datasets)', () => {
    const c = coverage(NON_SEED_IDS);
    expect(c.candidates).toBeGreaterThan(300);
    expect(c.semantic / c.candidates).toBeGreaterThanOrEqual(0.9);
  });

  it('give at least 90% of the records of datasets with an outcome a severity (non-seed datasets)', () => {
    const c = coverage(NON_SEED_IDS);
    expect(c.outcomeRecords).toBeGreaterThan(80);
    expect(c.withSeverity / c.outcomeRecords).toBeGreaterThanOrEqual(0.9);
  });

  it('have several records with different outcomes for every dataset with a severity rule', () => {
    for (const id of NON_SEED_IDS) {
      const entries = fixtureEntries(id);
      expect(entries.length, id).toBeGreaterThanOrEqual(2);
      if (tableOf(id).severity === undefined) continue;
      const map = createMapper();
      const severities = new Set(
        entries.map((e) => {
          map(e);
          return e.log?.severityNumber;
        }),
      );
      // Datasets whose every record is a finding (a violation report, a DLP match, a sinkhole hit) have one band.
      const everyRecordIsAFinding = [
        'page_shield_events',
        'dlp_forensic_copies',
        'sinkhole_http_logs',
      ].includes(id);
      if (!everyRecordIsAFinding) expect(severities.size, id).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('workers_trace_events derivation', () => {
  it('reads the trigger, version, first exception and fetch request from the nested objects', () => {
    const entry = entryOf('workers_trace_events', {
      EventTimestampMs: 1764755400000,
      EventType: 'fetch',
      Outcome: 'exception',
      ScriptName: 'api',
      ScriptVersion: { id: 'v-1' },
      Exceptions: [
        { name: 'TypeError', message: 'x is undefined' },
        { name: 'Error', message: 'second' },
      ],
      Event: {
        request: { url: 'https://a.example/p?sig=abc&q=1', method: 'PURGE' },
        response: { status: 500 },
      },
    });
    createMapper()(entry);
    const a = entry.log?.attributes ?? {};
    expect(a['faas.name']).toBe('api');
    expect(a['faas.trigger']).toBe('http');
    expect(a['faas.version']).toBe('v-1');
    expect([a['exception.type'], a['exception.message']]).toEqual(['TypeError', 'x is undefined']);
    expect([a['http.request.method'], a['http.request.method_original']]).toEqual(['_OTHER', 'PURGE']);
    expect(a['url.full']).toBe('https://a.example/p?sig=REDACTED&q=1');
    expect(a['http.response.status_code']).toBe(500);
    expect([entry.log?.severityText, a['error.type']]).toEqual(['ERROR', 'exception']);
  });

  it('maps other triggers and leaves request attributes out when there is no request', () => {
    const entry = entryOf('workers_trace_events', {
      EventType: 'queue',
      Outcome: 'ok',
      Event: { queue: 'q' },
    });
    createMapper()(entry);
    const a = entry.log?.attributes ?? {};
    expect(a['faas.trigger']).toBe('pubsub');
    expect(a['url.full']).toBeUndefined();
    expect(a['exception.type']).toBeUndefined();
    expect(entry.log?.severityText).toBe('INFO');
  });
});
