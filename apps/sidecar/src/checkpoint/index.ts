export { AckTracker } from './ack-tracker.ts';
export type { StreamPosition } from './ack-tracker.ts';
export { fingerprintOf, matchesPrefix, readHead } from './fingerprint.ts';
export { CheckpointStore, checkpointFileName } from './store.ts';
export type { FileCheckpoint } from './store.ts';
