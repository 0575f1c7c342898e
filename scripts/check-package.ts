// Packaging check run in every publishable workspace (`npm run check:package`):
// 1. publint --strict on the package as it would be published;
// 2. `npm pack --dry-run` ships only what a user needs: the build, the sources it maps to, README, LICENSE.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

// config.schema.json: the sidecar's generated configuration schema, for editors
const allowedTop = new Set([
  'dist',
  'src',
  'bin',
  'README.md',
  'LICENSE',
  'package.json',
  'config.schema.json',
]);
const required = ['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts'];

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string };
const problems: string[] = [];

try {
  execFileSync('publint', ['--strict'], { stdio: 'inherit' });
} catch {
  problems.push('publint reported problems (see above)');
}

const packed = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }),
) as Array<{ files: Array<{ path: string }> }>;
const files = packed[0]?.files.map((f) => f.path) ?? [];
for (const file of files) {
  const top = file.split('/')[0] ?? file;
  if (!allowedTop.has(top)) problems.push(`ships ${file}, which a user does not need`);
  if (/(^|\/)(test|bench|fixtures)\//.test(file) || file.endsWith('.test.ts'))
    problems.push(`ships test or bench file ${file}`);
}
for (const file of required) {
  if (!files.includes(file)) problems.push(`does not ship ${file}`);
}
if (!existsSync('README.md')) problems.push('has no README.md');

if (problems.length > 0) {
  console.error(`${pkg.name}: packaging check failed:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log(`${pkg.name}: packaging check passed (${files.length} files)`);
