import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { runReadmeExamples } from '../../../scripts/readme-doctest.ts';
import { enrichmentFactories } from '../src/index.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('runs the README usage example and prints what its comments say', () => {
  const results = runReadmeExamples(packageDir);
  expect(results.length).toBeGreaterThan(0);
  for (const r of results) expect(r.printed).toEqual(r.expected);
});

it('documents only processor configs that validate', () => {
  const text = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  expect(blocks.length).toBeGreaterThanOrEqual(9);
  const documented = new Set<string>();
  const previous = process.env.LOGPUSH_OTEL_IP_HASH_KEY;
  process.env.LOGPUSH_OTEL_IP_HASH_KEY = 'a-key-for-the-readme-test';
  try {
    for (const block of blocks) {
      const doc = parse(block) as { processors: Record<string, unknown> };
      for (const [id, config] of Object.entries(doc.processors)) {
        const type = id.split('/')[0] ?? id;
        const factory = enrichmentFactories.find((f) => f.type === type);
        expect(factory, `processor type ${type}`).toBeDefined();
        if (factory === undefined) continue;
        documented.add(type);
        const merged = { ...(factory.defaultConfig() as object), ...(config as object) };
        const result = factory.validate(merged, `processors.${id}`);
        expect(result.ok ? [] : result.issues).toEqual([]);
      }
    }
  } finally {
    if (previous === undefined) delete process.env.LOGPUSH_OTEL_IP_HASH_KEY;
    else process.env.LOGPUSH_OTEL_IP_HASH_KEY = previous;
  }
  expect([...documented].sort()).toEqual(enrichmentFactories.map((f) => f.type).sort());
});
