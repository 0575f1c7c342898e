// The exporters the sidecar registers: `otlp`, `file`, `debug`.
export { debugExporterFactory, DebugExporter, formatBatch, formatRecordLine } from './debug.ts';
export type { DebugExporterConfig } from './debug.ts';
export { fileExporterFactory, FileExporter, rotatedName } from './file.ts';
export type { FileExporterConfig } from './file.ts';
export { EXPORTER_METRICS } from './metric-names.ts';
export {
  ExportFailedError,
  OtlpExporter,
  defaultOtlpExporterConfig,
  otlpExporterFactory,
  parseRetryAfter,
  resolveLogsUrl,
  validateOtlpExporterConfig,
} from './otlp/index.ts';
export type { OtlpExporterConfig, OtlpExporterOptions, RetryConfig } from './otlp/index.ts';
