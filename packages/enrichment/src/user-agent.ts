import { createRequire } from 'node:module';
import type { Attributes, LogEntry, ProcessorFactory } from '@logpush-otel/pipeline';
import { ConfigReader } from '@logpush-otel/pipeline';
import { entryProcessor, processorCounter } from './processor.ts';

interface UaParserResult {
  browser: { name?: string; version?: string };
  os: { name?: string; version?: string };
  device: { type?: string; vendor?: string; model?: string };
}
interface UaParserInstance {
  setUA(ua: string): UaParserInstance;
  getResult(): UaParserResult;
}
type UaParserConstructor = new () => UaParserInstance;

// ua-parser-js 1.x (MIT) is CommonJS without type definitions; load it through require and type what we use.
const require = createRequire(import.meta.url);
const UAParser = require('ua-parser-js') as UaParserConstructor;
const shared = new UAParser();

/** What {@link parseUserAgent} found; fields the parser could not tell are absent. */
export interface UserAgentInfo {
  name?: string;
  version?: string;
  osName?: string;
  osVersion?: string;
  /** `mobile`, `tablet`, `console`, `smarttv`, `wearable`, `embedded`, `xr`; absent for desktops and unknowns. */
  deviceType?: string;
}

/** Parses a User-Agent header with ua-parser-js 1.x (no cache: see {@link UserAgentCache}). */
export function parseUserAgent(ua: string): UserAgentInfo {
  const r = shared.setUA(ua).getResult();
  const info: UserAgentInfo = {};
  if (r.browser.name !== undefined) info.name = r.browser.name;
  if (r.browser.version !== undefined) info.version = r.browser.version;
  if (r.os.name !== undefined) info.osName = r.os.name;
  if (r.os.version !== undefined) info.osVersion = r.os.version;
  if (r.device.type !== undefined) info.deviceType = r.device.type;
  return info;
}

/** Attribute keys the user_agent processor writes (semconv, plus a vendor key for the device type). */
export const userAgentAttributes = {
  name: 'user_agent.name',
  version: 'user_agent.version',
  osName: 'user_agent.os.name',
  osVersion: 'user_agent.os.version',
  deviceType: 'cloudflare.user_agent.device.type',
} as const;

/** {@link UserAgentInfo} as attributes. */
export function userAgentAttributesOf(info: UserAgentInfo): Attributes {
  const out: Attributes = {};
  if (info.name !== undefined) out[userAgentAttributes.name] = info.name;
  if (info.version !== undefined) out[userAgentAttributes.version] = info.version;
  if (info.osName !== undefined) out[userAgentAttributes.osName] = info.osName;
  if (info.osVersion !== undefined) out[userAgentAttributes.osVersion] = info.osVersion;
  if (info.deviceType !== undefined) out[userAgentAttributes.deviceType] = info.deviceType;
  return out;
}

/**
 * A bounded least-recently-used cache of parsed user agents (a few thousand agents make up most traffic).
 * `get` parses on a miss and evicts the least recently used entry beyond `maxEntries`.
 */
export class UserAgentCache {
  readonly maxEntries: number;
  hits = 0;
  misses = 0;
  readonly #map = new Map<string, Attributes>();

  constructor(maxEntries = 10_000) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The attributes of `ua` (shared, frozen: copy before changing). */
  get(ua: string): Attributes {
    const cached = this.#map.get(ua);
    if (cached !== undefined) {
      this.hits++;
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.#map.delete(ua);
      this.#map.set(ua, cached);
      return cached;
    }
    this.misses++;
    const attrs = Object.freeze(userAgentAttributesOf(parseUserAgent(ua)));
    if (this.maxEntries > 0) {
      this.#map.set(ua, attrs);
      if (this.#map.size > this.maxEntries) {
        const oldest = this.#map.keys().next();
        if (oldest.done !== true) this.#map.delete(oldest.value);
      }
    }
    return attrs;
  }
}

/** Fields that carry a User-Agent header, in lookup order. */
export const defaultUserAgentFields: readonly string[] = [
  'ClientRequestUserAgent',
  'UserAgent',
  'HTTPUserAgent',
];

/** Adds the parsed user agent of the entry's first present user-agent field to `entry.attributes`. */
export function enrichUserAgent(
  entry: LogEntry,
  cache: UserAgentCache,
  fields: readonly string[] = defaultUserAgentFields,
): boolean {
  for (const field of fields) {
    const ua = entry.record[field];
    if (typeof ua !== 'string' || ua === '') continue;
    Object.assign(entry.attributes, cache.get(ua));
    return true;
  }
  return false;
}

/** Config of the `user_agent` processor. */
export interface UserAgentConfig {
  fields: string[];
  cache_size: number;
}

/** `user_agent` processor: browser, OS and device type from the User-Agent, through a bounded LRU cache. */
export const userAgentProcessorFactory: ProcessorFactory<UserAgentConfig> = {
  type: 'user_agent',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({ fields: [...defaultUserAgentFields], cache_size: 10_000 }),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    const fields = r.stringList('fields', defaultUserAgentFields, { minItems: 1, nonEmptyItems: true });
    const cacheSize = r.number('cache_size', 10_000, { integer: true, min: 0, max: 10_000_000 });
    return r.finish({ fields, cache_size: cacheSize });
  },
  create(settings, config, next) {
    const cache = new UserAgentCache(config.cache_size);
    const misses = processorCounter(
      settings,
      'logpush_otel_user_agent_cache_misses_total',
      'User agents parsed because they were not in the cache',
    );
    return entryProcessor(settings, next, (entry) => {
      const before = cache.misses;
      enrichUserAgent(entry, cache, config.fields);
      if (cache.misses !== before) misses.inc();
    });
  },
};
