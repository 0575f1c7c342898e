// Acknowledgement bookkeeping for one file: batches are sent in order and may be acknowledged in any order;
// the durable position only moves to the end of the longest acknowledged prefix.

/** A position in a decompressed stream: byte offset after the last consumed line, and lines consumed. */
export interface StreamPosition {
  readonly offset: number;
  readonly line: number;
}

interface Pending {
  readonly ticket: number;
  readonly end: StreamPosition;
  acked: boolean;
}

/**
 * Tracks batches in flight for one stream. `open(end)` registers the next batch (ends must not go backwards)
 * and returns its ticket; `ack(ticket)` marks it acknowledged and moves `committed` to the end of the highest
 * contiguous acknowledged batch. `fail(ticket)` freezes `committed` before that batch: later acknowledgements
 * no longer move it (they will be re-sent after `reset`).
 */
export class AckTracker {
  #committed: StreamPosition;
  #queue: Pending[] = [];
  #head = 0;
  #nextTicket = 1;
  #failedAt = Number.POSITIVE_INFINITY;

  constructor(start: StreamPosition) {
    this.#committed = start;
  }

  /** The position up to which every batch is acknowledged. */
  get committed(): StreamPosition {
    return this.#committed;
  }

  /** Batches opened and not yet acknowledged (failed ones included until `reset`). */
  get pending(): number {
    let n = 0;
    for (let i = this.#head; i < this.#queue.length; i++) if (this.#queue[i]?.acked === false) n++;
    return n;
  }

  /** Whether a batch failed since the last `reset`. */
  get failed(): boolean {
    return this.#failedAt !== Number.POSITIVE_INFINITY;
  }

  /** Registers the next batch, which ends at `end`; returns its ticket. */
  open(end: StreamPosition): number {
    const last = this.#queue.length > this.#head ? this.#queue[this.#queue.length - 1]?.end : this.#committed;
    if (last !== undefined && end.offset < last.offset) {
      throw new Error(`batch end ${end.offset} is before the previous end ${last.offset}`);
    }
    const ticket = this.#nextTicket++;
    this.#queue.push({ ticket, end, acked: false });
    return ticket;
  }

  /** Marks `ticket` acknowledged; returns true when `committed` moved. Unknown tickets are ignored. */
  ack(ticket: number): boolean {
    const index = this.#indexOf(ticket);
    if (index < 0) return false;
    const item = this.#queue[index];
    if (item === undefined) return false;
    item.acked = true;
    let moved = false;
    while (this.#head < this.#queue.length) {
      const head = this.#queue[this.#head];
      if (head === undefined || !head.acked || head.ticket >= this.#failedAt) break;
      this.#committed = head.end;
      this.#head++;
      moved = true;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return moved;
  }

  /** Marks `ticket` as not delivered: `committed` will not move past the batches before it. */
  fail(ticket: number): void {
    if (ticket < this.#failedAt) this.#failedAt = ticket;
  }

  /** Forgets every batch in flight and restarts from `position` (after a failure, or a truncated file). */
  reset(position: StreamPosition = this.#committed): void {
    this.#committed = position;
    this.#queue = [];
    this.#head = 0;
    this.#failedAt = Number.POSITIVE_INFINITY;
  }

  #indexOf(ticket: number): number {
    // Tickets are increasing, so binary search the live part of the queue.
    let lo = this.#head;
    let hi = this.#queue.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.#queue[mid]?.ticket ?? 0;
      if (t === ticket) return mid;
      if (t < ticket) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
