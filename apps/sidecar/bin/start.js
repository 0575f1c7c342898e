/* global process, URL */
// Runs the `logpush-otel` command once bin/logpush-otel.js has checked the Node.js version.
// In the repository (src/ present) it runs the TypeScript sources directly with Node's type stripping, resolving
// the sibling @logpush-otel/* packages to their sources too, so no build step is needed after `npm ci`.
// In a published install it runs the compiled dist/. Either way Node's module compile cache is on (its default
// directory, or NODE_COMPILE_CACHE; off with NODE_DISABLE_COMPILE_CACHE=1): later starts skip compiling, and
// from the sources also type stripping (which costs every thread about 0.2 s of CPU and 8 MB of memory).
import { existsSync } from 'node:fs';
import { enableCompileCache, registerHooks } from 'node:module';

enableCompileCache();

const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
  if (!process.features.typescript) {
    process.stderr.write(
      `logpush-otel: running from the repository sources needs a Node.js that strips TypeScript types (22.18 or newer), this is ${process.version}; run \`npx logpush-otel ...\` (it uses the Node.js the repository pins)\n`,
    );
    process.exit(2);
  }
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const conditions = context.conditions.includes('logpush-otel-source')
        ? context.conditions
        : ['logpush-otel-source', ...context.conditions];
      return nextResolve(specifier, { ...context, conditions });
    },
  });
  const { main } = await import(source.href);
  await main(process.argv.slice(2));
} else {
  const { main } = await import(new URL('../dist/cli.js', import.meta.url).href);
  await main(process.argv.slice(2));
}
