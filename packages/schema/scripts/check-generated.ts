// `npm run check:generated`: re-runs the generator into a temp directory and fails if the committed
// src/generated files differ from what the generator produces now (the inputs or the generator changed).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, generatedDir, generatedFiles } from './generate.ts';

const tmp = mkdtempSync(join(tmpdir(), 'schema-generated-'));
try {
  generate(tmp);
  const stale = generatedFiles.filter((name) => {
    let committed: string;
    try {
      committed = readFileSync(join(generatedDir, name), 'utf8');
    } catch {
      return true;
    }
    return committed !== readFileSync(join(tmp, name), 'utf8');
  });
  if (stale.length > 0) {
    console.error(
      `@logpush-otel/schema: generated files are out of date: ${stale.map((n) => `src/generated/${n}`).join(', ')}.\n` +
        '  Run `node scripts/generate.ts` in packages/schema and commit the result.',
    );
    process.exit(1);
  }
  console.log(`@logpush-otel/schema: src/generated is up to date (${generatedFiles.join(', ')})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
