// Metrics of the `logpush_http` receiver, and refusal logging (once per distinct reason per minute).
import type { Counter, Gauge, Histogram, Logger, Metrics } from '@logpush-otel/pipeline';

/** Metric names of the `logpush_http` receiver (label `receiver`: its id). */
export const HTTP_RECEIVER_METRICS = {
  /** Counter, labels `receiver`, `status`: requests answered, by HTTP status. */
  requests: 'logpush_otel_http_requests_total',
  /** Counter, labels `receiver`, `reason`: requests refused, by reason (`unauthorized`, `spool-full`...). */
  refusals: 'logpush_otel_http_refusals_total',
  /** Counter: request body bytes received, as sent (compressed). */
  bytesIn: 'logpush_otel_http_bytes_in_total',
  /** Counter: decompressed bytes of accepted bodies, handed on to the spool (or the pipeline). */
  bytesOut: 'logpush_otel_http_bytes_out_total',
  /** Counter: lines in accepted bodies. */
  linesAccepted: 'logpush_otel_http_lines_accepted_total',
  /** Gauge: bytes and files in the spool, accepted and not yet acknowledged. */
  spoolBytes: 'logpush_otel_http_spool_bytes',
  spoolFiles: 'logpush_otel_http_spool_files',
  /** Gauge: requests being received. */
  inFlight: 'logpush_otel_http_requests_in_flight',
  /** Histogram (s): from a request's arrival to its 2xx. */
  responseTime: 'logpush_otel_http_response_seconds',
  /** Histogram (s): from a request's 2xx to the acknowledgement of all its records. */
  ackDelay: 'logpush_otel_http_ack_delay_seconds',
} as const;

/** The receiver's metrics, bound to its id. */
export class HttpReceiverTelemetry {
  readonly #labels: Record<string, string>;
  readonly #logger: Logger;
  readonly #component: string;
  readonly #requests: Counter;
  readonly #refusals: Counter;
  readonly #bytesIn: Counter;
  readonly #bytesOut: Counter;
  readonly #lines: Counter;
  readonly #spoolBytes: Gauge;
  readonly #spoolFiles: Gauge;
  readonly #inFlight: Gauge;
  readonly #responseTime: Histogram;
  readonly #ackDelay: Histogram;
  /** Per reason: when it was last logged and how many refusals since. */
  readonly #logged = new Map<string, { at: number; since: number }>();

  constructor(id: string, metrics: Metrics, logger: Logger) {
    this.#labels = { receiver: id };
    this.#logger = logger;
    this.#component = `receivers/${id}`;
    const m = HTTP_RECEIVER_METRICS;
    const l = ['receiver'];
    this.#requests = metrics.counter(m.requests, 'HTTP requests answered, by status.', [
      'receiver',
      'status',
    ]);
    this.#refusals = metrics.counter(m.refusals, 'HTTP requests refused, by reason.', ['receiver', 'reason']);
    this.#bytesIn = metrics.counter(m.bytesIn, 'Request body bytes received (as sent, compressed).', l);
    this.#bytesOut = metrics.counter(m.bytesOut, 'Decompressed bytes of accepted request bodies.', l);
    this.#lines = metrics.counter(m.linesAccepted, 'Lines in accepted request bodies.', l);
    this.#spoolBytes = metrics.gauge(m.spoolBytes, 'Bytes of accepted bodies waiting in the spool.', l);
    this.#spoolFiles = metrics.gauge(m.spoolFiles, 'Accepted bodies waiting in the spool.', l);
    this.#inFlight = metrics.gauge(m.inFlight, 'HTTP requests being received.', l);
    this.#responseTime = metrics.histogram(
      m.responseTime,
      'Seconds from the arrival of a request to its 2xx.',
      undefined,
      l,
    );
    this.#ackDelay = metrics.histogram(
      m.ackDelay,
      'Seconds from the 2xx of a request to the acknowledgement of all its records.',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      l,
    );
  }

  answered(status: number): void {
    this.#requests.inc(1, { ...this.#labels, status: String(status) });
  }

  accepted(seconds: number, bytesOut: number, lines: number): void {
    this.#responseTime.observe(seconds, this.#labels);
    this.#bytesOut.inc(bytesOut, this.#labels);
    this.#lines.inc(lines, this.#labels);
  }

  bytesIn(n: number): void {
    this.#bytesIn.inc(n, this.#labels);
  }

  inFlight(delta: number): void {
    this.#inFlight.inc(delta, this.#labels);
  }

  spool(bytes: number, files: number): void {
    this.#spoolBytes.set(bytes, this.#labels);
    this.#spoolFiles.set(files, this.#labels);
  }

  acknowledged(seconds: number): void {
    this.#ackDelay.observe(seconds, this.#labels);
  }

  /** Counts a refusal; logs the first of each reason, then at most once a minute with the count since. */
  refused(reason: string, status: number, message: string, fields: Record<string, unknown> = {}): void {
    this.#refusals.inc(1, { ...this.#labels, reason });
    const now = Date.now();
    const seen = this.#logged.get(reason);
    if (seen !== undefined && now - seen.at < 60_000) {
      seen.since++;
      return;
    }
    const since = seen?.since ?? 0;
    this.#logged.set(reason, { at: now, since: 0 });
    this.#logger.warn('request refused', {
      component: this.#component,
      reason,
      status,
      message,
      ...(since > 0 ? { alsoRefusedForThisReasonInTheLastMinute: since } : {}),
      ...fields,
    });
  }
}
