/* global URL */
// Entry of a pool worker thread (src/workers/pool.ts starts it with the URL of the worker's main module in
// workerData). Plain JavaScript, so that a worker starts without Node's TypeScript type stripping: the stripper
// is a WebAssembly module that every thread would otherwise load and run (measured at about 0.2 s of CPU and
// 8 MB of memory per thread before any task runs). The module compile cache (the directory Node uses by default,
// or NODE_COMPILE_CACHE; off with NODE_DISABLE_COMPILE_CACHE=1) keeps the stripped and compiled modules, so a
// worker of a repository checkout, which runs the TypeScript sources, loads them as fast as compiled JavaScript
// once any thread loaded them before; a published install runs dist/, whose modules are cached the same way.
import { enableCompileCache, flushCompileCache, registerHooks } from 'node:module';
import { workerData } from 'node:worker_threads';

const main = new URL(workerData.main);
enableCompileCache();
if (main.pathname.endsWith('.ts')) {
  // The sources: make the sibling @logpush-otel/* packages resolve to their sources too (the
  // `logpush-otel-source` export condition, as bin/start.js does for the CLI; module hooks are per thread).
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const conditions = context.conditions.includes('logpush-otel-source')
        ? context.conditions
        : ['logpush-otel-source'].concat(context.conditions);
      return nextResolve(specifier, { ...context, conditions });
    },
  });
}
await import(main.href);
// A worker is terminated rather than exiting: write what it compiled now, for the next thread to start from.
flushCompileCache();
