export { substituteEnv } from './env.ts';
export type { Env } from './env.ts';
export {
  LOG_LEVELS,
  MAPPING_PROCESSOR,
  describeStorageModes,
  formatIssues,
  loadConfig,
  parseConfig,
  parseListenAddress,
} from './load.ts';
export type {
  LoadOptions,
  LoadResult,
  LogLevel,
  SidecarConfig,
  StorageConfig,
  TelemetryConfig,
} from './load.ts';
export { OTEL_ENV_VARS, applyOtelEnv, parseKeyValueList } from './otel-env.ts';
export {
  REDACTED,
  clearSecrets,
  isSecretKey,
  redactText,
  redactUrl,
  registerConfigSecrets,
  registerSecret,
} from './redact.ts';
