// Public API: enrichers as plain functions over records and LogEntry, and their processor factories.
export { enrichmentFactories } from './factories.ts';

export { coloLocation } from './colo.ts';
export type { ColoLocation } from './colo.ts';

export { deriveFields } from './derived.ts';
export type { DeriveOptions } from './derived.ts';

export { parseUserAgent } from './user-agent.ts';
export type { UserAgentInfo } from './user-agent.ts';

export { indicatorsOf } from './indicators.ts';
export type { Indicators } from './indicators.ts';

export { keepByHash } from './sample.ts';

export { hashIp, truncateIp } from './ip.ts';
export type { TruncateOptions } from './ip.ts';
export {
  PrivacyRules,
  defaultSensitiveParamPatterns,
  defaultSensitiveParams,
  privacyPreset,
} from './privacy.ts';
export type { IpMode, PrivacyConfig, PrivacyPolicy, QueryMode } from './privacy.ts';
export { scrubText } from './privacy-text.ts';
export type { ScrubTextOptions } from './privacy-text.ts';

export { GeoIpDatabase } from './geoip.ts';
export type { GeoResult } from './geoip.ts';
