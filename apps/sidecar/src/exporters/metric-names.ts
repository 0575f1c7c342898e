// Prometheus names of the exporters' metrics (all labelled with `exporter`, the component id).

/** Metric names used by the exporters. */
export const EXPORTER_METRICS = {
  /** The Collector's name: records the backend accepted. */
  sentRecords: 'otelcol_exporter_sent_log_records_total',
  sentBytes: 'logpush_otel_exporter_sent_bytes_total',
  /** The Collector's name: records whose export failed (gave up, or refused for good and dead-lettered). */
  failedRecords: 'otelcol_exporter_send_failed_log_records_total',
  /** The Collector's name: records handed to the exporter after it shut down. */
  enqueueFailed: 'otelcol_exporter_enqueue_failed_log_records_total',
  retries: 'logpush_otel_exporter_retries_total',
  latency: 'logpush_otel_exporter_request_duration_seconds',
  inFlight: 'logpush_otel_exporter_in_flight_requests',
  misconfiguredRefusals: 'logpush_otel_exporter_misconfigured_refusals_total',
  paused: 'logpush_otel_exporter_paused',
} as const;
