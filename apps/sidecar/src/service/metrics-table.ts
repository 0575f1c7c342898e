// The README's table of metrics, rendered from a registry holding every metric the sidecar registers: the service's
// own, the process metrics, and those of one instance of each component (created with its defaults, never
// started). A test compares it with the README, so the table cannot drift from the code.
import type { Consumer, CreateSettings } from '@logpush-otel/pipeline';
import { createSidecarRegistry } from '../registry.ts';
import { countingDeadLetters, instrumentExporters } from './instrument.ts';
import { SERVICE_METRICS } from './metric-names.ts';
import { PrometheusMetrics } from './metrics.ts';
import { registerProcessMetrics } from './process-metrics.ts';

/** Where the generated table sits in a README. */
export const TABLE_START =
  '<!-- metrics-table:start (generated from the registry: npm run generate:metrics-table) -->';
export const TABLE_END = '<!-- metrics-table:end -->';

/** The gauge `run` keeps: 1 once every component started. */
export function readyGauge(metrics: PrometheusMetrics): ReturnType<PrometheusMetrics['gauge']> {
  return metrics.gauge(SERVICE_METRICS.ready, 'Whether every component started (1) or not (0).');
}

/** A registry holding every metric of the sidecar (components whose defaults cannot be created are skipped). */
export function everyMetric(): PrometheusMetrics {
  const metrics = new PrometheusMetrics();
  registerProcessMetrics(metrics);
  readyGauge(metrics);
  const store = countingDeadLetters({ write: () => Promise.resolve() }, metrics);
  const registry = instrumentExporters(createSidecarRegistry(), metrics);
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const next: Consumer = { consume: () => Promise.resolve() };
  const settings = (id: string): CreateSettings => ({ id, logger, metrics, deadLetters: store });
  for (const group of [registry.receivers, registry.processors, registry.exporters]) {
    for (const [type, factory] of group) {
      try {
        // the otlp exporter needs an endpoint to be created (nothing is sent)
        const defaults = factory.defaultConfig() as Record<string, unknown>;
        const config = type === 'otlp' ? { ...defaults, endpoint: 'http://127.0.0.1:4318' } : defaults;
        const component = factory.create(settings(type), config, next);
        void component.shutdown().catch(() => undefined);
      } catch {
        // a component that cannot be created from its defaults has its metrics missing from the table
      }
    }
  }
  return metrics;
}

interface Described {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly labelNames?: readonly string[];
}

/** The markdown table (without the markers): one row per metric, prom-client's defaults summed up in one row. */
export function renderMetricsTable(metrics: PrometheusMetrics): string {
  const all = metrics.registry.getMetricsAsArray() as unknown as Described[];
  const defaults = all.filter((m) => m.name.startsWith('process_') || m.name.startsWith('nodejs_'));
  const own = all
    .filter((m) => !defaults.includes(m))
    .sort((a, b) =>
      a.name.startsWith('otelcol_') === b.name.startsWith('otelcol_')
        ? a.name.localeCompare(b.name)
        : a.name.startsWith('otelcol_')
          ? -1
          : 1,
    );
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const rows = own.map(
    (m) =>
      `| \`${m.name}\` | ${m.type} | ${(m.labelNames ?? []).map((l) => `\`${l}\``).join(', ')} | ${cell(m.help)} |`,
  );
  rows.push(
    `| \`process_*\`, \`nodejs_*\` | (${defaults.length} metrics) | | prom-client's default process metrics: CPU, resident memory, heap, event-loop lag (\`nodejs_eventloop_lag_seconds\`), handles, garbage collection |`,
  );
  return ['| metric | type | labels | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * `readme` (at `file`) with the text between the markers replaced by `table`, formatted with the repository's
 * Prettier settings (as committed); throws when the markers are missing.
 */
export async function withMetricsTable(readme: string, table: string, file: string): Promise<string> {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('the README has no metrics-table markers');
  const text = `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}
