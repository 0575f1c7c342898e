// The `batch` processor: regroups batches by count, bytes and time, with a bounded number in flight.
import { Batcher, ConfigReader } from '@logpush-otel/pipeline';
import type { Consumer, CreateSettings, LogBatch, Processor, ProcessorFactory } from '@logpush-otel/pipeline';
import { SERVICE_METRICS } from '../service/metric-names.ts';

/** Settings of the `batch` processor (the YAML keys; durations in ms, sizes in bytes once validated). */
export interface BatchProcessorConfig {
  /** Send once a batch holds this many records (default 8192). */
  readonly send_batch_size: number;
  /** ... or once its raw lines reach this many bytes (default 4 MiB; accepts 4MiB, 512KiB...). */
  readonly send_batch_max_bytes: number;
  /** ... or this long after its first record arrived (default 200ms). */
  readonly timeout: number;
  /** At most this many batches downstream at once; more input waits (default 4). */
  readonly max_in_flight: number;
}

/** Defaults of the `batch` processor. */
export function defaultBatchProcessorConfig(): BatchProcessorConfig {
  return { send_batch_size: 8192, send_batch_max_bytes: 4 * 1024 * 1024, timeout: 200, max_in_flight: 4 };
}

/**
 * The `batch` processor. `consume()` resolves once the downstream batches holding the entries resolved (a
 * rejection reaches every contributor); after `shutdown()` (which sends what is held and waits for it) it rejects.
 */
export class BatchProcessor implements Processor {
  readonly batcher: Batcher;
  constructor(settings: CreateSettings, config: BatchProcessorConfig, next: Consumer) {
    const inFlight = settings.metrics.gauge(
      SERVICE_METRICS.batchesInFlight,
      'Batches handed to a component and not yet settled.',
      ['component'],
    );
    const labels = { component: `processors/${settings.id}` };
    this.batcher = new Batcher(next, {
      maxEntries: config.send_batch_size,
      maxBytes: config.send_batch_max_bytes,
      timeoutMs: config.timeout,
      maxInFlight: config.max_in_flight,
      onInFlight: (n) => inFlight.set(n, labels),
    });
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  consume(batch: LogBatch): Promise<void> {
    return this.batcher.consume(batch);
  }
  shutdown(): Promise<void> {
    return this.batcher.shutdown();
  }
}

/** Factory of the `batch` processor (stability: beta). */
export const batchProcessorFactory: ProcessorFactory<BatchProcessorConfig> = {
  type: 'batch',
  kind: 'processor',
  stability: 'beta',
  stage: 'any',
  defaultConfig: defaultBatchProcessorConfig,
  validate(config, path) {
    const d = defaultBatchProcessorConfig();
    const r = new ConfigReader(config, path);
    return r.finish<BatchProcessorConfig>({
      send_batch_size: r.number('send_batch_size', d.send_batch_size, { integer: true, min: 1 }),
      send_batch_max_bytes: r.byteSize('send_batch_max_bytes', d.send_batch_max_bytes, { min: 1 }),
      timeout: r.duration('timeout', d.timeout),
      max_in_flight: r.number('max_in_flight', d.max_in_flight, { integer: true, min: 1, max: 1024 }),
    });
  },
  create(settings, config, next) {
    if (next === undefined) throw new Error(`processors/${settings.id}: a processor needs a next consumer`);
    return new BatchProcessor(settings, config, next);
  },
};
