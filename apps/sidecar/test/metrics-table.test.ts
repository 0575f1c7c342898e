// The README's metrics table is generated from the registry; this fails when a metric is added, renamed or
// re-described without regenerating it (npm run generate:metrics-table -w logpush-otel).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { everyMetric, renderMetricsTable, withMetricsTable } from '../src/service/metrics-table.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));

describe('README metrics table', () => {
  it('lists exactly the metrics the registry holds', async () => {
    const current = await readFile(readme, 'utf8');
    const table = renderMetricsTable(everyMetric());
    expect(await withMetricsTable(current, table, readme)).toBe(current);
  });

  it("carries the Collector's names, process metrics and a single dead-letter counter", () => {
    const names = everyMetric()
      .registry.getMetricsAsArray()
      .map((m) => (m as unknown as { name: string }).name);
    for (const name of [
      'otelcol_receiver_accepted_log_records_total',
      'otelcol_receiver_refused_log_records_total',
      'otelcol_exporter_sent_log_records_total',
      'otelcol_exporter_send_failed_log_records_total',
      'otelcol_exporter_enqueue_failed_log_records_total',
      'otelcol_exporter_queue_size',
      'otelcol_exporter_queue_capacity',
      'otelcol_process_memory_rss',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(names).toContain(name);
    expect(names.filter((n) => n.includes('dead_letter'))).toEqual([
      'logpush_otel_dead_lettered_records_total',
    ]);
    expect(names.filter((n) => n.includes('in_flight') && n.includes('batches'))).toEqual([
      'logpush_otel_batches_in_flight',
    ]);
  });
});
