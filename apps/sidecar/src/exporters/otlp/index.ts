// The `otlp` exporter factory.
import type { ExporterFactory } from '@logpush-otel/pipeline';
import type { OtlpExporterConfig } from './config.ts';
import { defaultOtlpExporterConfig, validateOtlpExporterConfig } from './config.ts';
import { OtlpExporter } from './exporter.ts';

/**
 * Factory of the `otlp` exporter (OTLP/HTTP, protobuf or JSON, gzip, retries honouring Retry-After, refused
 * records to the dead-letter store). Config keys: endpoint, logs_endpoint, protocol, compression,
 * compression_level, headers, timeout, concurrency, max_request_size, retry_on_failure.
 */
export const otlpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  type: 'otlp',
  kind: 'exporter',
  stability: 'beta',
  defaultConfig: defaultOtlpExporterConfig,
  validate: validateOtlpExporterConfig,
  create: (settings, config) => new OtlpExporter(settings, config),
};

export type { OtlpExporterConfig } from './config.ts';
export { resolveLogsUrl } from './config.ts';
export { ExportFailedError, OtlpExporter } from './exporter.ts';
