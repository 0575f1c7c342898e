// Prometheus names of the exporters' metrics (all labelled with `exporter`, the component id).

/** Metric names used by the exporters. */
export const EXPORTER_METRICS = {
  sentRecords: 'logpush_otel_exporter_sent_records_total',
  sentBytes: 'logpush_otel_exporter_sent_bytes_total',
  failedRecords: 'logpush_otel_exporter_send_failed_records_total',
  deadLettered: 'logpush_otel_exporter_dead_lettered_records_total',
  retries: 'logpush_otel_exporter_retries_total',
  latency: 'logpush_otel_exporter_request_duration_seconds',
  inFlight: 'logpush_otel_exporter_in_flight_requests',
  misconfiguredRefusals: 'logpush_otel_exporter_misconfigured_refusals_total',
  paused: 'logpush_otel_exporter_paused',
} as const;
