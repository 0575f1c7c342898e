// Generates src/generated/datasets.ts and src/generated/records.ts from the package's data: Cloudflare's field
// catalogue (`data/datasets.json`) and the columns of the three seed tables (`data/seed-columns.json`).
//
//   node scripts/generate.ts            writes the generated files in place
//   node scripts/generate.ts --out DIR  writes them into DIR instead (used by `npm run check:generated`)
//
// Seed columns that Cloudflare no longer lists are added to their dataset with `legacy: true` and the seed's type;
// seed enum values that Cloudflare no longer lists are appended to the field's enum and named in `legacyEnum`.
// The output is stable (no dates, sorted keys), so a re-run on the same inputs gives the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetData, FieldSchema, FieldType } from '../src/types.ts';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const catalogPath = join(packageDir, 'data', 'datasets.json');
const seedPath = join(packageDir, 'data', 'seed-columns.json');

interface CatalogField extends FieldSchema {
  readonly [key: string]: unknown;
}
interface CatalogDataset {
  readonly datasetId: string;
  readonly scope: 'zone' | 'account';
  readonly timestampField: string;
  readonly otherTimestampFields?: readonly string[];
  readonly legacy?: boolean;
  readonly changelogAdditions?: readonly { readonly name: string }[];
  readonly fields: readonly CatalogField[];
}

/** Words at the end of a dataset id that end in "s" but are not plurals. */
const notPlural = new Set(['dns', 'analytics']);

/**
 * The OpenTelemetry event name of a dataset: `cloudflare.` + the dataset id with its last word made singular
 * (a trailing `_v<N>` is kept after it): `-ies` becomes `-y`, a final `-s` is dropped, except for words that are
 * not plurals (`dns`, `analytics`). http_requests → cloudflare.http_request, audit_logs_v2 →
 * cloudflare.audit_log_v2, gateway_dns → cloudflare.gateway_dns.
 */
function eventNameOf(datasetId: string): string {
  const m = /^(.*?)(_v\d+)?$/.exec(datasetId);
  const stem = m?.[1] ?? datasetId;
  const version = m?.[2] ?? '';
  const cut = stem.lastIndexOf('_');
  const head = stem.slice(0, cut + 1);
  const last = stem.slice(cut + 1);
  let singular = last;
  if (!notPlural.has(last)) {
    if (last.endsWith('ies')) singular = `${last.slice(0, -3)}y`;
    else if (last.endsWith('s') && !last.endsWith('ss')) singular = last.slice(0, -1);
  }
  return `cloudflare.${head}${singular}${version}`;
}

interface SeedColumn {
  readonly name: string;
  readonly type: FieldType;
  readonly seedType: string;
  readonly enum?: readonly string[];
  readonly replacedBy?: string;
}

const seedTypes: Readonly<Record<string, FieldType>> = {
  string: 'string',
  bigint: 'int',
  smallint: 'int',
  int: 'int',
  boolean: 'bool',
  float: 'float',
  timestamp: 'int or string',
  '[string]': 'array[string]',
  '{string:string}': 'object',
};

/** Reads data/seed-columns.json: the seed tables' columns per dataset id, with the seed's types mapped to ours. */
function readSeed(): Map<string, SeedColumn[]> {
  const file = JSON.parse(readFileSync(seedPath, 'utf8')) as {
    datasets: Record<string, { name: string; seedType: string; enum?: string[]; replacedBy?: string }[]>;
  };
  const tables = new Map<string, SeedColumn[]>();
  for (const [id, columns] of Object.entries(file.datasets)) {
    tables.set(
      id,
      columns.map((c) => {
        const type = seedTypes[c.seedType];
        if (type === undefined)
          throw new Error(`${seedPath}: ${id}.${c.name} has unknown seed type ${c.seedType}`);
        return { ...c, type };
      }),
    );
  }
  return tables;
}

function buildData(): { data: DatasetData[]; legacyAdded: string[] } {
  const catalog = JSON.parse(readFileSync(catalogPath, 'utf8')) as Record<string, CatalogDataset>;
  const seed = readSeed();
  const legacyAdded: string[] = [];
  const data: DatasetData[] = [];
  for (const id of Object.keys(catalog).sort()) {
    const entry = catalog[id];
    if (!entry) continue;
    const fields: FieldSchema[] = entry.fields.map((f) => {
      const out: Record<string, unknown> = { name: f.name, type: f.type };
      for (const key of [
        'unit',
        'enum',
        'enumOpen',
        'deprecated',
        'replacedBy',
        'timestampFormatted',
        'epoch',
      ]) {
        if (f[key] !== undefined) out[key] = f[key];
      }
      if (f.encoding !== undefined) out['encoding'] = f.encoding;
      return out as unknown as FieldSchema;
    });
    const columns = entry.scope === 'zone' ? (seed.get(id) ?? []) : [];
    for (const col of columns) {
      const i = fields.findIndex((f) => f.name === col.name);
      const existing = fields[i];
      if (existing === undefined) {
        const replacedBy = col.replacedBy;
        const field: FieldSchema = {
          name: col.name,
          type: col.type,
          ...(col.enum ? { enum: col.enum } : {}),
          legacy: true,
          ...(replacedBy ? { replacedBy } : {}),
          ...(col.type === 'int or string' ? { timestampFormatted: true } : {}),
        };
        fields.push(field);
        legacyAdded.push(`${id}.${col.name}`);
      } else if (col.enum && existing.enum) {
        const known = new Set(existing.enum);
        const extra = col.enum.filter((v) => !known.has(v));
        if (extra.length > 0)
          fields[i] = { ...existing, enum: [...existing.enum, ...extra], legacyEnum: extra };
      }
    }
    fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const changelog = (entry.changelogAdditions ?? []).map((c) => c.name);
    data.push({
      id,
      datasetId: entry.datasetId,
      scope: entry.scope,
      eventName: eventNameOf(entry.datasetId),
      timestampField: entry.timestampField,
      otherTimestampFields: entry.otherTimestampFields ?? [],
      ...(entry.legacy ? { legacy: true } : {}),
      ...(changelog.length > 0 ? { changelogAdditions: changelog } : {}),
      fields,
    });
  }
  for (const id of seed.keys()) {
    if (!data.some((d) => d.id === id))
      throw new Error(`seed table for ${id} has no dataset in ${catalogPath}`);
  }
  return { data, legacyAdded };
}

const q = (v: boolean): string => String(v);
function str(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
function list(values: readonly string[]): string {
  return `[${values.map(str).join(', ')}]`;
}

function fieldLiteral(f: FieldSchema): string {
  const parts = [`name: ${str(f.name)}`, `type: ${str(f.type)}`];
  if (f.unit !== undefined) parts.push(`unit: ${str(f.unit)}`);
  if (f.enum !== undefined) parts.push(`enum: ${list(f.enum)}`);
  if (f.legacyEnum !== undefined) parts.push(`legacyEnum: ${list(f.legacyEnum)}`);
  if (f.enumOpen !== undefined) parts.push(`enumOpen: ${q(f.enumOpen)}`);
  if (f.deprecated !== undefined) parts.push(`deprecated: ${q(f.deprecated)}`);
  if (f.legacy !== undefined) parts.push(`legacy: ${q(f.legacy)}`);
  if (f.replacedBy !== undefined) parts.push(`replacedBy: ${str(f.replacedBy)}`);
  if (f.timestampFormatted !== undefined) parts.push(`timestampFormatted: ${q(f.timestampFormatted)}`);
  if (f.epoch !== undefined) parts.push(`epoch: ${q(f.epoch)}`);
  if (f.encoding !== undefined) parts.push(`encoding: ${str(f.encoding)}`);
  return `{ ${parts.join(', ')} }`;
}

function header(): string {
  return [
    '// Generated by packages/schema/scripts/generate.ts from data/datasets.json and data/seed-columns.json.',
    '// DO NOT EDIT: change the data or the generator and run `npm run generate -w @logpush-otel/schema`.',
    '',
  ].join('\n');
}

function renderDatasets(data: readonly DatasetData[]): string {
  const out = [header(), "import type { DatasetData } from '../types.ts';", ''];
  out.push('/** Every Logpush dataset of the catalog, in id order, with the seed tables’ legacy fields. */');
  out.push('export const datasetData: readonly DatasetData[] = [');
  for (const d of data) {
    out.push('  {');
    out.push(`    id: ${str(d.id)},`);
    out.push(`    datasetId: ${str(d.datasetId)},`);
    out.push(`    scope: ${str(d.scope)},`);
    out.push(`    eventName: ${str(d.eventName)},`);
    out.push(`    timestampField: ${str(d.timestampField)},`);
    out.push(`    otherTimestampFields: ${list(d.otherTimestampFields)},`);
    if (d.legacy) out.push('    legacy: true,');
    if (d.changelogAdditions) out.push(`    changelogAdditions: ${list(d.changelogAdditions)},`);
    out.push('    fields: [');
    for (const f of d.fields) out.push(`      ${fieldLiteral(f)},`);
    out.push('    ],');
    out.push('  },');
  }
  out.push('];', '');
  return out.join('\n');
}

/** 'firewall_events@account' → 'FirewallEventsAccountRecord'. */
export function recordTypeName(id: string): string {
  const pascal = id
    .split(/[_@]/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
  return `${pascal}Record`;
}

const tsTypes: Readonly<Record<FieldType, string>> = {
  string: 'string',
  int: 'number | bigint',
  bool: 'boolean',
  float: 'number',
  object: '{ [key: string]: unknown }',
  'int or string': 'number | bigint | string',
  'array[string]': 'string[]',
  'array[int]': '(number | bigint)[]',
  'array[object]': '{ [key: string]: unknown }[]',
};

function fieldDoc(f: FieldSchema): string {
  const notes: string[] = [f.type];
  if (f.unit) notes.push(`unit: ${f.unit}`);
  if (f.timestampFormatted) notes.push('timestamp in the job’s timestamp_format');
  if (f.epoch) notes.push('epoch timestamp');
  if (f.encoding) notes.push(`${f.encoding} text`);
  if (f.enum) {
    const shown = f.enum.slice(0, 12).map((v) => (v === '' ? "''" : v));
    notes.push(
      `values: ${shown.join(', ')}${f.enum.length > 12 ? ', …' : ''}${f.enumOpen ? ' (open list)' : ''}`,
    );
  }
  if (f.deprecated) notes.push('deprecated by Cloudflare');
  if (f.legacy) notes.push('legacy: only in the seed tables, no longer in Cloudflare’s list');
  if (f.replacedBy) notes.push(`replaced by ${f.replacedBy}`);
  return notes.join('; ').replaceAll('*/', '*\\/');
}

function renderRecords(data: readonly DatasetData[]): string {
  const out = [header()];
  for (const d of data) {
    out.push(
      `/** A record of the \`${d.id}\` dataset (${d.scope} scope). Every field is optional: a Logpush job chooses its fields. */`,
    );
    out.push(`export interface ${recordTypeName(d.id)} {`);
    for (const f of d.fields) {
      const key = /^[A-Za-z_$][\w$]*$/.test(f.name) ? f.name : str(f.name);
      out.push(`  /** ${fieldDoc(f)} */`);
      out.push(`  ${key}?: ${tsTypes[f.type]};`);
    }
    out.push('}', '');
  }
  out.push('/** Record type per dataset id. */');
  out.push('export interface DatasetRecords {');
  for (const d of data) out.push(`  ${str(d.id)}: ${recordTypeName(d.id)};`);
  out.push('}', '');
  return out.join('\n');
}

/** Writes datasets.ts and records.ts into `outDir`; returns a one-line summary. */
export function generate(outDir: string): string {
  const { data, legacyAdded } = buildData();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'datasets.ts'), renderDatasets(data));
  writeFileSync(join(outDir, 'records.ts'), renderRecords(data));
  const fieldCount = data.reduce((n, d) => n + d.fields.length, 0);
  return (
    `wrote ${outDir}/{datasets,records}.ts: ${data.length} datasets, ${fieldCount} fields, ` +
    `${legacyAdded.length} legacy seed fields (${legacyAdded.join(', ')})`
  );
}

/** The committed output directory. */
export const generatedDir = join(packageDir, 'src', 'generated');
/** The generated file names. */
export const generatedFiles = ['datasets.ts', 'records.ts'] as const;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const outFlag = argv.indexOf('--out');
  console.log(generate(outFlag >= 0 ? resolve(argv[outFlag + 1] ?? '.') : generatedDir));
}
