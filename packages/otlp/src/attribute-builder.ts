// Builds a record's attributes as parallel arrays (key ids, values) and turns them into a plain object of a cached
// shape: records with the same key sequence get objects cloned from one template, so V8 keeps them in fast mode
// (building and iterating a 40-key dictionary-mode object costs several times more).
import type { AnyValue, Attributes } from '@logpush-otel/pipeline';

const staticIds = new Map<string, number>();
const dynamicIds = new Map<string, number>();
const names: string[] = [];
/** Ids below this are permanent (table keys); dynamic keys (headers, unknown fields...) get ids above it. */
const STATIC_CAPACITY = 1 << 16;
const MAX_DYNAMIC = 1 << 15;
let dynamicGeneration = 0;
/**
 * Set when a key that has a dynamic id gets a permanent one: the dynamic ids are then forgotten before the next
 * record, so that no cache hands out the old id and one record never holds one key under two ids.
 */
let forgetPending = false;

/** A permanent id for a key written by the compiled tables. */
export function staticKeyId(key: string): number {
  let id = staticIds.get(key);
  if (id === undefined) {
    id = staticIds.size;
    if (id >= STATIC_CAPACITY) throw new RangeError('too many distinct attribute keys in the field tables');
    if (dynamicIds.has(key)) forgetPending = true;
    staticIds.set(key, id);
    names[id] = key;
  }
  return id;
}

/** An id for any key: the permanent one if it has one, else a dynamic one (forgotten when too many exist). */
export function keyId(key: string): number {
  const id = staticIds.get(key);
  if (id !== undefined) return id;
  let dyn = dynamicIds.get(key);
  if (dyn === undefined) {
    dyn = STATIC_CAPACITY + dynamicIds.size;
    dynamicIds.set(key, dyn);
    names[dyn] = key;
  }
  return dyn;
}

/**
 * Whether `id` no longer stands for `key` in a cache: the dynamic ids were forgotten, or the key has since got a
 * permanent id (one record must never hold one key under two ids).
 */
export function isStale(id: number, key: string): boolean {
  return names[id] !== key || (id >= STATIC_CAPACITY && staticIds.has(key));
}

/** The key of an id. */
export function keyName(id: number): string {
  return names[id] ?? '';
}

/**
 * The value of `key` as an array index (a canonical decimal below 2^32 - 1), or -1. A JavaScript object lists
 * such keys first, in ascending order, whatever order they were set in: so does the attributes object the
 * reference mapper builds (`build()`), and so the direct encoders must write them.
 */
export function arrayIndex(key: string): number {
  const n = key.length;
  if (n === 0 || n > 10 || (n > 1 && key.charCodeAt(0) === 48)) return -1;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  const value = Number(key);
  return value <= 4294967294 ? value : -1;
}

interface Shape {
  readonly ids: Int32Array;
  readonly keys: readonly string[];
  /** Creates the attributes object with one object literal of this shape's keys (compiled on the second use). */
  create: ((values: readonly AnyValue[]) => Attributes) | undefined;
}

/** An object with `keys` (in order) set from `values`, for a key sequence seen once (not worth compiling). */
function createOnce(keys: readonly string[], values: readonly AnyValue[]): Attributes {
  // JSON.parse creates a fast-mode object (and makes `__proto__` an ordinary own key).
  const out = JSON.parse(`{${keys.map((k) => `${JSON.stringify(k)}:null`).join(',')}}`) as Attributes;
  for (let i = 0; i < keys.length; i++) out[keys[i] ?? ''] = values[i] ?? null;
  return out;
}

/**
 * A function that builds an object with exactly `keys` (in that order) from `values[0..n)`: one object literal,
 * which V8 creates from a boilerplate in fast mode, much cheaper than cloning a template and storing each key.
 * The keys are written as JSON string literals (valid JS string literals); `__proto__` as a computed key, so that
 * it is an ordinary own property like the others.
 */
function compileShape(keys: readonly string[]): (values: readonly AnyValue[]) => Attributes {
  if (!canCompile) return (values) => createOnce(keys, values);
  const members = keys.map((k, i) => {
    const literal = JSON.stringify(k);
    return `${k === '__proto__' ? `[${literal}]` : literal}: v[${i}] ?? null`;
  });
  let create: (values: readonly AnyValue[]) => Attributes;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from JSON-escaped keys only
    create = new Function('v', `return {${members.join(',')}};`) as (
      values: readonly AnyValue[],
    ) => Attributes;
  } catch {
    // Allowed when the probe ran but not now: workerd permits code generation while a Worker's modules load
    // and forbids it while a request is handled. From here on every shape takes the portable path.
    canCompile = false;
    return (values) => createOnce(keys, values);
  }
  // Generalise every field's representation once (double, then string), so that the objects' fields hold any
  // value type without unboxed-double fields (reading those allocates) or later map deprecations.
  create(keys.map(() => 0.5));
  create(keys.map(() => ''));
  return create;
}
/**
 * Whether this runtime allows `new Function` (Cloudflare Workers and pages with a strict CSP forbid code
 * generation); without it every shape takes the slower {@link createOnce} path, with the same result. Set to false
 * by {@link compileShape} when code generation fails later (workerd allows it only while modules load).
 */
let canCompile = ((): boolean => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a constant probe
    return (new Function('return 1') as () => number)() === 1;
  } catch {
    return false;
  }
})();
let shapes = new Map<number, Shape[]>();
let shapeCount = 0;
const MAX_SHAPES = 4096;

function forgetDynamic(): void {
  for (const [key, id] of dynamicIds) if (names[id] === key) names[id] = '';
  dynamicIds.clear();
  forgetPending = false;
  shapes = new Map();
  shapeCount = 0;
  dynamicGeneration++;
}

/** Collects one record's attributes; `reset()` before each record, `build()` after. Not re-entrant. */
export class AttributeBuilder {
  private stamp = new Int32Array(1024);
  private at = new Int32Array(1024);
  private dynamicStamp = new Int32Array(256);
  private dynamicAt = new Int32Array(256);
  private epoch = 0;
  ids: number[] = [];
  values: AnyValue[] = [];
  n = 0;

  reset(): void {
    if (dynamicIds.size > MAX_DYNAMIC || forgetPending) forgetDynamic();
    this.epoch++;
    if (this.epoch === 0x7fffffff) {
      this.stamp.fill(0);
      this.dynamicStamp.fill(0);
      this.epoch = 1;
    }
    this.n = 0;
  }

  private grow(dynamic: boolean, index: number): void {
    const old = dynamic ? this.dynamicStamp : this.stamp;
    let size = old.length * 2;
    while (size <= index) size *= 2;
    const stamp = new Int32Array(size);
    stamp.set(old);
    const at = new Int32Array(size);
    at.set(dynamic ? this.dynamicAt : this.at);
    if (dynamic) {
      this.dynamicStamp = stamp;
      this.dynamicAt = at;
    } else {
      this.stamp = stamp;
      this.at = at;
    }
  }

  /** Position of `id` in this record, or -1. */
  indexOf(id: number): number {
    if (id < STATIC_CAPACITY) {
      return id < this.stamp.length && this.stamp[id] === this.epoch ? (this.at[id] ?? -1) : -1;
    }
    const d = id - STATIC_CAPACITY;
    return d < this.dynamicStamp.length && this.dynamicStamp[d] === this.epoch
      ? (this.dynamicAt[d] ?? -1)
      : -1;
  }

  /** Sets (or overwrites, keeping its position) the attribute `id`. */
  set(id: number, value: AnyValue): void {
    const existing = this.indexOf(id);
    if (existing >= 0) {
      this.values[existing] = value;
      return;
    }
    if (id < STATIC_CAPACITY) {
      if (id >= this.stamp.length) this.grow(false, id);
      this.stamp[id] = this.epoch;
      this.at[id] = this.n;
    } else {
      const d = id - STATIC_CAPACITY;
      if (d >= this.dynamicStamp.length) this.grow(true, d);
      this.dynamicStamp[d] = this.epoch;
      this.dynamicAt[d] = this.n;
    }
    this.ids[this.n] = id;
    this.values[this.n] = value;
    this.n++;
  }

  setKey(key: string, value: AnyValue): void {
    this.set(keyId(key), value);
  }

  has(id: number): boolean {
    return this.indexOf(id) >= 0;
  }

  get(id: number): AnyValue | undefined {
    const i = this.indexOf(id);
    return i >= 0 ? this.values[i] : undefined;
  }

  /** Keeps only the attributes at the given positions (ascending), e.g. after an attribute budget. */
  keepOnly(positions: readonly number[]): void {
    const ids = positions.map((p) => this.ids[p] ?? 0);
    const values = positions.map((p) => this.values[p] ?? null);
    this.epoch++;
    this.n = 0;
    for (let i = 0; i < ids.length; i++) this.set(ids[i] ?? 0, values[i] ?? null);
  }

  /** The attributes as a plain object, keys in insertion order (integer-like keys first, as JS orders them). */
  build(): Attributes {
    const n = this.n;
    const ids = this.ids;
    let h = n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ (ids[i] ?? 0), 0x9e3779b1) >>> 0;
    const list = shapes.get(h);
    let shape: Shape | undefined;
    if (list !== undefined) {
      for (const candidate of list) {
        const c = candidate.ids;
        if (c.length !== n) continue;
        let same = true;
        for (let i = 0; i < n; i++) {
          if (c[i] !== ids[i]) {
            same = false;
            break;
          }
        }
        if (same) {
          shape = candidate;
          break;
        }
      }
    }
    if (shape === undefined) {
      const keys: string[] = [];
      for (let i = 0; i < n; i++) keys.push(keyName(ids[i] ?? 0));
      if (shapeCount >= MAX_SHAPES) {
        // Too many distinct key sequences (varied custom fields): start over rather than grow without bound.
        shapes = new Map();
        shapeCount = 0;
      }
      shape = { ids: Int32Array.from(ids.slice(0, n)), keys, create: undefined };
      const bucket = shapes.get(h);
      if (bucket === undefined) shapes.set(h, [shape]);
      else bucket.push(shape);
      shapeCount++;
      return createOnce(keys, this.values);
    }
    shape.create ??= compileShape(shape.keys);
    return shape.create(this.values);
  }

  /** Generation of the dynamic key ids (changes when they are forgotten); for caches of dynamic ids. */
  static get generation(): number {
    return dynamicGeneration;
  }
}

/**
 * Something derived from attribute keys, kept by attribute id (an encoded key, say): a table key's entry is kept
 * for good, a dynamic key's until the dynamic ids are forgotten (ids are then reused for other keys).
 */
export class KeyCache<T> {
  private readonly make: (key: string) => T;
  private readonly permanent: (T | undefined)[] = [];
  private dynamic: (T | undefined)[] = [];
  private generation = -1;

  constructor(make: (key: string) => T) {
    this.make = make;
  }

  /** Call once per record before {@link get}: drops the dynamic entries if their ids were forgotten. */
  check(): void {
    if (this.generation !== dynamicGeneration) {
      this.dynamic = [];
      this.generation = dynamicGeneration;
    }
  }

  get(id: number): T {
    const dynamic = id >= STATIC_CAPACITY;
    const list = dynamic ? this.dynamic : this.permanent;
    const slot = dynamic ? id - STATIC_CAPACITY : id;
    let entry = list[slot];
    if (entry === undefined) {
      entry = this.make(keyName(id));
      // filled up to the slot, so that the list stays a dense array (an array with large holes turns into a
      // dictionary, much slower to read)
      while (list.length < slot) list.push(undefined);
      list[slot] = entry;
    }
    return entry;
  }
}
