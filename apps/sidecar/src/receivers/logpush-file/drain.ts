// The callers of `drained()`: each waits for the files present when it called, as found by the first scan that
// started after the call, to be read to their end and acknowledged.

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  /** Ids of the files to wait for; undefined until the first scan after the call ended. */
  files: Set<string> | undefined;
  /** The first scan that started after the call. */
  scan: number;
}

/** The pending `drained()` calls of one receiver. */
export class DrainWaiters {
  #waiters: Waiter[] = [];

  get size(): number {
    return this.#waiters.length;
  }

  /** A new waiter; `nextScan` is the sequence number the next scan will have. */
  add(nextScan: number): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.#waiters.push({ resolve, reject, files: undefined, scan: nextScan }),
    );
  }

  /** After scan `seq` ended: waiters still without their set of files get `files()`. */
  scanned(seq: number, files: () => Set<string>): void {
    let ids: Set<string> | undefined;
    for (const w of this.#waiters) {
      if (w.files === undefined && w.scan <= seq) w.files = ids ??= files();
    }
  }

  /**
   * Removes the waiters whose files are all finished (by `finished`) and settles them once `flush` (saving the
   * checkpoints) resolved.
   */
  check(finished: (ids: Set<string>) => boolean, flush: () => Promise<void>): void {
    if (this.#waiters.length === 0) return;
    const ready = this.#waiters.filter((w) => w.files !== undefined && finished(w.files));
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    void flush().then(
      () => {
        for (const w of ready) w.resolve();
      },
      (error: unknown) => {
        for (const w of ready) w.reject(error);
      },
    );
  }

  /** Rejects the waiters waiting for file `id` with `error()`. */
  failFor(id: string, error: () => Error): void {
    const failing = this.#waiters.filter((w) => w.files?.has(id) === true);
    if (failing.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !failing.includes(w));
    for (const w of failing) w.reject(error());
  }

  /** Rejects every waiter (shutdown). */
  rejectAll(error: Error): void {
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }
}
