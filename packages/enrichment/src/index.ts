// Public API: enrichers as plain functions over records and LogEntry, and their processor factories.
export { enrichmentFactories } from './factories.ts';
export { fieldKind } from './field-kinds.ts';
export type { FieldKind } from './field-kinds.ts';
export { recordToJson } from './record-json.ts';

export {
  coloAttributes,
  coloLocation,
  coloProcessorFactory,
  defaultColoFields,
  enrichColo,
  knownColoCodes,
} from './colo.ts';
export type { ColoConfig, ColoLocation } from './colo.ts';

export { deriveFields, derivedAttributes, derivedProcessorFactory, enrichDerived } from './derived.ts';
export type { DeriveOptions, DerivedConfig } from './derived.ts';

export {
  UserAgentCache,
  defaultUserAgentFields,
  enrichUserAgent,
  parseUserAgent,
  userAgentAttributes,
  userAgentAttributesOf,
  userAgentProcessorFactory,
} from './user-agent.ts';
export type { UserAgentConfig, UserAgentInfo } from './user-agent.ts';

export {
  enrichIndicators,
  indicatorAttributes,
  indicatorsOf,
  indicatorsProcessorFactory,
  normalizeDomain,
} from './indicators.ts';
export type { Indicators, IndicatorsConfig } from './indicators.ts';

export {
  applySampleRate,
  currentWeight,
  sampleAttributes,
  sampleWeightProcessorFactory,
} from './sample-weight.ts';
export type { SampleWeightConfig } from './sample-weight.ts';

export {
  defaultSampleKeyFields,
  fnv1a32,
  keepByHash,
  sampleKeeps,
  sampleProcessorFactory,
} from './sample.ts';
export type { SampleConfig } from './sample.ts';

export { blockMatches, conditionHolds, filterKeeps, filterProcessorFactory } from './filter.ts';
export type { Condition, FilterConfig, MatchBlock } from './filter.ts';

export { hashIp, truncateIp } from './ip.ts';
export type { TruncateOptions } from './ip.ts';
export {
  PrivacyRules,
  SECRET_HEADERS,
  defaultSensitiveParamPatterns,
  defaultSensitiveParams,
  privacyPreset,
  privacyProcessorFactory,
  resolvePrivacyConfig,
  strictDropFieldPatterns,
  strictDropFields,
} from './privacy.ts';
export type { IpMode, PrivacyConfig, PrivacyPolicy, QueryMode } from './privacy.ts';
export { TEXT_REDACTED, scrubText } from './privacy-text.ts';
export type { ScrubTextOptions } from './privacy-text.ts';

export {
  GeoIpDatabase,
  cloudflareGeoFields,
  defaultGeoIpFields,
  enrichGeo,
  geoAttributes,
  geoIpProcessorFactory,
  lookupGeo,
} from './geoip.ts';
export type { GeoEnrichOptions, GeoIpConfig, GeoResult } from './geoip.ts';
