// Shared by the integration test files: the injected service paths, and per-test bookkeeping that prints every
// started process's output when the test fails and stops them all when it ends (pass, fail or timeout).
import { inject, onTestFinished } from 'vitest';
import { rm } from 'node:fs/promises';
import { startedProcesses, stopAllProcesses } from '../src/processes.ts';
import { tempDirsCreated } from '../src/services.ts';
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
 * Call first in a test: when it fails, the output of every process started during it is printed and its
 * temporary directories (inputs, service logs, outputs) are kept and named; when it finishes, every live process
 * is stopped, and after a pass its temporary directories are removed.
 */
export function guardProcesses(): void {
  const first = startedProcesses().length;
  const firstDir = tempDirsCreated().length;
  // onTestFinished runs before onTestFailed, so the outcome is read from the task itself.
  onTestFinished(async ({ task }) => {
    await stopAllProcesses();
    if (task.result?.state === 'fail') {
      for (const p of startedProcesses().slice(first)) console.error(p.report());
      console.error(`kept for inspection: ${tempDirsCreated().slice(firstDir).join(', ')}`);
    } else {
      for (const dir of tempDirsCreated().slice(firstDir)) await rm(dir, { recursive: true, force: true });
    }
  });
}
