// Entry of `npm run bench`: resolves the sibling @logpush-otel/* packages to their TypeScript sources (as the
// sidecar's bin does), then runs the peer benchmark in peer.ts (flags documented there).
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const conditions = context.conditions.includes('logpush-otel-source')
      ? context.conditions
      : ['logpush-otel-source', ...context.conditions];
    return nextResolve(specifier, { ...context, conditions });
  },
});
await import('./peer.ts');
