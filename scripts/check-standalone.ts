// The repository stands alone: no tracked file reads or names a path outside it (such as a `shared` directory
// beside the checkout). A clone in any directory must build and test with nothing else around it.
import { execFileSync } from 'node:child_process';

const pattern = String.raw`\.\./shared|shared/(cloudflare|seeds|research|DESIGN)`;
let hits = '';
try {
  hits = execFileSync(
    'git',
    ['grep', '-n', '-E', pattern, '--', '.', ':!package-lock.json', ':!scripts/check-standalone.ts'],
    {
      encoding: 'utf8',
    },
  );
} catch (error) {
  // git grep exits 1 when nothing matches: the good case
  if ((error as { status?: number }).status !== 1) throw error;
}
if (hits.trim() !== '') {
  console.error(`files name paths outside the repository (copy the facts in instead):\n${hits}`);
  process.exit(1);
}
console.log('no tracked file names a path outside the repository');
