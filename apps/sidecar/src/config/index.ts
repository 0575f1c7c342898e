export { substituteEnv } from './env.ts';
export type { Env } from './env.ts';
export { describeStorageModes, formatIssues, loadConfig, parseConfig, parseListenAddress } from './load.ts';
export type { LoadOptions, LoadResult, SidecarConfig, StorageConfig, TelemetryConfig } from './load.ts';
export { clearSecrets, isSecretKey, redactText, redactUrl, registerConfigSecrets } from './redact.ts';
