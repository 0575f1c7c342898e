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
  EntryTransform,
  Exporter,
  ExporterFactory,
  Gauge,
  Histogram,
  Host,
  Logger,
  Metrics,
  Processor,
  ProcessorFactory,
  Receiver,
  ReceiverFactory,
  Stability,
  ValidationResult,
} from './component.ts';
export { ConfigError, PermanentError, isPermanentError } from './errors.ts';
export type { ConfigIssue } from './errors.ts';
export type { LogBatch, LogEntry, LogRecordData, ResourceData, SourcePosition } from './log-entry.ts';
export { Double } from './values.ts';
export type { AnyValue, Attributes, JsonValue, LogpushRecord } from './values.ts';
export { Batcher, BatcherClosedError } from './batcher.ts';
export type { BatcherOptions } from './batcher.ts';
export {
  ConfigReader,
  describeValue,
  isPlainObject,
  mergeConfig,
  parseByteSize,
  parseDuration,
} from './config-reader.ts';
export { isDrainable } from './drain.ts';
export type { Drainable } from './drain.ts';
export { reportsReadiness } from './readiness.ts';
export type { ReadinessReporter } from './readiness.ts';
export { FanOutConsumer, cloneEntry, fanOut, settleAll } from './fan-out.ts';
export { createRegistry } from './registry.ts';
export type { ComponentRegistry } from './registry.ts';
export { Service, withFields } from './service.ts';
export type { ServiceComponent, ServiceState } from './service.ts';
export { validateServiceConfig } from './service-config.ts';
export type {
  ComponentSpec,
  PipelineSpec,
  ServiceConfigInput,
  ServiceConfigOptions,
  ServiceGraph,
} from './service-config.ts';
