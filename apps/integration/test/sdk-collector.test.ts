// The official OpenTelemetry JS SDK (LoggerProvider, BatchLogRecordProcessor, OTLPLogExporter) fed by
// @logpush-otel/otlp's SDK interop, against the real Collector: the same Logpush files through the SDK and through
// the sidecar must give the same records, apart from what the SDK cannot represent; and 100k records emitted
// with the documented helper must all arrive.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOtelLogRecordMapper, defaultScope, emitLogRecords } from '@logpush-otel/otlp';
import { parseLine } from '@logpush-otel/parser';
import { generateRecords } from '@logpush-otel/testdata/generator';
import type { CollectedRecord, PlainValue } from '../src/collector-output.ts';
import { waitForCollectorRecords } from '../src/collector-output.ts';
import { countBy, writeDatasets } from '../src/dataset-dir.ts';
import { readInputDirectory } from '../src/input.ts';
import { collectorTimes, emitDirectoryThroughSdk, sdkProvider } from '../src/sdk-path.ts';
import { startCollector, tempDir } from '../src/services.ts';
import { waitUntil } from '../src/processes.ts';
import { runSidecarOnce, sidecarConfig, writeSidecarConfig } from '../src/sidecar.ts';
import { guardProcesses, services, skipReason } from './helpers.ts';

/** Why a value differs between the two paths; `unexplained` fails the test. */
type DifferenceKind = 'integral double sent as int' | 'integer beyond 2^53 sent as text' | 'unexplained';

function text(value: PlainValue | undefined): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? 'undefined';
}

/** The kinds of difference between the sidecar's value and the SDK's (empty when equal). */
function differences(sidecar: PlainValue | undefined, sdk: PlainValue | undefined): DifferenceKind[] {
  if (text(sidecar) === text(sdk)) return [];
  if (
    typeof sidecar === 'number' &&
    typeof sdk === 'bigint' &&
    Number.isInteger(sidecar) &&
    BigInt(sidecar) === sdk
  )
    return ['integral double sent as int'];
  if (typeof sidecar === 'bigint' && typeof sdk === 'string' && sidecar.toString() === sdk)
    return ['integer beyond 2^53 sent as text'];
  if (Array.isArray(sidecar) && Array.isArray(sdk) && sidecar.length === sdk.length)
    return sidecar.flatMap((v, i) => differences(v, sdk[i]));
  return ['unexplained'];
}

function keyOf(r: CollectedRecord): string {
  return `${r.eventName} ${r.timeUnixNano} ${text(r.body)}`;
}

describe.skipIf(skipReason !== undefined)('OpenTelemetry JS SDK → OpenTelemetry Collector', () => {
  it('gives the records the sidecar gives: attributes, severity, body, event name, exact time digits, resource', async () => {
    guardProcesses();
    const root = await tempDir('sdk-collector');
    const logpush = join(root, 'logpush');
    await writeDatasets(logpush, [
      { dataset: 'http_requests', count: 600, files: 2 },
      { dataset: 'firewall_events', count: 200, files: 1 },
      { dataset: 'spectrum_events', count: 200, files: 1, gzip: false },
    ]);
    // One record with the values JS numbers cannot carry: an integral float and an integer beyond 2^53.
    const edge = ([...generateRecords({ dataset: 'http_requests', count: 1, seed: 5 })][0] ?? '').replace(
      /"EdgeResponseBytes":\d+/,
      '"EdgeResponseBytes":9007199254740993,"EdgeResponseCompressionRatio":1',
    );
    expect(edge).toContain('9007199254740993');
    await mkdir(join(logpush, 'http_requests', 'edge'), { recursive: true });
    await writeFile(
      join(logpush, 'http_requests', 'edge', '20240101T000000Z_20240101T000001Z_edge.log'),
      `${edge}\n`,
    );
    const input = await readInputDirectory(logpush, (file) => file.split('/')[0] ?? '');
    const viaSdk = await startCollector(services());
    const viaSidecar = await startCollector(services());

    expect(await emitDirectoryThroughSdk(logpush, viaSdk.otlpUrl)).toBe(input.length);
    const config = await writeSidecarConfig(
      root,
      sidecarConfig({ directory: logpush, stateDir: join(root, 'state'), endpoint: viaSidecar.otlpUrl }),
    );
    const { status, process: sidecar } = await runSidecarOnce(config, root);
    expect(status, sidecar.report()).toEqual({ code: 0, signal: null });

    const sdkRecords = await waitForCollectorRecords(join(viaSdk.dir, 'logs.jsonl'), input.length);
    const sidecarRecords = await waitForCollectorRecords(join(viaSidecar.dir, 'logs.jsonl'), input.length);
    expect(sdkRecords).toHaveLength(input.length);
    expect(sidecarRecords).toHaveLength(input.length);
    // Every input record once on each path, with its exact event time digits.
    const expectedTimes = countBy(input, (i) => i.timeUnixNano.toString());
    expect(countBy(sdkRecords, (r) => r.timeUnixNano)).toEqual(expectedTimes);
    expect(countBy(sidecarRecords, (r) => r.timeUnixNano)).toEqual(expectedTimes);

    const byKey = new Map<string, CollectedRecord[]>();
    for (const r of sidecarRecords) byKey.set(keyOf(r), [...(byKey.get(keyOf(r)) ?? []), r]);
    const found = new Map<string, { kind: DifferenceKind; example: string }>();
    const note = (where: string, kinds: DifferenceKind[], example: string): void => {
      for (const kind of kinds)
        if (!found.has(`${kind}: ${where}`)) found.set(`${kind}: ${where}`, { kind, example });
    };
    for (const got of sdkRecords) {
      const candidates = byKey.get(keyOf(got)) ?? [];
      expect(candidates.length, `no sidecar record for ${keyOf(got)}`).toBeGreaterThan(0);
      // Several records may share time and body (firewall rules of one request): take the closest one.
      const score = (c: CollectedRecord): number =>
        Object.keys(c.attributes).filter((k) => text(c.attributes[k]) !== text(got.attributes[k])).length;
      const want = [...candidates].sort((a, b) => score(a) - score(b))[0];
      if (want === undefined) continue;
      candidates.splice(candidates.indexOf(want), 1);
      expect({
        time: got.timeUnixNano,
        severity: [got.severityNumber, got.severityText],
        eventName: got.eventName,
        body: got.body,
        scope: got.scopeName,
        resource: got.resource,
        keys: Object.keys(got.attributes).sort(),
      }).toEqual({
        time: want.timeUnixNano,
        severity: [want.severityNumber, want.severityText],
        eventName: want.eventName,
        body: want.body,
        scope: want.scopeName,
        resource: want.resource,
        keys: Object.keys(want.attributes).sort(),
      });
      for (const key of Object.keys(want.attributes)) {
        const kinds = differences(want.attributes[key], got.attributes[key]);
        note(key, kinds, `${text(want.attributes[key])} → ${text(got.attributes[key])}`);
      }
    }
    expect(got(found, 'unexplained')).toEqual([]);
    expect(got(found, 'integral double sent as int')).toEqual([
      'integral double sent as int: cloudflare.http_requests.edge_response_compression_ratio',
    ]);
    expect(got(found, 'integer beyond 2^53 sent as text')).toEqual([
      'integer beyond 2^53 sent as text: http.response.size',
    ]);
    expect(sdkRecords[0]?.scopeName).toBe(defaultScope.name);
    // For the record: what the SDK path changed (all explained by its JS number model).
    console.log(
      `SDK path vs sidecar path, ${input.length} records:\n` +
        ([...found].map(([where, d]) => `  ${where} (e.g. ${d.example})`).join('\n') || '  no difference'),
    );
  });

  it('delivers all of 100,000 records emitted with emitLogRecords through the default bounded queue', async () => {
    guardProcesses();
    const collector = await startCollector(services());
    const count = 100_000;
    const mapOne = createOtelLogRecordMapper();
    const first = parseLine(
      [...generateRecords({ dataset: 'firewall_events', count: 1, seed: 11 })][0] ?? '',
    );
    if (!first.ok) throw new Error(first.error.message);
    const provider = sdkProvider(collector.otlpUrl, mapOne(first.record, first.dataset).resource);
    const expected: string[] = [];
    function* records(): Generator<ReturnType<typeof mapOne>['logRecord']> {
      for (const line of generateRecords({ dataset: 'firewall_events', count, seed: 11 })) {
        const r = parseLine(line);
        if (!r.ok) throw new Error(r.error.message);
        expected.push(String(r.timeUnixNano));
        yield mapOne(r.record, r.dataset, { timeUnixNano: r.timeUnixNano }).logRecord;
      }
    }
    const logger = provider.getLogger(defaultScope.name, defaultScope.version);
    const started = performance.now();
    expect(await emitLogRecords(logger, records(), { flusher: provider, flushEvery: 2048 })).toBe(count);
    const seconds = (performance.now() - started) / 1000;
    await provider.shutdown();

    const path = join(collector.dir, 'logs.jsonl');
    let times: string[] = [];
    await waitUntil(
      collector.process,
      `${count} records in the file exporter output`,
      async () => (times = await collectorTimes(path)).length >= count,
      120_000,
    );
    expect(times).toHaveLength(count);
    expect(countBy(times, (t) => t)).toEqual(countBy(expected, (t) => t));
    console.log(
      `emitLogRecords: ${count} records in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s)`,
    );
  });
});

function got(found: Map<string, { kind: DifferenceKind }>, kind: DifferenceKind): string[] {
  return [...found].filter(([, d]) => d.kind === kind).map(([where]) => where);
}
