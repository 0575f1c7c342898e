import type { LogEntry, ProcessorFactory } from '@logpush-otel/pipeline';
import { ConfigReader, Double } from '@logpush-otel/pipeline';
import { coloTableText } from './colo-table.ts';
import { entryProcessor, processorCounter } from './processor.ts';

/** Where a Cloudflare data centre is: the city and country of its airport code, and the airport's coordinates. */
export interface ColoLocation {
  /** IATA code as Cloudflare writes it (`SJC`). */
  readonly code: string;
  readonly city: string;
  /** ISO 3166-1 alpha-2 country code (`US`). */
  readonly countryCode: string;
  readonly lat: number;
  readonly lon: number;
}

let table: Map<string, ColoLocation> | undefined;

function coloTable(): Map<string, ColoLocation> {
  if (table !== undefined) return table;
  table = new Map();
  for (const line of coloTableText.split('\n')) {
    const [code, city, countryCode, lat, lon] = line.split('|');
    if (
      code === undefined ||
      city === undefined ||
      countryCode === undefined ||
      lat === undefined ||
      lon === undefined
    ) {
      continue;
    }
    table.set(code, { code, city, countryCode, lat: Number(lat), lon: Number(lon) });
  }
  return table;
}

/** The location of colo `code` (case-insensitive, `SJC` or `sjc`), or undefined for a code the table lacks. */
export function coloLocation(code: string): ColoLocation | undefined {
  const t = coloTable();
  return t.get(code) ?? t.get(code.trim().toUpperCase());
}

/** Every colo code the built-in table knows, sorted. */
export function knownColoCodes(): string[] {
  return [...coloTable().keys()].sort();
}

/** Attribute keys the colo processor writes. */
export const coloAttributes = {
  city: 'cloudflare.colo.city',
  countryCode: 'cloudflare.colo.country_code',
  lat: 'cloudflare.colo.location.lat',
  lon: 'cloudflare.colo.location.lon',
} as const;

/** Config of the `colo` processor. */
export interface ColoConfig {
  /** Record fields holding the colo code; the first one present is used. */
  fields: string[];
}

/** Fields that carry the serving colo's code across datasets, in lookup order. */
export const defaultColoFields: readonly string[] = [
  'EdgeColoCode',
  'ColoCode',
  'coloCode',
  'WarpColoCode',
  'LastKnownGoodColoCode',
];

/**
 * Adds the colo's city, country and coordinates to `entry.attributes`. Returns `found` when it did, `unknown`
 * when the record names a colo the table lacks (nothing is written), `absent` when it names none.
 */
export function enrichColo(
  entry: LogEntry,
  fields: readonly string[] = defaultColoFields,
): 'found' | 'unknown' | 'absent' {
  for (const field of fields) {
    const value = entry.record[field];
    if (typeof value !== 'string' || value === '') continue;
    const location = coloLocation(value);
    if (location === undefined) return 'unknown';
    const a = entry.attributes;
    a[coloAttributes.city] = location.city;
    a[coloAttributes.countryCode] = location.countryCode;
    a[coloAttributes.lat] = new Double(location.lat);
    a[coloAttributes.lon] = new Double(location.lon);
    return 'found';
  }
  return 'absent';
}

/** `colo` processor: colo code to city, country and coordinates; unknown codes are counted and passed on. */
export const coloProcessorFactory: ProcessorFactory<ColoConfig> = {
  type: 'colo',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({ fields: [...defaultColoFields] }),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    const fields = r.stringList('fields', defaultColoFields, { minItems: 1, nonEmptyItems: true });
    return r.finish({ fields });
  },
  create(settings, config, next) {
    const unknown = processorCounter(
      settings,
      'logpush_otel_colo_unknown_total',
      'Records whose colo code is not in the built-in table (passed on without location)',
    );
    const seen = new Set<string>();
    return entryProcessor(settings, next, (entry) => {
      if (enrichColo(entry, config.fields) !== 'unknown') return;
      unknown.inc();
      const code = config.fields.map((f) => entry.record[f]).find((v) => typeof v === 'string' && v !== '');
      if (typeof code === 'string' && seen.size < 1000 && !seen.has(code)) {
        seen.add(code);
        settings.logger.info('colo code not in the built-in table; passed on without location', {
          processor: settings.id,
          code,
        });
      }
    });
  },
};
