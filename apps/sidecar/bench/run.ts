// Entry of `npm run bench`: resolves the sibling @logpush-otel/* packages to their TypeScript sources (as the
// bin does), then runs the end-to-end benchmark in sidecar-bench.ts. Flags are documented there.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const conditions = context.conditions.includes('logpush-otel-source')
      ? context.conditions
      : ['logpush-otel-source', ...context.conditions];
    return nextResolve(specifier, { ...context, conditions });
  },
});
await import('./sidecar-bench.ts');
