import type { Component } from './component.ts';

/**
 * Optional interface for receivers that can work as a backfill (`logpush-otel run --once`).
 *
 * `drained()` resolves once the receiver has read all the input that existed when it was called (files present
 * then, read to their end) and every `consume()` it made for that input has settled, i.e. every record was
 * acknowledged, dropped or dead-lettered. It does not stop the receiver: the service calls `shutdown()` next,
 * which saves the final checkpoints. It rejects when the receiver cannot finish (a fatal read error); it may
 * stay pending while the exporters keep retrying (a backend outage), until the service shuts down.
 */
export interface Drainable {
  drained(): Promise<void>;
}

/** Whether `component` implements {@link Drainable}. */
export function isDrainable(component: Component): component is Component & Drainable {
  return typeof (component as Partial<Drainable>).drained === 'function';
}
