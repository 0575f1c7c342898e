// The generator's PRNG (mulberry32, reseeded per request from seed and index so that every request has its own
// reproducible stream) and helpers for weighted choices.

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Rng {
  s = 0;
  reseed(seed: number, index: number, salt: number): void {
    let h =
      Math.imul(seed ^ salt, 0x9e3779b1) ^
      Math.imul(index, 0x85ebca6b) ^
      Math.imul(Math.floor(index / 4294967296), 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    this.s = (h ^ (h >>> 16)) | 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** Picks by cumulative weights (`weights` sum to 1, last entry catches the rest). */
  weighted<T>(items: readonly T[], cumulative: readonly number[]): T {
    const x = this.float();
    for (let i = 0; i < cumulative.length; i++) if (x < (cumulative[i] ?? 1)) return items[i] as T;
    return items[items.length - 1] as T;
  }
  hex8(): string {
    const x = this.next();
    return (
      (HEX[x >>> 24] ?? '') +
      (HEX[(x >>> 16) & 255] ?? '') +
      (HEX[(x >>> 8) & 255] ?? '') +
      (HEX[x & 255] ?? '')
    );
  }
}

export function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / total));
}

/** Vocabulary strings are embedded into JSON text as they are, so they must need no escaping. */
export function safe<T extends string>(s: T): T {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c === 0x22 || c === 0x5c)
      throw new Error(`generator vocabulary needs JSON escaping: ${s}`);
  }
  return s;
}
