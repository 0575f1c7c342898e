import type { ConfigIssue } from './errors.ts';
import type { LogBatch, MappedBatch } from './log-entry.ts';

/** Structured logging for the sidecar's own messages. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A monotonically increasing count. */
export interface Counter {
  inc(value?: number, labels?: Record<string, string>): void;
}
/** A value that goes up and down. */
export interface Gauge {
  set(value: number, labels?: Record<string, string>): void;
  inc(value?: number, labels?: Record<string, string>): void;
  dec(value?: number, labels?: Record<string, string>): void;
}
/** A distribution of observations (seconds, bytes). */
export interface Histogram {
  observe(value: number, labels?: Record<string, string>): void;
}
/** Where components register their metrics; names are Prometheus names (`logpush_otel_records_read_total`). */
export interface Metrics {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  histogram(
    name: string,
    help: string,
    buckets?: readonly number[],
    labelNames?: readonly string[],
  ): Histogram;
}

/** One rejected record or line, kept so it can be replayed. */
export interface DeadLetter {
  /** Why it was rejected, e.g. `invalid JSON: unexpected end at byte 120`. */
  readonly reason: string;
  /** The component that rejected it (`receivers/logpush_file`, `exporters/otlp`). */
  readonly component: string;
  readonly source: string;
  readonly line?: number;
  readonly offset?: number;
  readonly field?: string;
  /** The original line, whole. */
  readonly raw: string;
}

/** Durable store for rejected input. `write` resolves once the letters are on disk (fsynced). */
export interface DeadLetterStore {
  write(letters: readonly DeadLetter[]): Promise<void>;
}

/** What the service gives every component when it starts. */
export interface Host {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deadLetters: DeadLetterStore;
}

/** Settings every component is created with. */
export interface CreateSettings {
  /** The component's id in the config, e.g. `otlp/loki` or `logpush_file`. */
  readonly id: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deadLetters: DeadLetterStore;
}

/**
 * Lifecycle shared by every component. `start` is called once before any data flows; `shutdown` stops the
 * component, drains what is in flight, and is safe to call twice and without a prior `start`.
 */
export interface Component {
  start(host: Host): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Takes a batch. The promise resolves once every entry of the batch is delivered (exported and acknowledged by
 * the backend), deliberately dropped (filter, sample) or safely dead-lettered; only then may a source advance its
 * position past these entries. A rejection means "not delivered, do not advance"; a rejection with a
 * PermanentError means retrying will not help. A slow consumer slows its caller: that is the backpressure.
 */
export interface Consumer<B extends LogBatch = LogBatch> {
  consume(batch: B): Promise<void>;
}

export type Receiver = Component;
export interface Processor extends Component, Consumer {}
/** Exporters consume mapped batches: every entry has its `log` and `resource` (see MappedEntry). */
export interface Exporter extends Component, Consumer<MappedBatch> {}

export type ComponentKind = 'receiver' | 'processor' | 'exporter';

/**
 * Where a processor runs relative to the mapping (the processor that turns raw records into LogRecords):
 * `record` processors read or change the raw record (filter, sample, enrichment, privacy) and run before it;
 * `mapping` is the mapping itself; `any` processors only regroup or pass entries (batch) and may run on either
 * side. The service refuses a pipeline that lists a `record` processor after the mapping.
 */
export type ProcessorStage = 'record' | 'mapping' | 'any';
export type Stability = 'development' | 'alpha' | 'beta' | 'stable';

/** Result of validating a component's configuration: the typed config, or the issues found (with paths). */
export type ValidationResult<C> = { ok: true; config: C } | { ok: false; issues: ConfigIssue[] };

/**
 * Creates one kind of component from validated config. `type` is the name used in YAML (`logpush_file`, `otlp`).
 * `defaultConfig()` returns the defaults in the typed shape `validate` produces. `validate` receives the user's
 * section as written (an empty mapping when there is none) and the config path for messages; it fills every key
 * left out from the defaults and is called once. Reading the section with a ConfigReader gives the shared value
 * grammar and message style, and lets the JSON Schema of the configuration be derived from the same calls.
 */
export interface ComponentFactory<C, T extends Component> {
  readonly type: string;
  readonly kind: ComponentKind;
  readonly stability: Stability;
  /** Processors only: where it runs relative to the mapping (default `record`). */
  readonly stage?: ProcessorStage;
  defaultConfig(): C;
  validate(config: unknown, path: string): ValidationResult<C>;
  /** Receivers and processors get `next`, the consumer they hand batches to; exporters get none. */
  create(settings: CreateSettings, config: C, next: Consumer | undefined): T;
}

export type ReceiverFactory<C = unknown> = ComponentFactory<C, Receiver> & { readonly kind: 'receiver' };
export type ProcessorFactory<C = unknown> = ComponentFactory<C, Processor> & { readonly kind: 'processor' };
export type ExporterFactory<C = unknown> = ComponentFactory<C, Exporter> & { readonly kind: 'exporter' };
export type AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory;
