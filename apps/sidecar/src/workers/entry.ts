// Entry of a pool worker thread. Run from the TypeScript sources (repository, tests), it first makes the
// sibling @logpush-otel/* packages resolve to their sources (the `logpush-otel-source` export condition, as
// bin/logpush-otel.js does for the CLI: module hooks are per thread), then loads the worker's main module.
// Compiled to dist/workers/entry.js it loads the compiled packages as they are.
import { registerHooks } from 'node:module';

if (import.meta.url.endsWith('.ts')) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const conditions = context.conditions.includes('logpush-otel-source')
        ? context.conditions
        : ['logpush-otel-source', ...context.conditions];
      return nextResolve(specifier, { ...context, conditions });
    },
  });
}

await import('./worker-main.ts');
