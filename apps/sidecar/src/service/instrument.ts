// Measurements the service takes around components, so every exporter is measured the same way.
import type {
  ComponentRegistry,
  Consumer,
  DeadLetterStore,
  Exporter,
  ExporterFactory,
  MappedBatch,
  ReceiverFactory,
  ReportsReadiness,
} from '@logpush-otel/pipeline';
import { reportsReadiness } from '@logpush-otel/pipeline';
import { isEncodedConsumer } from '../workers/encoded.ts';
import type { EncodedBatch, EncodedConsumer, InFlightCounting } from '../workers/encoded.ts';
import { SERVICE_METRICS } from './metric-names.ts';
import type { PrometheusMetrics } from './metrics.ts';

/**
 * Returns `registry` with every receiver's consumer counted (its batches in flight) and every exporter wrapped:
 * its queue (batches in it) and capacity, time to resolve, records acknowledged and
 * rejected, and the newest acknowledged event time (from which `logpush_otel_ingestion_lag_seconds` is computed
 * at scrape time). The wrapped exporter behaves exactly like the original (pre-encoded batches included).
 */
export function instrumentExporters(
  registry: ComponentRegistry,
  metrics: PrometheusMetrics,
  now: () => number = Date.now,
): ComponentRegistry {
  const label = ['exporter'];
  const queueSize = metrics.gauge(
    SERVICE_METRICS.exporterQueueSize,
    'Batches handed to the exporter and not yet settled (acknowledged, dead-lettered or rejected).',
    label,
  );
  const queueCapacity = metrics.gauge(
    SERVICE_METRICS.exporterQueueCapacity,
    'Requests the exporter sends at once (its concurrency); more batches wait upstream, bounded by the receivers.',
    label,
  );
  const inFlight = metrics.gauge(
    SERVICE_METRICS.batchesInFlight,
    'Batches a receiver or processor handed on and not yet settled.',
    ['component'],
  );
  const latency = metrics.histogram(
    SERVICE_METRICS.exportLatency,
    'Seconds from handing a batch to an exporter until it resolved or rejected (retries included).',
    undefined,
    label,
  );
  const acked = metrics.counter(
    SERVICE_METRICS.acknowledgedRecords,
    'Records in batches an exporter resolved (delivered, or dead-lettered by it).',
    label,
  );
  const rejected = metrics.counter(
    SERVICE_METRICS.rejectedRecords,
    'Records in batches an exporter rejected (not delivered; the source keeps its position).',
    label,
  );
  const newestByExporter = new Map<string, bigint>();
  metrics.computedGauge(
    SERVICE_METRICS.lastExportedEventTime,
    'Event time (unix seconds) of the newest record an exporter acknowledged.',
    label,
    () => [...newestByExporter].map(([exporter, ns]) => [{ exporter }, Number(ns / 1_000_000n) / 1000]),
  );
  metrics.computedGauge(
    SERVICE_METRICS.ingestionLag,
    'Seconds between now and the event time of the newest record an exporter acknowledged.',
    label,
    () =>
      [...newestByExporter].map(([exporter, ns]) => [
        { exporter },
        Math.max(0, (now() - Number(ns / 1_000_000n)) / 1000),
      ]),
  );

  const wrap = (factory: ExporterFactory): ExporterFactory => ({
    ...factory,
    defaultConfig: () => factory.defaultConfig(),
    validate: (config, path) => factory.validate(config, path),
    create(settings, config, next) {
      const exporter = factory.create(settings, config, next);
      const labels = { exporter: settings.id };
      const concurrency = (config as { concurrency?: unknown }).concurrency;
      queueCapacity.set(typeof concurrency === 'number' ? concurrency : 1, labels);
      queueSize.set(0, labels);
      const observe = async (records: number, max: bigint | undefined, run: () => Promise<void>) => {
        const started = performance.now();
        queueSize.inc(1, labels);
        try {
          await run();
          acked.inc(records, labels);
          const seen = newestByExporter.get(settings.id);
          if (max !== undefined && (seen === undefined || max > seen)) newestByExporter.set(settings.id, max);
        } catch (error) {
          rejected.inc(records, labels);
          throw error;
        } finally {
          queueSize.dec(1, labels);
          latency.observe((performance.now() - started) / 1000, labels);
        }
      };
      const wrapped: Exporter & ReportsReadiness & Partial<EncodedConsumer> = {
        start: (host) => exporter.start(host),
        shutdown: () => exporter.shutdown(),
        notReadyReason: () => (reportsReadiness(exporter) ? exporter.notReadyReason() : undefined),
        consume(batch: MappedBatch) {
          let max: bigint | undefined;
          for (const e of batch.entries)
            if (e.timeUnixNano !== undefined && (max === undefined || e.timeUnixNano > max))
              max = e.timeUnixNano;
          return observe(batch.entries.length, max, () => exporter.consume(batch));
        },
      };
      if (isEncodedConsumer(exporter)) {
        const encoded: EncodedConsumer = exporter;
        Object.assign(wrapped, {
          encoding: encoded.encoding,
          consumeEncoded: (batch: EncodedBatch) =>
            observe(batch.records, batch.newestTimeUnixNano, () => encoded.consumeEncoded(batch)),
        });
      }
      return wrapped;
    },
  });
  // A receiver's batches in flight: counted on the consumer it hands them to.
  const wrapReceiver = (factory: ReceiverFactory): ReceiverFactory => ({
    ...factory,
    defaultConfig: () => factory.defaultConfig(),
    validate: (config, path) => factory.validate(config, path),
    create(settings, config, next) {
      if (next === undefined) return factory.create(settings, config, next);
      const component = { component: `receivers/${settings.id}` };
      inFlight.set(0, component);
      const counted = async <T>(run: () => Promise<T>): Promise<T> => {
        inFlight.inc(1, component);
        try {
          return await run();
        } finally {
          inFlight.dec(1, component);
        }
      };
      // `counted` also serves batches the receiver delivers encoded (worker threads), bypassing `consume`.
      const consumer: Consumer & InFlightCounting = {
        consume: (batch) => counted(() => next.consume(batch)),
        counted,
      };
      return factory.create(settings, config, consumer);
    },
  });
  return {
    receivers: new Map([...registry.receivers].map(([type, f]) => [type, wrapReceiver(f)])),
    processors: registry.processors,
    exporters: new Map([...registry.exporters].map(([type, f]) => [type, wrap(f)])),
  };
}

/** A dead-letter store that counts what is written, by the component that rejected it; `written` is the total. */
export function countingDeadLetters(
  store: DeadLetterStore,
  metrics: PrometheusMetrics,
): DeadLetterStore & { readonly written: number } {
  const counter = metrics.counter(
    SERVICE_METRICS.deadLetteredRecords,
    'Records and lines written to the dead-letter store, by the component that rejected them.',
    ['component'],
  );
  let total = 0;
  const counting: DeadLetterStore & { readonly written: number } = {
    get written() {
      return total;
    },
    async write(letters) {
      await store.write(letters);
      total += letters.length;
      const by = new Map<string, number>();
      for (const l of letters) by.set(l.component, (by.get(l.component) ?? 0) + 1);
      for (const [component, n] of by) counter.inc(n, { component });
    },
  };
  return counting;
}
