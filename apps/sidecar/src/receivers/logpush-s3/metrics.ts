// The metrics of the `logpush_s3` receiver: the receiver metrics it shares with `logpush_file`, and its own.
import type { Counter, Gauge, Metrics } from '@logpush-otel/pipeline';
import { RECEIVER_METRICS, S3_RECEIVER_METRICS } from '../../service/metric-names.ts';
import { readMetrics } from '../logpush-file/context.ts';
import type { ReadMetrics } from '../logpush-file/context.ts';

export interface S3ReceiverMetrics extends ReadMetrics {
  objectsDone: Counter;
  openObjects: Gauge;
  lag: Gauge;
  configFault: Gauge;
  requestErrors: Counter;
}

/** Registers (or finds) the metrics with label `receiver` (`requestErrors` also has `kind`). */
export function s3ReceiverMetrics(m: Metrics): S3ReceiverMetrics {
  const l = ['receiver'];
  return {
    ...readMetrics(m),
    objectsDone: m.counter(S3_RECEIVER_METRICS.objectsDone, 'Objects read and acknowledged.', l),
    openObjects: m.gauge(RECEIVER_METRICS.openFiles, 'Files (objects) being read.', l),
    lag: m.gauge(
      S3_RECEIVER_METRICS.lag,
      'Seconds between now and the window end of the newest object finished.',
      l,
    ),
    configFault: m.gauge(S3_RECEIVER_METRICS.configFault, '1 while a configuration fault stops reading.', l),
    requestErrors: m.counter(S3_RECEIVER_METRICS.requestErrors, 'Failed requests to the store.', [
      'receiver',
      'kind',
    ]),
  };
}
