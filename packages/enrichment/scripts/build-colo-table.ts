// Rebuilds src/colo-table.ts from Cloudflare's public list of locations (https://speed.cloudflare.com/locations,
// a JSON array of { iata, lat, lon, cca2, region, city }), merged into the current table: new codes are added,
// known ones updated, none removed (a colo that left the list may still appear in older logs).
// Usage: node scripts/build-colo-table.ts locations.json > src/colo-table.ts
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { coloTableText } from '../src/colo-table.ts';

/** One location as Cloudflare's list gives it. */
export interface CloudflareLocation {
  iata: string;
  lat: number;
  lon: number;
  cca2: string;
  city: string;
}

function round4(n: number): string {
  return String(Math.round(n * 10_000) / 10_000);
}

/** The TypeScript source of the colo table: `current` (table text) merged with `locations`. */
export function buildColoTable(current: string, locations: readonly CloudflareLocation[]): string {
  const rows = new Map<string, string>();
  for (const line of current.split('\n')) {
    const code = line.split('|')[0];
    if (code !== undefined && /^[A-Z]{3}$/.test(code)) rows.set(code, line);
  }
  for (const [i, l] of locations.entries()) {
    const ok =
      typeof l.iata === 'string' &&
      /^[A-Za-z]{3}$/.test(l.iata) &&
      typeof l.city === 'string' &&
      !l.city.includes('|') &&
      typeof l.cca2 === 'string' &&
      /^[A-Za-z]{2}$/.test(l.cca2) &&
      Number.isFinite(l.lat) &&
      Number.isFinite(l.lon);
    if (!ok)
      throw new Error(
        `location ${i}: expected { iata: 3 letters, city, cca2: 2 letters, lat, lon }, got ${JSON.stringify(l).slice(0, 200)}`,
      );
    const code = l.iata.toUpperCase();
    rows.set(code, [code, l.city.trim(), l.cca2.toUpperCase(), round4(l.lat), round4(l.lon)].join('|'));
  }
  const body = [...rows.keys()]
    .sort()
    .map((k) => rows.get(k))
    .join('\n');
  return [
    '// Cloudflare data-centre (colo) codes: the IATA code of the nearest airport, its city, ISO 3166-1 country code',
    "// and the airport's coordinates (decimal degrees, WGS 84). Facts from public airport data; see the README section",
    '// "Where the colo table comes from" for how to refresh it (scripts/build-colo-table.ts).',
    '// Format: IATA|City|Country|Latitude|Longitude, one colo per line.',
    `export const coloTableText = \`\n${body}\n\`;`,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node scripts/build-colo-table.ts locations.json > src/colo-table.ts\n');
    process.exit(2);
  }
  const locations = JSON.parse(readFileSync(file, 'utf8')) as CloudflareLocation[];
  process.stdout.write(buildColoTable(coloTableText, locations));
}
