export type {
  AnyFactory,
  Component,
  ComponentFactory,
  ComponentKind,
  Consumer,
  Counter,
  CreateSettings,
  DeadLetter,
  DeadLetterStore,
  Exporter,
  ExporterFactory,
  Gauge,
  Histogram,
  Host,
  Logger,
  Metrics,
  Processor,
  ProcessorFactory,
  ProcessorStage,
  Receiver,
  ReceiverFactory,
  Stability,
  ValidationResult,
} from './component.ts';
export { ConfigError, PermanentError, formatIssue, isPermanentError } from './errors.ts';
export type { ConfigIssue } from './errors.ts';
export { deadLetterRaw } from './log-entry.ts';
export type {
  LogBatch,
  LogEntry,
  LogRecordData,
  MappedBatch,
  MappedEntry,
  ResourceData,
  SourcePosition,
} from './log-entry.ts';
export { Double } from './values.ts';
export type { AnyValue, Attributes, JsonValue, LogpushRecord } from './values.ts';
export { Batcher } from './batcher.ts';
export type { BatcherOptions } from './batcher.ts';
export { ConfigReader, describeValue, isPlainObject } from './config-reader.ts';
export type { NumberOptions, StringListOptions } from './config-reader.ts';
export { locateIssues } from './config-source.ts';
export type { ConfigSource, SourcePoint } from './config-source.ts';
export { orEnv, probeConfigSchema } from './config-schema.ts';
export type { JsonSchema } from './config-schema.ts';
export { isDrainable } from './drain.ts';
export type { Drainable } from './drain.ts';
export { reportsReadiness } from './readiness.ts';
export type { ReportsReadiness } from './readiness.ts';
export { createRegistry } from './registry.ts';
export type { ComponentRegistry } from './registry.ts';
export { DEFAULT_START_TIMEOUT_MS, Service } from './service.ts';
export type { ServiceComponent, ServiceOptions, ServiceState } from './service.ts';
export { validateServiceConfig } from './service-config.ts';
export type {
  ComponentSpec,
  PipelineSpec,
  ServiceConfigInput,
  ServiceConfigOptions,
  ServiceGraph,
} from './service-config.ts';
export { settleAll } from './fan-out.ts';
