import type { AnyValue, LogEntry, ProcessorFactory } from '@logpush-otel/pipeline';
import { ConfigReader, Double } from '@logpush-otel/pipeline';
import { entryProcessor } from './processor.ts';

/** Attribute keys for sampling. */
export const sampleAttributes = {
  /** The Logpush job's `sample_rate` (0 < rate <= 1) the record was kept with. */
  logpushSampleRate: 'cloudflare.logpush.sample_rate',
  /** How many original events this record stands for: 1 / (product of every sampling rate applied). */
  weight: 'cloudflare.sample_weight',
} as const;

/** The sample weight already on an entry (1 when none). */
export function currentWeight(entry: LogEntry): number {
  const w: AnyValue | undefined = entry.attributes[sampleAttributes.weight];
  if (w instanceof Double) return w.value;
  if (typeof w === 'number') return w;
  return 1;
}

/**
 * Records that `entry` survived sampling at `rate` (0 < rate <= 1): multiplies its weight by 1/rate. With
 * `logpush: true` it also records the rate as the Logpush job's `sample_rate`.
 */
export function applySampleRate(entry: LogEntry, rate: number, logpush = false): void {
  if (logpush) entry.attributes[sampleAttributes.logpushSampleRate] = new Double(rate);
  entry.attributes[sampleAttributes.weight] = new Double(currentWeight(entry) / rate);
}

/** Config of the `sample_weight` processor. */
export interface SampleWeightConfig {
  /** The Logpush job's sample_rate, for every dataset not listed in `datasets`. */
  sample_rate: number;
  /** Per-dataset sample rates (dataset id to rate). */
  datasets: Record<string, number>;
}

/** `sample_weight` processor: stamps the Logpush job's sample rate and the weight 1/rate on every record. */
export const sampleWeightProcessorFactory: ProcessorFactory<SampleWeightConfig> = {
  type: 'sample_weight',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({ sample_rate: 1, datasets: {} }),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    const rateRange = { min: 0, exclusiveMin: true, max: 1 };
    const sampleRate = r.number('sample_rate', 1, rateRange);
    const datasets = r.numberMap('datasets', {}, rateRange);
    return r.finish({ sample_rate: sampleRate, datasets });
  },
  create(settings, config, next) {
    return entryProcessor(settings, next, (entry) => {
      const rate =
        config.datasets[entry.dataset] ??
        config.datasets[entry.dataset.split('@')[0] ?? ''] ??
        config.sample_rate;
      applySampleRate(entry, rate, true);
    });
  },
};
