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
