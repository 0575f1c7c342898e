// The Metrics given to components, backed by a prom-client registry served at /metrics.
import {
  Counter as PromCounter,
  Gauge as PromGauge,
  Histogram as PromHistogram,
  Registry,
} from 'prom-client';
import type { Counter, Gauge, Histogram, Metrics } from '@logpush-otel/pipeline';

/** Default histogram buckets (seconds): 1 ms to 2 minutes. */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

type Kind = 'counter' | 'gauge' | 'histogram';

/**
 * A {@link Metrics} over a prom-client {@link Registry}. Asking twice for the same name returns the same metric
 * (components of the same type share their series, told apart by labels); asking for a name already used by
 * another kind of metric throws. `inc`/`set`/`observe` without labels on a labelled metric use no labels.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly made = new Map<string, { kind: Kind; metric: Counter | Gauge | Histogram }>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.get(name, 'counter', () => {
      const c = new PromCounter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
      return { inc: (value = 1, labels) => (labels === undefined ? c.inc(value) : c.inc(labels, value)) };
    }) as Counter;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.get(name, 'gauge', () => {
      const g = new PromGauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
      return {
        set: (value, labels) => (labels === undefined ? g.set(value) : g.set(labels, value)),
        inc: (value = 1, labels) => (labels === undefined ? g.inc(value) : g.inc(labels, value)),
        dec: (value = 1, labels) => (labels === undefined ? g.dec(value) : g.dec(labels, value)),
      };
    }) as Gauge;
  }

  histogram(
    name: string,
    help: string,
    buckets?: readonly number[],
    labelNames: readonly string[] = [],
  ): Histogram {
    return this.get(name, 'histogram', () => {
      const h = new PromHistogram({
        name,
        help,
        labelNames: [...labelNames],
        buckets: [...(buckets ?? LATENCY_BUCKETS)],
        registers: [this.registry],
      });
      return {
        observe: (value, labels) => (labels === undefined ? h.observe(value) : h.observe(labels, value)),
      };
    }) as Histogram;
  }

  /**
   * A gauge computed when scraped: `read()` returns the value per label set (e.g. ingestion lag = now minus the
   * newest exported event time).
   */
  computedGauge(
    name: string,
    help: string,
    labelNames: readonly string[],
    read: () => Array<[Record<string, string>, number]>,
  ): void {
    if (this.made.has(name)) throw new Error(`metric ${name} is already registered`);
    const g = new PromGauge({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      collect() {
        g.reset();
        for (const [labels, value] of read()) g.set(labels, value);
      },
    });
    this.made.set(name, { kind: 'gauge', metric: { set() {}, inc() {}, dec() {} } });
  }

  /** The exposition text (Prometheus format). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private get(
    name: string,
    kind: Kind,
    make: () => Counter | Gauge | Histogram,
  ): Counter | Gauge | Histogram {
    const existing = this.made.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind) throw new Error(`metric ${name} is a ${existing.kind}, not a ${kind}`);
      return existing.metric;
    }
    const metric = make();
    this.made.set(name, { kind, metric });
    return metric;
  }
}
