// The `workers` setting: `auto` (one per available core), or a positive integer; 1 runs on the main thread.
import { availableParallelism } from 'node:os';

export type WorkersSetting = 'auto' | number;

/** Worker threads `setting` stands for (at least 1). */
export function workerCount(setting: WorkersSetting): number {
  if (setting === 'auto') return Math.max(1, availableParallelism());
  return Math.max(1, Math.floor(setting));
}

/** Reads `auto` or a positive integer; undefined for anything else. */
export function parseWorkersSetting(value: unknown): WorkersSetting | undefined {
  if (value === 'auto') return 'auto';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  if (typeof value === 'string' && /^[1-9]\d*$/.test(value)) return Number(value);
  return undefined;
}
