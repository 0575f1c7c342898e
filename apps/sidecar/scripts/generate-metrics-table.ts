// Writes the metrics table of apps/sidecar/README.md from the registry (src/service/metrics-table.ts);
// with --check, fails when the README is out of date instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { everyMetric, renderMetricsTable, withMetricsTable } from '../src/service/metrics-table.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const current = readFileSync(readme, 'utf8');
const next = await withMetricsTable(current, renderMetricsTable(everyMetric()), readme);
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write(
      'apps/sidecar/README.md: the metrics table is out of date: run `npm run generate:metrics-table -w logpush-otel`\n',
    );
    process.exitCode = 1;
  } else process.stdout.write('apps/sidecar/README.md: the metrics table is up to date\n');
} else {
  writeFileSync(readme, next);
  process.stdout.write('wrote the metrics table of apps/sidecar/README.md\n');
}
