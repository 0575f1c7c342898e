// Runs the TypeScript usage examples of a package README, so the docs a user copies keep working.
//
// Every ```ts block of the README is written next to the package (so the package's own name resolves to its
// sources) and run with Node. A line `console.log(expr); // → expected` asserts that this console.log printed
// `expected`; the comparison is on the printed text, in order.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DoctestResult {
  readonly block: number;
  readonly expected: readonly string[];
  readonly printed: readonly string[];
}

/** Extracts the ```ts blocks of `readmePath`, in order. */
export function readmeBlocks(readmePath: string): string[] {
  const text = readFileSync(readmePath, 'utf8');
  const blocks: string[] = [];
  const fence = /```ts\n([\s\S]*?)```/g;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) blocks.push(m[1] ?? '');
  return blocks;
}

/** Runs every ts block of `<packageDir>/README.md`; returns what each printed and what its comments expect. */
export function runReadmeExamples(packageDir: string): DoctestResult[] {
  const dir = join(packageDir, '.readme-doctest');
  mkdirSync(dir, { recursive: true });
  try {
    return readmeBlocks(join(packageDir, 'README.md')).map((code, i) => {
      const file = join(dir, `example-${i + 1}.ts`);
      writeFileSync(file, code);
      const out = execFileSync(
        process.execPath,
        ['--conditions=logpush-otel-source', '--disable-warning=ExperimentalWarning', file],
        { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const expected = [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => (m[1] ?? '').trim());
      const printed = out
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => l.trim());
      return { block: i + 1, expected, printed };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
