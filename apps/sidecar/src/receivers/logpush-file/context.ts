// What every part of one logpush_file receiver shares: its settings and configuration, the resolved paths, the
// checkpoint store once opened, its metrics, and the retry backoff.
import type { Counter, CreateSettings, Gauge, Metrics } from '@logpush-otel/pipeline';
import { backoffDelay } from '../../backoff.ts';
import type { CheckpointStore } from '../../checkpoint/store.ts';
import { RECEIVER_METRICS } from '../../service/metric-names.ts';
import type { LogpushFileReceiverConfig, ResolvedPaths } from './config.ts';

/** The metrics every reading receiver has (label `receiver`): logpush_file's and logpush_s3's. */
export interface ReadMetrics {
  readonly records: Counter;
  readonly bytes: Counter;
  readonly rejected: Counter;
  readonly retries: Counter;
}

/** Registers (or finds) the {@link ReadMetrics}. */
export function readMetrics(m: Metrics): ReadMetrics {
  const l = ['receiver'];
  return {
    records: m.counter(RECEIVER_METRICS.recordsRead, 'Records read and handed on.', l),
    bytes: m.counter(RECEIVER_METRICS.bytesRead, 'Decompressed bytes read.', l),
    rejected: m.counter(RECEIVER_METRICS.recordsRejected, 'Lines that failed to parse.', l),
    retries: m.counter(RECEIVER_METRICS.retries, 'Re-reads from the checkpoint after a rejection.', l),
  };
}

/** The receiver's metrics (label `receiver`). */
export interface ReceiverMetrics extends ReadMetrics {
  readonly filesDone: Counter;
  readonly openFiles: Gauge;
  readonly checkpointAge: Gauge;
  readonly encodedBytesInFlight: Gauge;
}

/** Shared by the parts of one receiver. */
export interface ReceiverContext {
  readonly settings: CreateSettings;
  readonly config: LogpushFileReceiverConfig;
  readonly paths: ResolvedPaths;
  /** `receivers/<id>`, in messages and dead letters. */
  readonly component: string;
  readonly metrics: ReceiverMetrics;
  /** Labels of every metric sample. */
  readonly labels: Record<string, string>;
  /** The checkpoint store, once `start` opened it. */
  store: CheckpointStore | undefined;
  /** Set by `shutdown`: no new reading, scans or retries. */
  stopping: boolean;
  /** Set by `drained()`: incomplete input is declared complete (see the receiver). */
  drainMode: boolean;
}

/** Registers the receiver's metrics. */
export function receiverMetrics(settings: CreateSettings): ReceiverMetrics {
  const m = settings.metrics;
  const l = ['receiver'];
  return {
    ...readMetrics(m),
    filesDone: m.counter(RECEIVER_METRICS.filesDone, 'Files read to the end and acknowledged.', l),
    openFiles: m.gauge(RECEIVER_METRICS.openFiles, 'Files being read.', l),
    checkpointAge: m.gauge(
      RECEIVER_METRICS.checkpointAge,
      'Seconds since the checkpoints were last saved while records await acknowledgement (0 when caught up).',
      l,
    ),
    encodedBytesInFlight: m.gauge(
      RECEIVER_METRICS.encodedBytesInFlight,
      'Bytes of request bodies encoded in worker threads and not yet acknowledged (waiting to be handed on or being exported).',
      l,
    ),
  };
}

/**
 * Wait in ms before the next attempt after `failures` consecutive failures: doubles from
 * `retry_initial_interval` up to `retry_max_interval`, spread by ±20 %.
 */
export function retryDelay(config: LogpushFileReceiverConfig, failures: number): number {
  return backoffDelay(
    {
      initial: config.retry_initial_interval,
      max: config.retry_max_interval,
      multiplier: 2,
      randomization: 0.2,
    },
    failures,
  );
}
