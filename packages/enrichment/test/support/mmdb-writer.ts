// A small MaxMind DB (MMDB, format version 2.0) writer for tests, written from the published format description:
// a binary search tree over address bits, a 16-byte zero separator, a data section of typed values, then the
// metadata marker "\xAB\xCD\xEFMaxMind.com" followed by the metadata map. IPv6 tree; IPv4 networks live at ::/96.
import { isIP } from 'node:net';

/** A value the data section can hold. Integers are written as uint32 (uint16 via {@link Uint16}), floats as double. */
export type MmdbValue =
  string | number | boolean | MmdbValue[] | { [key: string]: MmdbValue } | Uint16 | Uint64;

/** Marks a number to be written as uint16 (metadata fields require it). */
export class Uint16 {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}
/** Marks a number to be written as uint64. */
export class Uint64 {
  readonly value: bigint;
  constructor(value: bigint) {
    this.value = value;
  }
}

function ctrl(type: number, size: number): number[] {
  const out: number[] = [];
  let sizeBits: number;
  const extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 29 + 256) {
    sizeBits = 29;
    extra.push(size - 29);
  } else if (size < 285 + 65536) {
    sizeBits = 30;
    const s = size - 285;
    extra.push(s >> 8, s & 0xff);
  } else {
    sizeBits = 31;
    const s = size - 65821;
    extra.push((s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff);
  }
  if (type <= 7) out.push((type << 5) | sizeBits);
  else out.push(sizeBits, type - 7);
  return [...out, ...extra];
}

function uintBytes(v: bigint): number[] {
  const bytes: number[] = [];
  let x = v;
  while (x > 0n) {
    bytes.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  return bytes;
}

/** Encodes one value in the MMDB data-section format. */
export function encodeValue(v: MmdbValue): number[] {
  if (typeof v === 'string') {
    const b = [...Buffer.from(v, 'utf8')];
    return [...ctrl(2, b.length), ...b];
  }
  if (typeof v === 'boolean') return ctrl(14, v ? 1 : 0);
  if (v instanceof Uint16) {
    const b = uintBytes(BigInt(v.value));
    return [...ctrl(5, b.length), ...b];
  }
  if (v instanceof Uint64) {
    const b = uintBytes(v.value);
    return [...ctrl(9, b.length), ...b];
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) {
      const b = uintBytes(BigInt(v));
      return [...ctrl(6, b.length), ...b];
    }
    const buf = Buffer.alloc(8);
    buf.writeDoubleBE(v);
    return [...ctrl(3, 8), ...buf];
  }
  if (Array.isArray(v)) return [...ctrl(11, v.length), ...v.flatMap(encodeValue)];
  const entries = Object.entries(v);
  return [...ctrl(7, entries.length), ...entries.flatMap(([k, x]) => [...encodeValue(k), ...encodeValue(x)])];
}

function networkBits(cidr: string): number[] {
  const [addr = '', lenText] = cidr.split('/');
  const family = isIP(addr);
  if (family === 0) throw new Error(`not an IP network: ${cidr}`);
  const len = Number(lenText ?? (family === 4 ? 32 : 128));
  let bits: number[];
  if (family === 4) {
    const bytes = addr.split('.').map(Number);
    bits = [
      ...new Array<number>(96).fill(0),
      ...bytes.flatMap((b) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (b >> i) & 1)),
    ];
    return bits.slice(0, 96 + len);
  }
  const halves = addr.split('::');
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves.length > 1 && halves[1] !== '' && halves[1] !== undefined ? halves[1].split(':') : [];
  const groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail].map((g) =>
    parseInt(g, 16),
  );
  bits = groups.flatMap((g) => Array.from({ length: 16 }, (_, i) => (g >> (15 - i)) & 1));
  return bits.slice(0, len);
}

interface Node {
  children: [Node | number | undefined, Node | number | undefined];
}

/**
 * Builds an MMDB file from networks (CIDR text, IPv4 or IPv6) and the record each maps to. Networks must not
 * overlap. `databaseType` goes into the metadata (`GeoLite2-City`, `GeoLite2-ASN`...).
 */
export function buildMmdb(networks: readonly [string, MmdbValue][], databaseType = 'Test-City'): Buffer {
  const data: number[] = [];
  const offsets: number[] = [];
  for (const [, value] of networks) {
    offsets.push(data.length);
    data.push(...encodeValue(value));
  }
  const root: Node = { children: [undefined, undefined] };
  networks.forEach(([cidr], i) => {
    const bits = networkBits(cidr);
    let node = root;
    bits.forEach((bit, depth) => {
      const b = bit as 0 | 1;
      if (depth === bits.length - 1) {
        node.children[b] = -(i + 1); // negative marks a data record (network index + 1)
        return;
      }
      let child = node.children[b];
      if (child === undefined || typeof child === 'number') {
        child = { children: [undefined, undefined] };
        node.children[b] = child;
      }
      node = child;
    });
  });
  // Number the nodes breadth-first.
  const order: Node[] = [];
  const index = new Map<Node, number>();
  const queue: Node[] = [root];
  while (queue.length > 0) {
    const n = queue.shift() as Node;
    index.set(n, order.length);
    order.push(n);
    for (const c of n.children) if (c !== undefined && typeof c !== 'number') queue.push(c);
  }
  const nodeCount = order.length;
  const recordValue = (c: Node | number | undefined): number => {
    if (c === undefined) return nodeCount; // no data
    if (typeof c === 'number') return nodeCount + 16 + (offsets[-c - 1] ?? 0);
    return index.get(c) ?? 0;
  };
  const tree = Buffer.alloc(nodeCount * 8); // 32-bit records
  order.forEach((n, i) => {
    tree.writeUInt32BE(recordValue(n.children[0]), i * 8);
    tree.writeUInt32BE(recordValue(n.children[1]), i * 8 + 4);
  });
  const metadata = encodeValue({
    node_count: nodeCount,
    record_size: new Uint16(32),
    ip_version: new Uint16(6),
    database_type: databaseType,
    languages: ['en'],
    binary_format_major_version: new Uint16(2),
    binary_format_minor_version: new Uint16(0),
    build_epoch: new Uint64(1_700_000_000n),
    description: { en: 'logpush-otel test database' },
  });
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    Buffer.from(data),
    Buffer.from([0xab, 0xcd, 0xef]),
    Buffer.from('MaxMind.com', 'latin1'),
    Buffer.from(metadata),
  ]);
}
