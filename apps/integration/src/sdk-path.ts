// The OpenTelemetry JS SDK path, as a Node service would run it: Logpush records parsed and mapped by the
// packages, emitted through a LoggerProvider with the BatchLogRecordProcessor and the official OTLP/HTTP exporter.
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecord } from '@opentelemetry/api';
import {
  createOtelLogRecordMapper,
  defaultScope,
  emitLogRecords,
  toOtelAttributes,
} from '@logpush-otel/otlp';
import type { ResourceData } from '@logpush-otel/pipeline';
import { parseBatches } from '@logpush-otel/parser';

/** A LoggerProvider exporting to `otlpUrl` with the official exporter (its default: OTLP/JSON over HTTP). */
export function sdkProvider(otlpUrl: string, resource: ResourceData, maxQueueSize?: number): LoggerProvider {
  const exporter = new OTLPLogExporter({ url: `${otlpUrl}/v1/logs` });
  return new LoggerProvider({
    resource: resourceFromAttributes(toOtelAttributes(resource.attributes)),
    processors: [
      new BatchLogRecordProcessor(maxQueueSize === undefined ? { exporter } : { exporter, maxQueueSize }),
    ],
  });
}

/**
 * Reads every Logpush file under `dir` with the parser, maps each record with `createOtelLogRecordMapper`, and
 * emits them (with `log.file.name`, as the sidecar's file receiver adds it) with `emitLogRecords` through one LoggerProvider per resource the mapping chose (dataset and zone),
 * as the package README describes. Resolves with the number of records emitted once every provider shut down
 * (so everything was exported).
 */
export async function emitDirectoryThroughSdk(dir: string, otlpUrl: string): Promise<number> {
  const mapOne = createOtelLogRecordMapper();
  const groups = new Map<string, { resource: ResourceData; records: LogRecord[] }>();
  const files = (await readdir(dir, { recursive: true })).filter((f) => /\.log(\.gz)?$/.test(f)).sort();
  for (const file of files) {
    const batches = parseBatches(createReadStream(join(dir, file)), { source: file });
    for await (const batch of batches) {
      for (const r of batch) {
        if (!r.ok) throw new Error(r.error.message);
        const { logRecord, resource } = mapOne(r.record, r.dataset, {
          timeUnixNano: r.timeUnixNano,
          raw: r.raw,
          // As the sidecar's logpush_file receiver does (include_file_name, on by default).
          attributes: { 'log.file.name': basename(file) },
        });
        let group = groups.get(resource.key);
        if (group === undefined) {
          group = { resource, records: [] };
          groups.set(resource.key, group);
        }
        group.records.push(logRecord);
      }
    }
  }
  let emitted = 0;
  for (const { resource, records } of groups.values()) {
    const provider = sdkProvider(otlpUrl, resource);
    const logger = provider.getLogger(defaultScope.name, defaultScope.version);
    emitted += await emitLogRecords(logger, records, { flusher: provider });
    await provider.shutdown();
  }
  return emitted;
}

/**
 * The event times (decimal digits) of every record in the Collector's file exporter output, without keeping the
 * records (for large runs). Lines still being written are left out.
 */
export async function collectorTimes(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const times: string[] = [];
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    if (line === '') continue;
    const request = JSON.parse(line) as {
      resourceLogs?: { scopeLogs?: { logRecords?: { timeUnixNano?: string }[] }[] }[];
    };
    for (const rl of request.resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? [])
        for (const lr of sl.logRecords ?? []) times.push(lr.timeUnixNano ?? '0');
  }
  return times;
}
