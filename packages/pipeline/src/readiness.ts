import type { Component } from './component.ts';

/**
 * Optional interface for components whose readiness can change while they run: a receiver that cannot reach
 * its source because of a configuration fault (wrong credentials, a missing bucket) reports `isReady()` false,
 * and {@link Service.ready} (the sidecar's `/readyz`) says "not ready" until it recovers.
 */
export interface ReadinessReporter {
  isReady(): boolean;
}

/** Whether `component` implements {@link ReadinessReporter}. */
export function reportsReadiness(component: Component): component is Component & ReadinessReporter {
  return typeof (component as Partial<ReadinessReporter>).isReady === 'function';
}
