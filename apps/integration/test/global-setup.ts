// Builds (or reuses, when cached) the reference services before any integration test runs, and hands their
// paths to the tests. Without Go on a developer's machine the suites are skipped with a message saying so;
// in CI (CI=true) a missing Go or a failed build fails the run.
import type { TestProject } from 'vitest/node';
import { buildServices } from '../src/services.ts';
import type { ServicePaths } from '../src/services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The built services, or why the integration suites are skipped. */
    services: { readonly paths: ServicePaths } | { readonly skipReason: string };
  }
}

export default function setup(project: TestProject): void {
  const ci = process.env['CI'] === 'true' || process.env['CI'] === '1';
  if (!ci && process.env['LOGPUSH_OTEL_SKIP_INTEGRATION'] === '1') {
    const reason = 'LOGPUSH_OTEL_SKIP_INTEGRATION=1: integration suites skipped';
    console.warn(`[integration] ${reason}`);
    project.provide('services', { skipReason: reason });
    return;
  }
  const outcome = buildServices();
  if (outcome.ok) {
    console.log(
      `[integration] services ready in ${outcome.seconds.toFixed(1)} s: ${JSON.stringify(outcome.paths.versions)}`,
    );
    project.provide('services', { paths: outcome.paths });
    return;
  }
  if (outcome.goMissing && !ci) {
    const reason = `integration suites skipped: ${outcome.reason}; install Go 1.26+ to run them (docs/testing.md)`;
    console.warn(`[integration] ${reason}`);
    project.provide('services', { skipReason: reason });
    return;
  }
  throw new Error(`[integration] cannot build the reference services: ${outcome.reason}`);
}
