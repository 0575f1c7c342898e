export { ExitCode, main } from './cli.ts';
export { formatIssues, loadConfig, parseConfig } from './config/index.ts';
export type {
  LoadOptions,
  LoadResult,
  SidecarConfig,
  StorageConfig,
  TelemetryConfig,
} from './config/index.ts';
export { createSidecarRegistry, sidecarFactories } from './registry.ts';
export { EXPORTER_METRICS, RECEIVER_METRICS, SERVICE_METRICS } from './service/metric-names.ts';
export { batchProcessorFactory, cloudflareProcessorFactory } from './processors/index.ts';
export type { BatchProcessorConfig, CloudflareProcessorConfig } from './processors/index.ts';
