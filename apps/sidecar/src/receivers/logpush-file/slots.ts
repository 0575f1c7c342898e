// Bounds on what a receiver has in flight: a counting semaphore of batches, and a budget of encoded bytes.

/** `acquire()` resolves true once a slot is free (false once closed); `release()` frees one. */
export class Slots {
  #free: number;
  #waiting: ((ok: boolean) => void)[] = [];
  #closed = false;

  constructor(size: number) {
    this.#free = size;
  }

  acquire(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined && !this.#closed) next(true);
    else this.#free++;
  }

  /** Wakes every waiter with false; later acquires get false at once. */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w(false);
  }
}

/**
 * A budget of bytes (encoded request bodies awaiting acknowledgement): `acquire(n)` resolves true once `n` more
 * bytes fit, or at once when nothing is held (a single body larger than the budget still goes); false once closed.
 */
export class ByteBudget {
  readonly #max: number;
  #used = 0;
  #waiting: { bytes: number; resolve: (ok: boolean) => void }[] = [];
  #closed = false;

  constructor(max: number) {
    this.#max = max;
  }

  get used(): number {
    return this.#used;
  }

  acquire(bytes: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#waiting.length === 0 && (this.#used === 0 || this.#used + bytes <= this.#max)) {
      this.#used += bytes;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiting.push({ bytes, resolve }));
  }

  release(bytes: number): void {
    this.#used -= bytes;
    while (!this.#closed) {
      const next = this.#waiting[0];
      if (next === undefined || (this.#used > 0 && this.#used + next.bytes > this.#max)) return;
      this.#waiting.shift();
      this.#used += next.bytes;
      next.resolve(true);
    }
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.resolve(false);
  }
}
