// Writes config.schema.json: the JSON Schema of the configuration, derived from the components' validation.
// Usage: node --conditions=logpush-otel-source scripts/generate-schema.ts          writes the file
//        node --conditions=logpush-otel-source scripts/generate-schema.ts --check  exits 1 when it would change
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config/schema.ts';
import { createSidecarRegistry } from '../src/registry.ts';

const target = fileURLToPath(new URL('../config.schema.json', import.meta.url));
const text = `${JSON.stringify(configSchema(createSidecarRegistry()), null, 2)}\n`;

if (process.argv.includes('--check')) {
  let current: string;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = '';
  }
  if (current !== text) {
    process.stderr.write(
      'apps/sidecar/config.schema.json is out of date: run `npm run generate:schema -w logpush-otel`\n',
    );
    process.exit(1);
  }
  process.stdout.write('config.schema.json is up to date\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
