// Shared by the integration test files: the injected service paths, and per-test bookkeeping that prints every
// started process's output when the test fails and stops them all when it ends (pass, fail or timeout).
import { inject, onTestFailed, onTestFinished } from 'vitest';
import { startedProcesses, stopAllProcesses } from '../src/processes.ts';
import type { ServicePaths } from '../src/services.ts';

const provided = inject('services');

/** The built services, or undefined when the suites are skipped (see {@link skipReason}). */
export const servicePaths: ServicePaths | undefined = 'paths' in provided ? provided.paths : undefined;

/** Why the integration suites are skipped, or undefined when they run. */
export const skipReason: string | undefined = 'skipReason' in provided ? provided.skipReason : undefined;

/** Returns the service paths (call inside a test that is skipped when they are absent). */
export function services(): ServicePaths {
  if (!servicePaths) throw new Error(`no reference services: ${skipReason ?? 'unknown reason'}`);
  return servicePaths;
}

/**
 * Call first in a test: when it fails, the output of every process started during it (and still known) is
 * printed; when it finishes, every live process is stopped.
 */
export function guardProcesses(): void {
  const first = startedProcesses().length;
  onTestFailed(() => {
    for (const p of startedProcesses().slice(first)) console.error(p.report());
  });
  onTestFinished(async () => {
    await stopAllProcesses();
  });
}
