import { logs } from '@opentelemetry/api';
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, describe, expect, it } from 'vitest';
import { Double } from '@logpush-otel/pipeline';
import type { LogEntry } from '@logpush-otel/pipeline';
import {
  createMapper,
  createOtelLogRecordMapper,
  emitLogRecords,
  getLogpushLogger,
  toHrTime,
  toOtelAttributes,
  toOtelLogRecord,
} from '../src/index.ts';
import { toOtelAnyValue } from '../src/otel-sdk.ts';

const record = {
  ClientIP: '203.0.113.7',
  ClientRequestHost: 'example.com',
  ClientRequestMethod: 'GET',
  ClientRequestScheme: 'https',
  ClientRequestURI: '/a?b=1',
  EdgeResponseStatus: 503,
  EdgeResponseBytes: 9_007_199_254_740_993n,
  EdgeStartTimestamp: 1_700_000_000_123_456_789n,
  RayID: '8f1c2d3e4a5b6c7d',
  ZoneName: 'example.com',
};

function mappedEntry(): LogEntry {
  const entry: LogEntry = {
    dataset: 'http_requests',
    record,
    timeUnixNano: 1_700_000_000_123_456_789n,
    observedUnixNano: 1_700_000_001_987_654_321n,
    raw: '',
    position: { source: 'test', line: 1, offset: 0 },
    attributes: {},
  };
  createMapper()(entry);
  return entry;
}

describe('toHrTime', () => {
  it('splits bigint nanoseconds exactly, also where a double would round', () => {
    expect(toHrTime(1_700_000_000_123_456_789n)).toEqual([1_700_000_000, 123_456_789]);
    expect(toHrTime(9_007_199_254_740_993n)).toEqual([9_007_199, 254_740_993]);
    expect(toHrTime(0n)).toEqual([0, 0]);
    expect(toHrTime(-1n)).toEqual([-1, 999_999_999]);
  });
  it('refuses times whose seconds are not a safe integer', () => {
    expect(() => toHrTime(2n ** 90n)).toThrow(RangeError);
  });
});

describe('toOtelAnyValue', () => {
  it('turns values the SDK cannot serialize into ones it can', () => {
    expect(toOtelAnyValue(5n)).toBe(5);
    expect(toOtelAnyValue(9_007_199_254_740_993n)).toBe('9007199254740993');
    expect(toOtelAnyValue(new Double(1.5))).toBe(1.5);
    expect(toOtelAnyValue({ a: [1n, new Double(2)], b: null })).toEqual({ a: [1, 2], b: null });
  });
});

describe('toOtelLogRecord', () => {
  it('carries the mapping: time, observed time, severity, body, event name, attributes', () => {
    const entry = mappedEntry();
    const r = toOtelLogRecord(entry);
    expect(r.timestamp).toEqual([1_700_000_000, 123_456_789]);
    expect(r.observedTimestamp).toEqual([1_700_000_001, 987_654_321]);
    expect(r.severityNumber).toBe(17);
    expect(r.severityText).toBe('ERROR');
    expect(r.eventName).toBe('cloudflare.http_request');
    expect(r.body).toBe(entry.log?.body);
    expect(Object.keys(r.attributes ?? {})).toEqual(Object.keys(entry.log?.attributes ?? {}));
    expect(r.attributes?.['url.full']).toBe('https://example.com/a?b=1');
    expect(r.attributes?.['http.response.size']).toBe('9007199254740993');
  });

  it('leaves out the time of a record that has none (the SDK stamps the emit time)', () => {
    const entry = mappedEntry();
    if (entry.log !== undefined) entry.log.timeUnixNano = undefined;
    expect(toOtelLogRecord(entry)).not.toHaveProperty('timestamp');
  });

  it('refuses an entry that was not mapped', () => {
    const { log: _log, ...unmapped } = mappedEntry();
    expect(() => toOtelLogRecord(unmapped)).toThrow(/map it with createMapper first/);
  });
});

describe('through the SDK', () => {
  afterEach(() => {
    logs.disable();
  });

  it('exports the exact nanosecond time digits and the resource the mapping chose', async () => {
    const mapOne = createOtelLogRecordMapper({ serviceName: 'edge' });
    const { logRecord, resource } = mapOne(record, 'http_requests', { observedUnixNano: 1n });
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes(toOtelAttributes(resource.attributes)),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    logs.setGlobalLoggerProvider(provider);
    getLogpushLogger().emit(logRecord);
    await provider.forceFlush();
    const exported = exporter.getFinishedLogRecords();
    const json = JSON.parse(new TextDecoder().decode(JsonLogsSerializer.serializeRequest(exported))) as {
      resourceLogs: {
        resource: { attributes: { key: string }[] };
        scopeLogs: {
          scope: { name: string };
          logRecords: { timeUnixNano: string; severityText: string }[];
        }[];
      }[];
    };
    const rl = json.resourceLogs[0];
    expect(rl?.scopeLogs[0]?.scope.name).toBe('@logpush-otel/otlp');
    expect(rl?.scopeLogs[0]?.logRecords[0]?.timeUnixNano).toBe('1700000000123456789');
    expect(rl?.scopeLogs[0]?.logRecords[0]?.severityText).toBe('ERROR');
    expect(rl?.resource.attributes.map((a) => a.key)).toEqual(
      expect.arrayContaining(['service.name', 'cloudflare.dataset', 'cloudflare.zone.name']),
    );
    await provider.shutdown();
  });

  it('emitLogRecords delivers everything through a small bounded queue that a plain loop overflows', async () => {
    const mapOne = createOtelLogRecordMapper();
    const records = Array.from({ length: 5_000 }, (_, i) => {
      const r = { ...record, EdgeStartTimestamp: 1_700_000_000_000_000_000n + BigInt(i) };
      return mapOne(r, 'http_requests').logRecord;
    });
    const run = async (helper: boolean): Promise<number> => {
      const exporter = new InMemoryLogRecordExporter();
      const provider = new LoggerProvider({
        processors: [new BatchLogRecordProcessor({ exporter, maxQueueSize: 256, maxExportBatchSize: 64 })],
      });
      const logger = provider.getLogger('test');
      if (helper) {
        expect(await emitLogRecords(logger, records, { flusher: provider, flushEvery: 256 })).toBe(5_000);
      } else {
        for (const r of records) logger.emit(r);
        await provider.forceFlush();
      }
      const n = exporter.getFinishedLogRecords().length;
      await provider.shutdown();
      return n;
    };
    expect(await run(false)).toBeLessThan(5_000);
    expect(await run(true)).toBe(5_000);
  });

  it('emitLogRecords takes async iterables and checks flushEvery', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    const mapOne = createOtelLogRecordMapper();
    async function* source(): AsyncGenerator<ReturnType<typeof mapOne>['logRecord']> {
      for (let i = 0; i < 3; i++) {
        await Promise.resolve();
        yield mapOne(record, 'http_requests').logRecord;
      }
    }
    const logger = provider.getLogger('test');
    expect(await emitLogRecords(logger, source(), { flusher: provider, flushEvery: 2 })).toBe(3);
    expect(exporter.getFinishedLogRecords()).toHaveLength(3);
    await expect(emitLogRecords(logger, [], { flusher: provider, flushEvery: 0 })).rejects.toThrow(
      RangeError,
    );
    await provider.shutdown();
  });
});
