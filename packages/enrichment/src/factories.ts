import type { ProcessorFactory } from '@logpush-otel/pipeline';
import { coloProcessorFactory } from './colo.ts';
import { derivedProcessorFactory } from './derived.ts';
import { filterProcessorFactory } from './filter.ts';
import { geoIpProcessorFactory } from './geoip.ts';
import { indicatorsProcessorFactory } from './indicators.ts';
import { privacyProcessorFactory } from './privacy.ts';
import { sampleWeightProcessorFactory } from './sample-weight.ts';
import { sampleProcessorFactory } from './sample.ts';
import { userAgentProcessorFactory } from './user-agent.ts';

/**
 * Every processor of this package, for a component registry: `geoip`, `colo`, `user_agent`, `derived`,
 * `privacy`, `indicators`, `sample_weight`, `filter`, `sample`.
 */
export const enrichmentFactories: readonly ProcessorFactory[] = [
  geoIpProcessorFactory,
  coloProcessorFactory,
  userAgentProcessorFactory,
  derivedProcessorFactory,
  privacyProcessorFactory,
  indicatorsProcessorFactory,
  sampleWeightProcessorFactory,
  filterProcessorFactory,
  sampleProcessorFactory,
];
