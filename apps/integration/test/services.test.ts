// The harness itself against the real services: what the sidecar suites rely on (the Collector's file exporter
// output as read here, VictoriaLogs queries) checked with requests built from the official OTLP definitions.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeOtlpMessage, loadOtlpProtos } from '@logpush-otel/testdata/otlp-proto';
import { waitForCollectorRecords } from '../src/collector-output.ts';
import { flushVictoriaLogs, queryLogs, startCollector, startVictoriaLogs } from '../src/services.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

const LOGS_REQUEST = 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest';

/** A request with `count` records, one nanosecond apart from `start`, status codes cycling 200, 404, 503. */
function request(start: bigint, count: number): Record<string, unknown> {
  const statuses = [200, 404, 503];
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'harness-check' } },
            { key: 'cloud.provider', value: { stringValue: 'cloudflare' } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'integration-harness' },
            logRecords: Array.from({ length: count }, (_, i) => ({
              timeUnixNano: String(start + BigInt(i)),
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: `record ${i}` },
              attributes: [
                { key: 'http.response.status_code', value: { intValue: String(statuses[i % 3]) } },
                { key: 'cloudflare.ray_id', value: { stringValue: `ray${i}` } },
              ],
            })),
          },
        ],
      },
    ],
  };
}

describe.skipIf(skipReason !== undefined)('reference services (harness check)', () => {
  it('the Collector writes every OTLP/HTTP protobuf+gzip record with its exact nanosecond time', async () => {
    guardProcesses();
    await loadOtlpProtos();
    const collector = await startCollector(services());
    const start = 1_700_000_000_123_456_789n;
    const body = gzipSync(encodeOtlpMessage(LOGS_REQUEST, request(start, 30)));
    const response = await fetch(`${collector.otlpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
      body,
    });
    expect(response.status).toBe(200);
    const records = await waitForCollectorRecords(`${collector.dir}/logs.jsonl`, 30);
    expect(records).toHaveLength(30);
    expect(records.map((r) => r.timeUnixNano)).toEqual(
      Array.from({ length: 30 }, (_, i) => String(start + BigInt(i))),
    );
    expect(records[2]?.attributes['http.response.status_code']).toBe(503n);
    expect(records[0]?.resource['service.name']).toBe('harness-check');
  });

  it('VictoriaLogs answers LogsQL by attribute and time window for OTLP records', async () => {
    guardProcesses();
    await loadOtlpProtos();
    const victoria = await startVictoriaLogs(services());
    const start = BigInt(Date.now() - 3_600_000) * 1_000_000n;
    const response = await fetch(victoria.otlpLogsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeOtlpMessage(LOGS_REQUEST, request(start, 30)),
    });
    expect(response.status).toBe(200);
    await flushVictoriaLogs(victoria);
    const window = {
      start: new Date(Number(start / 1_000_000n) - 1000).toISOString(),
      end: new Date(Number(start / 1_000_000n) + 1000).toISOString(),
    };
    const errors = await queryLogs(victoria, '"http.response.status_code":>=500', window);
    expect(errors).toHaveLength(10);
    const ray = await queryLogs(victoria, '"cloudflare.ray_id":=ray4', window);
    expect(ray.map((r) => r['_msg'])).toEqual(['record 4']);
    const outside = await queryLogs(victoria, '"http.response.status_code":>=500', {
      start: new Date(Number(start / 1_000_000n) + 5000).toISOString(),
    });
    expect(outside).toHaveLength(0);
  });
});
