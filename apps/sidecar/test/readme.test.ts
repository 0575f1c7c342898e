import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExamples } from '../../../scripts/readme-doctest.ts';

it('runs the README usage example and prints what its comments say', () => {
  const results = runReadmeExamples(fileURLToPath(new URL('..', import.meta.url)));
  expect(results.length).toBeGreaterThan(0);
  for (const r of results) expect(r.printed).toEqual(r.expected);
});
