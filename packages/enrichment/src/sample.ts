import type { LogEntry, ProcessorFactory } from '@logpush-otel/pipeline';
import { ConfigReader } from '@logpush-otel/pipeline';
import { dropProcessor } from './processor.ts';
import { applySampleRate } from './sample-weight.ts';

/** 32-bit FNV-1a hash of `text` (UTF-16 code units), mixed with `seed`. */
export function fnv1a32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche so that keys differing only in their last characters spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/** Whether `key` falls into the kept `rate` share (0..1) of the hash space: the same key always gives the same answer. */
export function keepByHash(key: string, rate: number, seed = 0): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return fnv1a32(key, seed) / 0x1_0000_0000 < rate;
}

/** Fields whose value identifies a request across datasets, in lookup order (RayID joins http and firewall). */
export const defaultSampleKeyFields: readonly string[] = ['RayID', 'RayId', 'rayID', 'OriginatorRayID'];

/** Config of the `sample` processor. */
export interface SampleConfig {
  /** Share of records kept, 0 < rate <= 1. */
  rate: number;
  /** `hash`: deterministic by the key field (the same ray id is kept or dropped everywhere); `random`. */
  mode: 'hash' | 'random';
  /** Fields tried in order for the hash key; the raw line is the key when none is present. */
  key_fields: string[];
  seed: number;
  /** Only these datasets are sampled (empty: all); others pass untouched. */
  datasets: string[];
  /** Multiply `cloudflare.sample_weight` by 1/rate on kept records (default true). */
  adjust_weight: boolean;
}

/** Whether the sample processor configured by `config` keeps `entry` (random mode uses `random`). */
export function sampleKeeps(
  entry: LogEntry,
  config: SampleConfig,
  random: () => number = Math.random,
): boolean {
  if (config.datasets.length > 0 && !config.datasets.includes(entry.dataset)) return true;
  if (config.mode === 'random') return random() < config.rate;
  let key: string | undefined;
  for (const f of config.key_fields) {
    const v = entry.record[f];
    if (typeof v === 'string' && v !== '') {
      key = v;
      break;
    }
    if (typeof v === 'number' || typeof v === 'bigint') {
      key = String(v);
      break;
    }
  }
  return keepByHash(key ?? entry.raw, config.rate, config.seed);
}

/** `sample` processor: keeps a share of records (deterministic by ray id, or random); drops are acknowledged. */
export const sampleProcessorFactory: ProcessorFactory<SampleConfig> = {
  type: 'sample',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({
    rate: 1,
    mode: 'hash',
    key_fields: [...defaultSampleKeyFields],
    seed: 0,
    datasets: [],
    adjust_weight: true,
  }),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    return r.finish<SampleConfig>({
      rate: r.number('rate', 1, { min: 0, exclusiveMin: true, max: 1 }),
      mode: r.oneOf('mode', ['hash', 'random'] as const, 'hash'),
      key_fields: r.stringList('key_fields', defaultSampleKeyFields, { nonEmptyItems: true }),
      seed: r.number('seed', 0, { integer: true, min: 0, max: 0xffffffff }),
      datasets: r.stringList('datasets', [], { nonEmptyItems: true }),
      adjust_weight: r.boolean('adjust_weight', true),
    });
  },
  create(settings, config, next) {
    return dropProcessor(settings, next, (entry) => {
      if (!sampleKeeps(entry, config)) return false;
      const sampled = config.datasets.length === 0 || config.datasets.includes(entry.dataset);
      if (config.adjust_weight && sampled && config.rate < 1) applySampleRate(entry, config.rate);
      return true;
    });
  },
};
