// Measurements over the mapping tables and the test fixtures, shared by scripts/mapping-report.ts and the tests:
// per dataset, how many catalogue fields map to semantic-convention keys, to cloudflare.* keys or are dropped;
// over the fixtures, the share of fields with an obvious semantic counterpart that come out under a semantic key,
// and the share of records of datasets with an outcome that carry a severity.
import { readFileSync } from 'node:fs';
import type { LogEntry, LogpushRecord } from '@logpush-otel/pipeline';
import { datasetIds, getDataset, toUnixNano } from '@logpush-otel/schema';
import { createMapper } from '../src/index.ts';
import { compileDataset } from '../src/compile.ts';
import { datasetTables } from '../src/tables/index.ts';

export const SEEDS: readonly string[] = ['http_requests', 'firewall_events', 'spectrum_events'];

/** Per dataset: catalogue fields by decision, and the severity rule in one line. */
export interface DatasetCounts {
  readonly id: string;
  readonly fields: number;
  readonly semantic: number;
  readonly cloudflare: number;
  readonly resource: number;
  readonly dropped: number;
  readonly time: number;
  readonly severity: string;
}

const SEED_SEVERITY: Readonly<Record<string, string>> = {
  http_requests:
    'EdgeResponseStatus 4xx → WARN, 5xx → ERROR (error.type); no status: block/connection close → WARN',
  firewall_events:
    'Action: challenge issued → WARN 13, failed → 14, block/connection close → 15; others INFO',
  spectrum_events: 'Status close code bands (client errors WARN, origin errors ERROR), else Event',
};

/** The severity rule of a dataset in one line. */
export function severityLine(id: string): string {
  const datasetId = getDataset(id)?.datasetId ?? id;
  const seed = SEED_SEVERITY[datasetId];
  if (seed !== undefined) return seed;
  const table = datasetTables[datasetId];
  if (table?.severity !== undefined) return table.severity.summary;
  return `unspecified: ${table?.noSeverity ?? 'no outcome'}`;
}

/** Field decisions of one dataset (zone and account variants counted on their own fields). */
export function datasetCounts(id: string): DatasetCounts {
  const compiled = compileDataset(id);
  const schema = compiled.schema;
  let semantic = 0;
  let cloudflare = 0;
  let resource = 0;
  let dropped = 0;
  let time = 0;
  for (const f of schema?.fields ?? []) {
    const rule = compiled.rules.get(f.name);
    if (rule === undefined) continue;
    if (rule.kind === 'time') time++;
    else if (rule.kind === 'resource') resource++;
    else if (rule.kind === 'dropped' || rule.kind === 'off') dropped++;
    else if (rule.kind === 'derived' || !rule.key.startsWith('cloudflare.')) semantic++;
    else cloudflare++;
  }
  return {
    id,
    fields: schema?.fields.length ?? 0,
    semantic,
    cloudflare,
    resource,
    dropped,
    time,
    severity: severityLine(id),
  };
}

/**
 * Whether a field name has an obvious OpenTelemetry counterpart, judged from the name alone (independently of the
 * tables): an address or port of the client, source or destination, the two ends of a tunnel, a server name, a
 * user's e-mail, id or name, a DNS query name, a TLS version or cipher, an HTTP method, status, URL or user agent,
 * the client's country.
 */
export function hasSemanticCounterpart(field: string): boolean {
  return [
    /^(IP|IPAddress)$/,
    /(Client|Source|Src|Actor)(IP|IPAddress|Address|Addr)$/,
    /(Destination|Dst|Dest|Local|Remote|Upstream)(IP|IPAddress|Address|Addr)$/,
    /(Client|Source|Src|Destination|Dst|Local|Remote)Port$/,
    /^(Host|HTTPHost|Hostname|ClientRequestHost|clientRequestHTTPHost|ServerAddress|SNI)$/,
    /(Email|UserID|UserUID|ActorID)$/,
    /^Username$/,
    /QueryName$/,
    /TLS(Version|Protocol|Cipher)$/i,
    /^(HTTP)?Method$|RequestMethod$/,
    /StatusCode$|^EdgeResponseStatus$/,
    /(URL|URI)$/,
    /UserAgent$/i,
    /^(Client\w*|Source\w*|Src\w*|HTTPClient\w*)?Country(Code|ISO)?$/,
  ].some((re) => re.test(field));
}

/** The fixture records of a dataset (test/fixtures/<id>/records.ndjson), as mapped entries. */
export function fixtureEntries(id: string): LogEntry[] {
  const url = new URL(`../test/fixtures/${id}/records.ndjson`, import.meta.url);
  const timestampField = getDataset(id)?.timestampField;
  return readFileSync(url, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((raw, i) => {
      const record = JSON.parse(raw, (_k, value: unknown, context?: { source?: string }) =>
        typeof value === 'number' && !Number.isSafeInteger(value) && /^-?\d+$/.test(context?.source ?? '')
          ? BigInt(context?.source ?? '0')
          : value,
      ) as LogpushRecord;
      const time = timestampField === undefined ? undefined : record[timestampField];
      return {
        dataset: id,
        record,
        timeUnixNano: time === undefined ? undefined : toUnixNano(time),
        observedUnixNano: 1_700_000_000_000_000_000n,
        raw,
        position: { source: id, line: i + 1, offset: 0 },
        attributes: {},
      };
    });
}

/** Coverage over the fixtures of some datasets. */
export interface Coverage {
  /** Present fields with an obvious semantic counterpart, and how many came out under a semantic key. */
  readonly candidates: number;
  readonly semantic: number;
  /** Fields that did not (dataset.field), for the report. */
  readonly misses: readonly string[];
  /** Records of datasets with an outcome, and how many carry a severity. */
  readonly outcomeRecords: number;
  readonly withSeverity: number;
}

export function coverage(ids: readonly string[]): Coverage {
  let candidates = 0;
  let semantic = 0;
  const misses = new Set<string>();
  let outcomeRecords = 0;
  let withSeverity = 0;
  for (const id of ids) {
    const compiled = compileDataset(id);
    const hasOutcome =
      SEEDS.includes(compiled.datasetId) || datasetTables[compiled.datasetId]?.severity !== undefined;
    const map = createMapper();
    for (const entry of fixtureEntries(id)) {
      map(entry);
      const attributes = entry.log?.attributes ?? {};
      for (const [field, value] of Object.entries(entry.record)) {
        if (value === null || value === '' || !hasSemanticCounterpart(field)) continue;
        const rule = compiled.rules.get(field);
        if (rule?.drop?.has(value) === true) continue;
        if (field === compiled.schema?.timestampField) continue;
        candidates++;
        const keys = rule?.kind === 'derived' ? ['url.full'] : (rule?.keys ?? []);
        if (keys.some((k) => !k.startsWith('cloudflare.') && Object.hasOwn(attributes, k))) semantic++;
        else misses.add(`${compiled.datasetId}.${field}`);
      }
      if (hasOutcome) {
        outcomeRecords++;
        if ((entry.log?.severityNumber ?? 0) > 0) withSeverity++;
      }
    }
  }
  return { candidates, semantic, misses: [...misses].sort(), outcomeRecords, withSeverity };
}

/** Every catalogue id except the seeds (36). */
export const NON_SEED_IDS: readonly string[] = datasetIds.filter((id) => !SEEDS.includes(id));
