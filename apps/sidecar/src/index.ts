export { formatIssues, parseConfig } from './config/index.ts';
export type {
  LoadOptions,
  LoadResult,
  SidecarConfig,
  StorageConfig,
  TelemetryConfig,
} from './config/index.ts';
export { createSidecarRegistry } from './registry.ts';
