import type { Component } from './component.ts';

/**
 * Optional interface for components that can be running yet unable to do their job, e.g. an exporter whose
 * backend refuses its API key: delivery is paused until the configuration is fixed. The service reports itself
 * not ready (`/readyz`) while any component returns a reason.
 */
export interface ReportsReadiness {
  /** Why the component cannot work now (one line), or undefined when it can. */
  notReadyReason(): string | undefined;
}

/** Whether `component` implements {@link ReportsReadiness}. */
export function reportsReadiness(component: Component): component is Component & ReportsReadiness {
  return typeof (component as Partial<ReportsReadiness>).notReadyReason === 'function';
}
