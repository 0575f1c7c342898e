// Prints, per dataset, how its catalogue fields are mapped (semantic-convention keys, cloudflare.* keys, resource,
// dropped) and its severity rule, then the fixture measurements (semantic coverage, severity coverage).
// Usage: node --conditions=logpush-otel-source scripts/mapping-report.ts [--markdown]
import { datasetIds } from '@logpush-otel/schema';
import { NON_SEED_IDS, SEEDS, coverage, datasetCounts } from './mapping-measure.ts';

const rows = datasetIds.map(datasetCounts);
const lines = [
  '| dataset | fields | semantic | cloudflare.* | resource | dropped | severity rule |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.id} | ${r.fields} | ${r.semantic} | ${r.cloudflare} | ${r.resource} | ${r.dropped} | ${r.severity.replace(/\|/g, '\\|')} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n\n`);
const total = (key: 'semantic' | 'cloudflare' | 'resource' | 'dropped' | 'fields'): number =>
  rows.filter((r) => !SEEDS.includes(r.id)).reduce((n, r) => n + r[key], 0);
process.stdout.write(
  `non-seed datasets: ${total('fields')} fields: ${total('semantic')} semantic, ${total('cloudflare')} cloudflare.*, ` +
    `${total('resource')} resource, ${total('dropped')} dropped (plus one event time each)\n`,
);
for (const [name, ids] of [
  ['non-seed datasets', NON_SEED_IDS],
  ['seed datasets', SEEDS],
] as const) {
  const c = coverage(ids);
  const pct = (a: number, b: number): string => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
  process.stdout.write(
    `${name}: fields with a semantic counterpart under a semantic key: ${c.semantic}/${c.candidates} ` +
      `(${pct(c.semantic, c.candidates)}); records of datasets with an outcome carrying a severity: ` +
      `${c.withSeverity}/${c.outcomeRecords} (${pct(c.withSeverity, c.outcomeRecords)})\n`,
  );
  if (c.misses.length > 0) process.stdout.write(`  not under a semantic key: ${c.misses.join(', ')}\n`);
}
