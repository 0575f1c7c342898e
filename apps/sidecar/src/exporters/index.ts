// The exporters the sidecar registers: `otlp`, `file`, `debug`.
export { debugExporterFactory, DebugExporter, formatBatch } from './debug.ts';
export { fileExporterFactory, FileExporter } from './file.ts';
export type { FileExporterConfig } from './file.ts';
export { EXPORTER_METRICS } from './metric-names.ts';
export { ExportFailedError, OtlpExporter, otlpExporterFactory, resolveLogsUrl } from './otlp/index.ts';
export type { OtlpExporterConfig } from './otlp/index.ts';
