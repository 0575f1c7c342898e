// A counting semaphore bounding the batches a receiver has in flight: reading waits for a free slot.

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
