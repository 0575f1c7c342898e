// Every relative link in the repository's Markdown must point at a file or directory inside the repository (a link
// that leaves it, or whose target was moved or deleted, fails here).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SKIP = new Set(['node_modules', '.git', 'dist', '.turbo', 'coverage']);

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...markdownFiles(path));
    else if (e.isFile() && e.name.endsWith('.md')) out.push(path);
  }
  return out;
}

/** Link targets of a Markdown text, code blocks and inline code left out: `[text](target)` and `[ref]: target`. */
export function linkTargets(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1] ?? '');
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm))
    targets.push(m[1] ?? '');
  return targets;
}

describe('relative links in Markdown', () => {
  it('finds links, including reference definitions, and not those in code', () => {
    expect(linkTargets('see [a](docs/a.md#x) and `[b](no.md)`\n```\n[c](no.md)\n```\n[d]: ./d.md\n')).toEqual(
      ['docs/a.md#x', './d.md'],
    );
  });

  it('every relative link resolves to a file or directory inside the repository', () => {
    const broken: string[] = [];
    const files = markdownFiles(root);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const target of linkTargets(readFileSync(file, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // URLs, anchors
        const path = decodeURIComponent(target.split('#')[0] ?? '');
        if (path === '') continue;
        const resolved = resolve(dirname(file), path);
        const inside = resolved === resolve(root) || resolved.startsWith(resolve(root) + sep);
        if (!inside || !existsSync(resolved)) broken.push(`${relative(root, file)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
