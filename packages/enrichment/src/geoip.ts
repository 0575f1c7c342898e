import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Attributes, LogEntry, ProcessorFactory } from '@logpush-otel/pipeline';
import { ConfigReader, Double } from '@logpush-otel/pipeline';
import { Reader } from 'mmdb-lib';
import type { Response } from 'mmdb-lib';
import { entryProcessor, processorCounter } from './processor.ts';
import { isAbsent } from './values.ts';

/** What the databases know about one IP address. */
export interface GeoResult {
  continentCode?: string;
  countryIsoCode?: string;
  /** ISO 3166-2: country and subdivision, `US-CA`. */
  regionIsoCode?: string;
  city?: string;
  postalCode?: string;
  lat?: number;
  lon?: number;
  asn?: number;
  asOrganization?: string;
}

/** Attribute keys the geoip processor writes: semconv `geo.*` (describing the client) and vendor AS keys. */
export const geoAttributes = {
  continentCode: 'geo.continent.code',
  countryIsoCode: 'geo.country.iso_code',
  regionIsoCode: 'geo.region.iso_code',
  city: 'geo.locality.name',
  postalCode: 'geo.postal_code',
  lat: 'geo.location.lat',
  lon: 'geo.location.lon',
  asn: 'cloudflare.client.asn',
  asOrganization: 'cloudflare.client.as_organization',
} as const;

/** The Cloudflare fields that already carry each value; when one is present the database is not consulted for it. */
export const cloudflareGeoFields: Readonly<Record<keyof GeoResult, readonly string[]>> = {
  continentCode: [],
  countryIsoCode: ['ClientCountry', 'clientCountry'],
  regionIsoCode: ['ClientRegionCode'],
  city: ['ClientCity'],
  postalCode: [],
  lat: ['ClientLatitude'],
  lon: ['ClientLongitude'],
  asn: ['ClientASN', 'ClientAsn', 'clientASN'],
  asOrganization: ['ClientASNDescription'],
};

interface Names {
  [language: string]: string | undefined;
}
interface MmdbRecord {
  continent?: { code?: string };
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  subdivisions?: { iso_code?: string }[];
  city?: { names?: Names };
  postal?: { code?: string };
  location?: { latitude?: number; longitude?: number };
  traits?: { autonomous_system_number?: number; autonomous_system_organization?: string };
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

/**
 * One MaxMind-format database file (GeoLite2/GeoIP2 City, Country or ASN, DB-IP lite, other MMDB files),
 * read whole into memory with mmdb-lib. {@link reloadIfChanged} swaps in a new version of the file.
 */
export class GeoIpDatabase {
  readonly path: string;
  #reader: Reader<Response>;
  #stamp: string;

  constructor(path: string) {
    this.path = path;
    const { reader, stamp } = GeoIpDatabase.#load(path);
    this.#reader = reader;
    this.#stamp = stamp;
  }

  static #load(path: string): { reader: Reader<Response>; stamp: string } {
    let stamp: string;
    let bytes: Buffer;
    try {
      const st = statSync(path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      bytes = readFileSync(path);
    } catch (error) {
      throw new Error(`geoip: cannot read MaxMind database ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      return { reader: new Reader<Response>(bytes), stamp };
    } catch (error) {
      throw new Error(`geoip: ${path} is not a valid MaxMind (MMDB) database: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The database type from its metadata (`GeoLite2-City`, `GeoLite2-ASN`...). */
  get databaseType(): string {
    return this.#reader.metadata.databaseType;
  }

  /**
   * Re-reads the file when its inode, size or modification time changed. Resolves true when a new version was
   * loaded; throws (keeping the old version) when the new file cannot be read or is not a valid database.
   */
  reloadIfChanged(): boolean {
    let stamp: string;
    try {
      const st = statSync(this.path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (error) {
      throw new Error(`geoip: cannot stat MaxMind database ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (stamp === this.#stamp) return false;
    const loaded = GeoIpDatabase.#load(this.path);
    this.#reader = loaded.reader;
    this.#stamp = loaded.stamp;
    return true;
  }

  /** What this database knows about `ip` (names in `language`), or undefined when it has no entry. */
  lookup(ip: string, language = 'en'): GeoResult | undefined {
    if (isIP(ip) === 0) return undefined;
    let r: MmdbRecord | null;
    try {
      r = this.#reader.get(ip) as MmdbRecord | null;
    } catch {
      // An IPv6 address looked up in an IPv4-only database.
      return undefined;
    }
    if (r === null || typeof r !== 'object') return undefined;
    const out: GeoResult = {};
    const country = r.country?.iso_code ?? r.registered_country?.iso_code;
    if (country !== undefined) out.countryIsoCode = country;
    if (r.continent?.code !== undefined) out.continentCode = r.continent.code;
    const sub = r.subdivisions?.[0]?.iso_code;
    if (sub !== undefined)
      out.regionIsoCode = country !== undefined && !sub.includes('-') ? `${country}-${sub}` : sub;
    const city = r.city?.names?.[language] ?? r.city?.names?.en;
    if (city !== undefined) out.city = city;
    if (r.postal?.code !== undefined) out.postalCode = r.postal.code;
    if (typeof r.location?.latitude === 'number') out.lat = r.location.latitude;
    if (typeof r.location?.longitude === 'number') out.lon = r.location.longitude;
    const asn = r.autonomous_system_number ?? r.traits?.autonomous_system_number;
    if (asn !== undefined) out.asn = asn;
    const org = r.autonomous_system_organization ?? r.traits?.autonomous_system_organization;
    if (org !== undefined) out.asOrganization = org;
    return out;
  }
}

/** Merges what several databases (e.g. a City and an ASN file) know about `ip`; earlier databases win. */
export function lookupGeo(
  databases: readonly GeoIpDatabase[],
  ip: string,
  language = 'en',
): GeoResult | undefined {
  let merged: GeoResult | undefined;
  for (const db of databases) {
    const r = db.lookup(ip, language);
    if (r === undefined) continue;
    merged = { ...r, ...merged };
  }
  return merged;
}

/** Options of {@link enrichGeo}. */
export interface GeoEnrichOptions {
  /** Record fields holding the client IP, first valid one used. */
  ipFields?: readonly string[];
  /** Replace values Cloudflare already sent (ClientCountry...). Default false: fill only what is missing. */
  overwrite?: boolean;
  language?: string;
}

/** Fields that hold the client's IP across datasets, in lookup order. */
export const defaultGeoIpFields: readonly string[] = [
  'ClientIP',
  'clientIP',
  'SourceIP',
  'IPAddress',
  'ClientAddress',
];

/**
 * Adds geo and AS attributes for the entry's client IP. Without `overwrite`, a value is only added when the
 * record has no Cloudflare field for it (see {@link cloudflareGeoFields}) and no earlier processor set the key.
 * Returns whether the databases knew the address.
 */
export function enrichGeo(
  entry: LogEntry,
  databases: readonly GeoIpDatabase[],
  options: GeoEnrichOptions = {},
): boolean {
  const fields = options.ipFields ?? defaultGeoIpFields;
  let ip: string | undefined;
  for (const f of fields) {
    const v = entry.record[f];
    if (typeof v === 'string' && isIP(v) !== 0) {
      ip = v;
      break;
    }
  }
  if (ip === undefined) return false;
  const result = lookupGeo(databases, ip, options.language);
  if (result === undefined) return false;
  const overwrite = options.overwrite === true;
  const attrs: Attributes = entry.attributes;
  for (const k of Object.keys(geoAttributes) as (keyof GeoResult)[]) {
    const value = result[k];
    if (value === undefined) continue;
    const key = geoAttributes[k];
    if (!overwrite) {
      if (attrs[key] !== undefined) continue;
      if (
        cloudflareGeoFields[k].some((f) => !isAbsent(entry.record[f]) && !isUnknownValue(k, entry.record[f]))
      )
        continue;
    }
    attrs[key] = k === 'lat' || k === 'lon' ? new Double(value as number) : value;
  }
  return true;
}

/** Cloudflare's "unknown" values: country `XX`, AS number 0. */
function isUnknownValue(k: keyof GeoResult, v: unknown): boolean {
  if (k === 'countryIsoCode') return typeof v === 'string' && v.toUpperCase() === 'XX';
  if (k === 'asn') return v === 0 || v === '0';
  return false;
}

/** Config of the `geoip` processor. */
export interface GeoIpConfig {
  /** MMDB files, e.g. a City and an ASN database; earlier files win where both know a value. */
  databases: string[];
  ip_fields: string[];
  overwrite: boolean;
  language: string;
  /** Seconds between checks of the files for a new version; 0 disables reloading. */
  reload_interval: number;
}

/** `geoip` processor: geo and AS attributes from MaxMind-format databases, reloaded when the files change. */
export const geoIpProcessorFactory: ProcessorFactory<GeoIpConfig> = {
  type: 'geoip',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({
    databases: [],
    ip_fields: [...defaultGeoIpFields],
    overwrite: false,
    language: 'en',
    reload_interval: 60,
  }),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    const databases = r.stringList('databases', [], { nonEmptyItems: true });
    if (databases.length === 0 && !r.issues.some((i) => i.path.startsWith(r.at('databases'))))
      r.issue(
        'databases',
        'expected at least one MaxMind database file (.mmdb), e.g. GeoLite2-City.mmdb, got nothing',
      );
    const ipFields = r.stringList('ip_fields', defaultGeoIpFields, { minItems: 1, nonEmptyItems: true });
    return r.finish({
      databases,
      ip_fields: ipFields,
      overwrite: r.boolean('overwrite', false),
      language: r.string('language', 'en'),
      reload_interval: r.number('reload_interval', 60, { min: 0, max: 86_400 }),
    });
  },
  create(settings, config, next) {
    const databases = config.databases.map((p) => new GeoIpDatabase(p));
    const reloads = processorCounter(
      settings,
      'logpush_otel_geoip_reloads_total',
      'MaxMind databases reloaded after the file changed',
    );
    const reloadErrors = processorCounter(
      settings,
      'logpush_otel_geoip_reload_errors_total',
      'Failed reloads of a changed MaxMind database (the previous version stays in use)',
    );
    const options: GeoEnrichOptions = {
      ipFields: config.ip_fields,
      overwrite: config.overwrite,
      language: config.language,
    };
    let timer: NodeJS.Timeout | undefined;
    const check = (): void => {
      for (const db of databases) {
        try {
          if (db.reloadIfChanged()) {
            reloads.inc();
            settings.logger.info('geoip database reloaded', { processor: settings.id, path: db.path });
          }
        } catch (error) {
          reloadErrors.inc();
          settings.logger.warn(
            'geoip database changed but could not be reloaded; keeping the previous version',
            {
              processor: settings.id,
              path: db.path,
              error: (error as Error).message,
            },
          );
        }
      }
    };
    return entryProcessor(
      settings,
      next,
      (entry) => {
        enrichGeo(entry, databases, options);
      },
      {
        start() {
          if (config.reload_interval > 0 && timer === undefined) {
            timer = setInterval(check, config.reload_interval * 1000);
            timer.unref();
          }
          return Promise.resolve();
        },
        shutdown() {
          if (timer !== undefined) clearInterval(timer);
          timer = undefined;
          return Promise.resolve();
        },
      },
    );
  },
};
