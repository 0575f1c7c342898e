import type { LogEntry, LogpushRecord } from '@logpush-otel/pipeline';
import { recordToJson } from '../../src/record-json.ts';

/** A parsed entry of `dataset` holding `record`, as a receiver would hand it on. */
export function entryOf(dataset: string, record: LogpushRecord, line = 1): LogEntry {
  return {
    dataset,
    record,
    timeUnixNano: undefined,
    observedUnixNano: 1_763_780_000_000_000_000n,
    raw: recordToJson(record),
    position: { source: 'test.log', line, offset: (line - 1) * 100 },
    attributes: {},
  };
}

/** A typical http_requests record (documentation addresses and names). */
export function httpRecord(overrides: LogpushRecord = {}): LogpushRecord {
  return {
    ClientIP: '203.0.113.77',
    ClientRequestHost: 'www.example.com',
    ClientRequestMethod: 'GET',
    ClientRequestURI: '/search?q=shoes&token=s3cr3t-T0KEN&page=2',
    ClientRequestPath: '/search',
    ClientRequestReferer: 'https://news.example.org/article?id=7',
    ClientRequestUserAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    EdgeColoCode: 'SJC',
    EdgeStartTimestamp: 1_763_780_000_123_456_789n,
    EdgeEndTimestamp: 1_763_780_000_168_956_789n,
    EdgeResponseStatus: 200,
    EdgeServerIP: '198.51.100.10',
    EdgeRequestHost: 'origin.example.com',
    OriginIP: '192.0.2.44',
    OriginResponseStatus: 200,
    OriginResponseDurationMs: 31,
    CacheCacheStatus: 'miss',
    BotScore: 87,
    RayID: '8f1c2d3e4a5b6c7d',
    ParentRayID: '00',
    ...overrides,
  };
}
