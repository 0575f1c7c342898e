// One file the receiver knows about: its data (positions, sizes, acknowledgement bookkeeping) and the one state
// field that says what the receiver is doing with it. A state changes only through `transition`, which refuses
// a change the table below does not allow.
import { AckTracker } from '../../checkpoint/ack-tracker.ts';
import type { StreamPosition } from '../../checkpoint/ack-tracker.ts';
import type { FileCheckpoint } from '../../checkpoint/store.ts';
import type { GzipResume } from './file-pass.ts';

/**
 * What the receiver is doing with a file:
 * - `waiting`: nothing known about its end in this run (new, restarted, recovered, or the last pass ended
 *   early); read when its size differs from the size the last pass saw.
 * - `reading`: a pass is reading it.
 * - `complete`: the last pass reached the end of a complete stream; the file is done once every batch of it is
 *   acknowledged, unless it grows.
 * - `held-tail`: the last pass stopped before a final line without terminator; waits for the file to grow, or
 *   for `incomplete_line_timeout` (then `flush-tail`).
 * - `flush-tail`: the next pass reads the final line even without a terminator.
 * - `truncated`: the last pass found the gzip stream incomplete; waits for growth, or for
 *   `incomplete_gzip_timeout` (then the rest is recorded in the dead-letter store).
 * - `failing`: a batch was rejected while a pass runs; the pass stops before its next batch.
 * - `failed`: a batch was rejected; once every batch in flight settled, the file is re-read from its checkpoint
 *   (after a backoff).
 * - `gone`: not found by a scan, or removed by the receiver; forgotten once nothing of it is in flight.
 */
export type FileState =
  | 'waiting'
  | 'reading'
  | 'complete'
  | 'held-tail'
  | 'flush-tail'
  | 'truncated'
  | 'failing'
  | 'failed'
  | 'gone';

/** The allowed transitions: from each state, the states it may change to. */
export const TRANSITIONS: Readonly<Record<FileState, readonly FileState[]>> = {
  // A pass starts; a batch of an earlier pass is rejected; the file disappears.
  waiting: ['reading', 'failed', 'gone'],
  // The pass ends with what it found (`waiting` when it ended early); a batch is rejected meanwhile; the file is
  // not found when the pass opens it, or the receiver removed it.
  reading: ['waiting', 'complete', 'held-tail', 'flush-tail', 'truncated', 'failing', 'gone'],
  // The file grew (a pass starts); it was truncated or rewritten (`waiting`); a batch is rejected; it disappears.
  complete: ['reading', 'waiting', 'failed', 'gone'],
  'held-tail': ['reading', 'flush-tail', 'waiting', 'failed', 'gone'],
  'flush-tail': ['reading', 'waiting', 'failed', 'gone'],
  truncated: ['reading', 'waiting', 'failed', 'gone'],
  // The pass ended (`failed`), or the file was rewritten meanwhile: the failure belonged to the old content.
  failing: ['failed', 'reading'],
  // Every batch settled (re-read from the checkpoint), or the file was rewritten; or it disappeared.
  failed: ['waiting', 'gone'],
  // Found again by a later scan (renamed back, or a scan that missed it).
  gone: ['waiting'],
};

/** A file the receiver knows about in this run. The checkpoint holds the acknowledged position. */
export interface TrackedFile {
  /** Changed only by {@link transition}. */
  readonly state: FileState;
  cp: FileCheckpoint;
  path: string;
  size: number;
  mtimeMs: number;
  /** Oldest-first order: the time window of the name, else the modification time. */
  sortKey: number;
  /** Gzip by magic bytes; undefined until the first bytes were seen. */
  gzip: boolean | undefined;
  /** Where the next pass starts: the end of the last batch handed on. */
  read: StreamPosition;
  tracker: AckTracker;
  /** Bumped when the file is found truncated or replaced: work of older generations is ignored. */
  generation: number;
  /** Batches handed on and not settled. */
  inFlight: number;
  /** Size of the file when the last pass ended (-1: to be read again). */
  passSize: number;
  /** Unix ms since when the file has not grown while incomplete (`held-tail` or `truncated`). */
  stalledSince: number | undefined;
  /** Consecutive failures (reading or delivering), for the backoff. */
  failures: number;
  /** Unix ms before which the file is not read again. */
  retryAt: number;
  /** Unix ms of the last stat by a scan. */
  statAt: number;
  /** Inflate state of a gzip file that grows, kept between passes (see `readFilePass`). */
  inflate: GzipResume;
}

/** Thrown by {@link transition} for a change the table does not allow: a bookkeeping bug, never bad input. */
export class IllegalTransitionError extends Error {
  readonly from: FileState;
  readonly to: FileState;
  constructor(path: string, from: FileState, to: FileState) {
    super(`logpush_file: illegal state change of ${path}: ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.to = to;
  }
}

/** Whether the table allows `from` to change to `to`. */
export function canTransition(from: FileState, to: FileState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Changes the state of `f` to `to`; throws {@link IllegalTransitionError} when the table does not allow it. */
export function transition(f: TrackedFile, to: FileState): void {
  if (!canTransition(f.state, to)) throw new IllegalTransitionError(f.path, f.state, to);
  (f as { state: FileState }).state = to;
}

/** A pass holds the file (`reading`, or `failing` until the pass notices). */
export function isReading(f: TrackedFile): boolean {
  return f.state === 'reading' || f.state === 'failing';
}

/** A batch was rejected and the file waits to be re-read from its checkpoint. */
export function isFailed(f: TrackedFile): boolean {
  return f.state === 'failing' || f.state === 'failed';
}

/** A new tracked file positioned at its checkpoint. */
export function trackedFile(
  cp: FileCheckpoint,
  init: {
    path: string;
    size: number;
    mtimeMs: number;
    sortKey: number;
    gzip: boolean | undefined;
    now: number;
  },
  state: FileState = 'waiting',
): TrackedFile {
  const start = { offset: cp.offset, line: cp.line };
  return {
    state,
    cp,
    path: init.path,
    size: init.size,
    mtimeMs: init.mtimeMs,
    sortKey: init.sortKey,
    gzip: init.gzip,
    read: start,
    tracker: new AckTracker(start),
    generation: 0,
    inFlight: 0,
    passSize: -1,
    stalledSince: undefined,
    failures: 0,
    retryAt: 0,
    statAt: init.now,
    inflate: { cursor: undefined },
  };
}

/** Frees the inflate state kept for `f` (the file was rewritten, or is forgotten). */
export function dropInflateState(f: TrackedFile): void {
  f.inflate.cursor?.close();
  f.inflate.cursor = undefined;
}
