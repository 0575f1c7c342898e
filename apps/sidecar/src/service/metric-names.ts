// The Prometheus metrics of the service and the receivers, by owner. Components get `settings.metrics` and register these
// names with it (registering the same name twice returns the same metric). Labels are the component id. The
// exporters' metrics are in exporters/metric-names.ts.

/** Metrics the service itself keeps (label `component` or `exporter`: the component id). */
export const SERVICE_METRICS = {
  /** Gauge: 1 once every component started, 0 before and while stopping. */
  ready: 'logpush_otel_ready',
  /** Gauge, label `exporter`: now minus the event time of the newest record the exporter acknowledged. */
  ingestionLag: 'logpush_otel_ingestion_lag_seconds',
  /** Gauge, label `exporter`: event time (unix seconds) of the newest record the exporter acknowledged. */
  lastExportedEventTime: 'logpush_otel_last_exported_event_timestamp_seconds',
  /** Histogram, label `exporter`: time from handing a batch to an exporter until it resolved (retries included). */
  exportLatency: 'logpush_otel_export_duration_seconds',
  /** Counter, label `exporter`: records in batches an exporter resolved (delivered or dead-lettered). */
  acknowledgedRecords: 'logpush_otel_exporter_acknowledged_records_total',
  /** Counter, label `exporter`: records in batches an exporter rejected (not delivered; the source re-reads). */
  rejectedRecords: 'logpush_otel_exporter_rejected_records_total',
  /** Gauge, label `component`: batches a receiver or processor handed on and not yet settled. */
  batchesInFlight: 'logpush_otel_batches_in_flight',
  /** Gauge, label `exporter` (Collector name): batches handed to the exporter and not yet settled. */
  exporterQueueSize: 'otelcol_exporter_queue_size',
  /** Gauge, label `exporter` (Collector name): requests the exporter sends at once (its `concurrency`). */
  exporterQueueCapacity: 'otelcol_exporter_queue_capacity',
  /** Counter, label `component`: records written to the dead-letter store, by the component that rejected them. */
  deadLetteredRecords: 'logpush_otel_dead_lettered_records_total',
} as const;

/** Metrics of the `logpush_file` receiver (label `receiver`), as registered by it. */
export const RECEIVER_METRICS = {
  /** The Collector's name: records read and handed on. */
  recordsRead: 'otelcol_receiver_accepted_log_records_total',
  bytesRead: 'logpush_otel_receiver_bytes_read_total',
  /** The Collector's name: lines that could not be read as records (they go to the dead-letter store). */
  recordsRejected: 'otelcol_receiver_refused_log_records_total',
  filesDone: 'logpush_otel_receiver_files_done_total',
  retries: 'logpush_otel_receiver_retries_total',
  openFiles: 'logpush_otel_receiver_open_files',
  checkpointAge: 'logpush_otel_receiver_checkpoint_age_seconds',
  /** Gauge: bytes of request bodies encoded in worker threads and not yet acknowledged (waiting or exporting). */
  encodedBytesInFlight: 'logpush_otel_receiver_encoded_bytes_in_flight',
  invalidUtf8Lines: 'logpush_otel_receiver_invalid_utf8_lines_total',
} as const;

/** Metrics of the `logpush_s3` receiver (label `receiver`) besides the receiver metrics above it shares. */
export const S3_RECEIVER_METRICS = {
  /** Counter: objects read to the end with every record acknowledged. */
  objectsDone: 'logpush_otel_receiver_s3_objects_done_total',
  /** Gauge: now minus the window end named in the key of the newest object finished (seconds). */
  lag: 'logpush_otel_receiver_s3_lag_seconds',
  /** Gauge: 1 while the bucket cannot be used because of a configuration fault (credentials, bucket). */
  configFault: 'logpush_otel_receiver_s3_config_fault',
  /** Counter, label `kind` too: failed requests to the store (`config`, `transient`, `changed`, `gone`). */
  requestErrors: 'logpush_otel_receiver_s3_request_errors_total',
} as const;
