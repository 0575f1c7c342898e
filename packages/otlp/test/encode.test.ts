import { Double } from '@logpush-otel/pipeline';
import type { LogEntry } from '@logpush-otel/pipeline';
import {
  decodeExportLogsRequest,
  encodeOtlpMessage,
  loadOtlpProtos,
} from '@logpush-otel/testdata/otlp-proto';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createMapper,
  decodeExportLogsResponse,
  defaultScope,
  encodeLogsJson,
  encodeLogsProto,
} from '../src/index.ts';
import {
  OBSERVED,
  FIXTURE_DATASETS,
  SEED_DATASETS,
  entryOf,
  fixtureEntries,
  toReadableLogRecords,
  withoutIntegralDoubles,
} from './helpers.ts';

beforeAll(async () => {
  await loadOtlpProtos();
});

/** The mapped fixture records of every dataset (or of the given ones). */
function mappedFixtures(datasets: readonly string[] = FIXTURE_DATASETS): LogEntry[] {
  const map = createMapper();
  const entries = datasets.flatMap((d) => fixtureEntries(d));
  for (const e of entries) map(e);
  return entries;
}

/** OTLP/JSON of the official serializer with int64 as strings and zero defaults omitted, like ours. */
function normaliseOfficialJson(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normaliseOfficialJson(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'droppedAttributesCount' && v === 0) continue;
      out[k] = normaliseOfficialJson(v, k);
    }
    return out;
  }
  if (key === 'intValue' && typeof value === 'number') return String(value);
  return value;
}

describe('encodeLogsProto', () => {
  it('writes the same bytes as the official OpenTelemetry protobuf serializer', () => {
    const entries = withoutIntegralDoubles(mappedFixtures());
    const ours = encodeLogsProto(entries);
    const official = ProtobufLogsSerializer.serializeRequest(toReadableLogRecords(entries, defaultScope));
    expect(official).toBeDefined();
    expect(Buffer.from(ours).equals(Buffer.from(official ?? new Uint8Array()))).toBe(true);
  });

  it('writes long strings whose UTF-8 length needs a longer varint than their length as the official one', () => {
    const entry = entryOf('http_requests', { EdgeStartTimestamp: 1700000000123456789n, RayID: 'r' });
    createMapper()(entry);
    if (entry.log === undefined) throw new Error('not mapped');
    const attributes: Record<string, string> = {};
    for (const n of [43, 60, 64, 100, 127, 128, 200, 5461, 5462, 16383, 16384]) {
      attributes[`ascii${n}`] = 'a'.repeat(n);
      attributes[`two${n}`] = 'é'.repeat(n);
      attributes[`three${n}`] = '東'.repeat(n);
      attributes[`mixed${n}`] = 'a'.repeat(n - 1) + '🚀';
      attributes[`lone${n}`] = '\ud800'.repeat(n);
    }
    entry.log.attributes = attributes;
    entry.log.body = '東'.repeat(50);
    const official = ProtobufLogsSerializer.serializeRequest(toReadableLogRecords([entry], defaultScope));
    expect(Buffer.from(encodeLogsProto([entry])).equals(Buffer.from(official ?? new Uint8Array()))).toBe(
      true,
    );
  });

  it('decodes with the official .proto definitions to what the official serializer produced', () => {
    const entries = withoutIntegralDoubles(mappedFixtures());
    const ours = decodeExportLogsRequest(encodeLogsProto(entries));
    const official = decodeExportLogsRequest(
      ProtobufLogsSerializer.serializeRequest(toReadableLogRecords(entries, defaultScope)) ??
        new Uint8Array(),
    );
    expect(ours).toEqual(official);
  });

  it('groups records by resource: one ResourceLogs per dataset and zone, one ScopeLogs each', () => {
    const decoded = decodeExportLogsRequest(encodeLogsProto(mappedFixtures(SEED_DATASETS))) as {
      resourceLogs: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeLogs: { scope: { name: string }; logRecords: unknown[] }[];
      }[];
    };
    const summary = decoded.resourceLogs.map((rl) => ({
      resource: Object.fromEntries(rl.resource.attributes.map((a) => [a.key, a.value.stringValue])),
      scopes: rl.scopeLogs.map((s) => [s.scope.name, s.logRecords.length]),
    }));
    expect(summary).toEqual([
      {
        resource: {
          'service.name': 'cloudflare',
          'cloud.provider': 'cloudflare',
          'cloudflare.dataset': 'http_requests',
          'cloudflare.zone.name': 'example.com',
        },
        scopes: [['@logpush-otel/otlp', 3]],
      },
      {
        resource: {
          'service.name': 'cloudflare',
          'cloud.provider': 'cloudflare',
          'cloudflare.dataset': 'http_requests',
          'cloudflare.zone.id': '1234567',
        },
        scopes: [['@logpush-otel/otlp', 1]],
      },
      {
        resource: {
          'service.name': 'cloudflare',
          'cloud.provider': 'cloudflare',
          'cloudflare.dataset': 'firewall_events',
          'cloudflare.zone.name': 'example.com',
        },
        scopes: [['@logpush-otel/otlp', 1]],
      },
      {
        resource: {
          'service.name': 'cloudflare',
          'cloud.provider': 'cloudflare',
          'cloudflare.dataset': 'firewall_events',
        },
        scopes: [['@logpush-otel/otlp', 3]],
      },
      {
        resource: {
          'service.name': 'cloudflare',
          'cloud.provider': 'cloudflare',
          'cloudflare.dataset': 'spectrum_events',
        },
        scopes: [['@logpush-otel/otlp', 5]],
      },
    ]);
  });

  it('keeps a float field with an integral value a double, and bigints exact', () => {
    const entry = entryOf('http_requests', { EdgeStartTimestamp: 1700000000123456789n, RayID: 'r' });
    createMapper()(entry);
    if (entry.log === undefined) throw new Error('not mapped');
    entry.log.attributes = {
      ratio: new Double(1),
      big: 9007199254740993n,
      negative: -5,
      negativeBig: -9007199254740993n,
      unicode: 'Zürich — 東京 🚀',
      lone: 'a\ud800b',
      long: 'x'.repeat(300) + 'é',
      bytes: new Uint8Array([1, 2, 255]),
      list: [1, 2, 3],
      map: { a: 'b', n: null },
      nothing: null,
      nan: Number.NaN,
      ключ: 'юникод',
      ['k'.repeat(200)]: 'long key',
    };
    const decoded = decodeExportLogsRequest(encodeLogsProto([entry])) as {
      resourceLogs: {
        scopeLogs: {
          logRecords: { timeUnixNano: string; attributes: { key: string; value: unknown }[] }[];
        }[];
      }[];
    };
    const record = decoded.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    expect(record?.timeUnixNano).toBe('1700000000123456789');
    expect(Object.fromEntries((record?.attributes ?? []).map((a) => [a.key, a.value]))).toEqual({
      ratio: { doubleValue: 1 },
      big: { intValue: '9007199254740993' },
      negative: { intValue: '-5' },
      negativeBig: { intValue: '-9007199254740993' },
      unicode: { stringValue: 'Zürich — 東京 🚀' },
      lone: { stringValue: 'a\ufffdb' },
      long: { stringValue: 'x'.repeat(300) + 'é' },
      bytes: { bytesValue: Buffer.from([1, 2, 255]).toString('base64') },
      list: { arrayValue: { values: [{ intValue: '1' }, { intValue: '2' }, { intValue: '3' }] } },
      map: {
        kvlistValue: {
          values: [
            { key: 'a', value: { stringValue: 'b' } },
            { key: 'n', value: {} },
          ],
        },
      },
      nothing: {},
      nan: { doubleValue: Number.NaN },
      ключ: { stringValue: 'юникод' },
      ['k'.repeat(200)]: { stringValue: 'long key' },
    });
  });

  it('writes timeUnixNano 0 for a record without event time and keeps the observed time', () => {
    const entry = entryOf('spectrum_events', { Event: 'connect', Status: 0 });
    createMapper()(entry);
    const decoded = decodeExportLogsRequest(encodeLogsProto([entry])) as {
      resourceLogs: {
        scopeLogs: { logRecords: { timeUnixNano?: string; observedTimeUnixNano: string }[] }[];
      }[];
    };
    const record = decoded.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    expect(record?.timeUnixNano ?? '0').toBe('0');
    expect(record?.observedTimeUnixNano).toBe(String(OBSERVED));
  });

  it('encodes an empty batch as an empty request', () => {
    expect(encodeLogsProto([]).length).toBe(0);
    expect(encodeLogsJson([])).toBe('{"resourceLogs":[]}');
  });

  it('refuses entries that were not mapped, naming the entry', () => {
    const entry = entryOf('http_requests', { RayID: 'r' });
    expect(() => encodeLogsProto([entry])).toThrow(/entry 0 \(test:1\) has no log\/resource/);
  });
});

describe('encodeLogsJson', () => {
  it('matches the official JSON serializer, with int64 values as decimal strings', () => {
    const entries = withoutIntegralDoubles(mappedFixtures());
    const ours = JSON.parse(encodeLogsJson(entries)) as unknown;
    const official = JSON.parse(
      new TextDecoder().decode(
        JsonLogsSerializer.serializeRequest(toReadableLogRecords(entries, defaultScope)),
      ),
    ) as unknown;
    expect(ours).toEqual(normaliseOfficialJson(official));
  });

  it('is one line, with timeUnixNano as the exact decimal string', () => {
    const entries = mappedFixtures();
    const text = encodeLogsJson(entries);
    expect(text).not.toContain('\n');
    expect(text).toContain('"timeUnixNano":"1700000000123456789"');
    expect(text).toContain('"severityNumber":9');
  });

  it('writes doubles as numbers, NaN and infinities as strings, bytes as base64', () => {
    const entry = entryOf('http_requests', { RayID: 'r' });
    createMapper()(entry);
    if (entry.log === undefined) throw new Error('not mapped');
    entry.log.attributes = {
      d: new Double(2),
      nan: new Double(Number.NaN),
      inf: Number.NEGATIVE_INFINITY,
      b: new Uint8Array([0xde, 0xad]),
      big: 12345678901234567890n,
    };
    const parsed = JSON.parse(encodeLogsJson([entry])) as {
      resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: unknown }[] }[] }[] }[];
    };
    const attributes = parsed.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.attributes ?? [];
    expect(Object.fromEntries(attributes.map((a) => [a.key, a.value]))).toEqual({
      d: { doubleValue: 2 },
      nan: { doubleValue: 'NaN' },
      inf: { doubleValue: '-Infinity' },
      b: { bytesValue: '3q0=' },
      big: { intValue: '-6101065172474983726' },
    });
  });
});

describe('decodeExportLogsResponse', () => {
  it('reads a protobuf partial success', () => {
    const bytes = encodeOtlpMessage('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse', {
      partialSuccess: { rejectedLogRecords: '3', errorMessage: 'timestamp too old' },
    });
    expect(decodeExportLogsResponse(bytes, 'application/x-protobuf')).toEqual({
      rejectedLogRecords: 3,
      errorMessage: 'timestamp too old',
    });
  });

  it('reads a JSON partial success with the count as a string or a number', () => {
    const body = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(
      decodeExportLogsResponse(
        body('{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"bad"}}'),
        'application/json',
      ),
    ).toEqual({ rejectedLogRecords: 2, errorMessage: 'bad' });
    expect(
      decodeExportLogsResponse(
        body('{"partialSuccess":{"rejectedLogRecords":1}}'),
        'application/json; charset=utf-8',
      ),
    ).toEqual({
      rejectedLogRecords: 1,
      errorMessage: '',
    });
  });

  it('treats an empty body or an empty message as full success', () => {
    expect(decodeExportLogsResponse(new Uint8Array(), 'application/x-protobuf')).toEqual({
      rejectedLogRecords: 0,
      errorMessage: '',
    });
    expect(decodeExportLogsResponse(new TextEncoder().encode('{}'), 'application/json')).toEqual({
      rejectedLogRecords: 0,
      errorMessage: '',
    });
  });

  it('says what was wrong with an invalid body', () => {
    expect(() =>
      decodeExportLogsResponse(new TextEncoder().encode('<html>502</html>'), 'application/json'),
    ).toThrow(
      /invalid JSON ExportLogsServiceResponse \(content-type "application\/json", 16 bytes\).*starts with "<html>502<\/html>"/,
    );
    expect(() =>
      decodeExportLogsResponse(new Uint8Array([0x0a, 0x05, 0x08]), 'application/x-protobuf'),
    ).toThrow(/invalid protobuf ExportLogsServiceResponse/);
  });
});
