// The command on a Node.js older than the packages need: one line naming the version and `npx logpush-otel`,
// exit 2, never a SyntaxError.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/logpush-otel.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
};

/** Runs the command with `process.versions.node` made to read `version` before the entry point runs. */
function runAs(version: string, args: readonly string[]): { status: number | null; stderr: string } {
  const fake = `Object.defineProperty(process.versions, 'node', { value: '${version}' });`;
  const r = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(fake)}`, bin, ...args],
    { encoding: 'utf8' },
  );
  return { status: r.status, stderr: r.stderr };
}

describe('logpush-otel on an old Node.js', () => {
  it('names the version the package declares in engines', () => {
    expect(pkg.engines.node).toBe('>=22.15');
    const source = readFileSync(bin, 'utf8');
    expect(source).toContain('var REQUIRED = [22, 15, 0];');
  });

  it.each(['18.19.0', '20.20.2', '22.14.9'])('Node %s: one line, exit 2', (version) => {
    const r = runAs(version, ['validate', '--config', 'nothing.yaml']);
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('needs Node.js 22.15.0 or newer');
    expect(lines[0]).toContain('npx logpush-otel');
    expect(r.stderr).not.toContain('SyntaxError');
  });

  it('a new enough Node.js runs the command', () => {
    const r = runAs('22.15.0', ['--help']);
    expect(r.stderr).not.toContain('needs Node.js');
    expect(r.status).toBe(0);
  });

  it('every real Node.js older than required found on PATH gets the same line', () => {
    const found = new Set<string>();
    for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
      const candidate = join(dir, 'node');
      if (dir === '' || !existsSync(candidate)) continue;
      const v = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
      const major = Number(v.split('.')[0]);
      if (Number.isInteger(major) && major < 22) found.add(candidate);
    }
    for (const node of found) {
      const r = spawnSync(node, [bin, '--help'], { encoding: 'utf8' });
      expect(r.status, node).toBe(2);
      expect(r.stderr, node).toMatch(/^logpush-otel: needs Node\.js 22\.15\.0 or newer, this is v\d+/);
      expect(r.stderr, node).not.toContain('SyntaxError');
    }
  });
});
