import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';

/** Prefix lengths kept by {@link truncateIp}. */
export interface TruncateOptions {
  /** Bits of an IPv4 address kept (0–32). Default 24. */
  v4?: number;
  /** Bits of an IPv6 address kept (0–128). Default 48. */
  v6?: number;
}

function parseV4(ip: string): number[] | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const out = parts.map(Number);
  return out.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? out : undefined;
}

function truncateV4Bytes(bytes: number[], prefix: number): string {
  return bytes
    .map((b, i) => {
      const keep = Math.max(0, Math.min(8, prefix - i * 8));
      return keep === 0 ? 0 : b & ((0xff << (8 - keep)) & 0xff);
    })
    .join('.');
}

/** The eight 16-bit groups of an IPv6 address (embedded IPv4 allowed), or undefined. */
function parseV6(ip: string): number[] | undefined {
  let text = ip;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string | undefined): number[] =>
    s === undefined || s === ''
      ? []
      : s.split(':').map((h) => (/^[0-9a-f]{1,4}$/i.test(h) ? parseInt(h, 16) : NaN));
  const head = parse(halves[0]);
  const after = halves.length === 2 ? parse(halves[1]) : [];
  const explicit = head.length + after.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - explicit).fill(0), ...after, ...tail];
  return all.every((g) => Number.isInteger(g)) ? all : undefined;
}

/** RFC 5952 text of eight 16-bit groups (lower-case, longest zero run of two or more compressed). */
function formatV6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * `ip` with everything past the prefix set to zero: `203.0.113.77` → `203.0.113.0` (/24),
 * `2001:db8:abcd:12::77` → `2001:db8:abcd::` (/48). IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is truncated with the
 * IPv4 prefix. Returns undefined when `ip` is not an IP address (node:net isIP).
 */
export function truncateIp(ip: string, options: TruncateOptions = {}): string | undefined {
  const v4Prefix = options.v4 ?? 24;
  const v6Prefix = options.v6 ?? 48;
  const family = isIP(ip);
  if (family === 4) {
    const bytes = parseV4(ip);
    return bytes === undefined ? undefined : truncateV4Bytes(bytes, v4Prefix);
  }
  if (family !== 6) return undefined;
  const groups = parseV6(ip);
  if (groups === undefined) return undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const a = groups[6] ?? 0;
    const b = groups[7] ?? 0;
    return `::ffff:${truncateV4Bytes([a >> 8, a & 0xff, b >> 8, b & 0xff], v4Prefix)}`;
  }
  const out = groups.map((g, i) => {
    const keep = Math.max(0, Math.min(16, v6Prefix - i * 16));
    return keep === 0 ? 0 : g & ((0xffff << (16 - keep)) & 0xffff);
  });
  return formatV6(out);
}

/**
 * Keyed pseudonym of `value`: hex HMAC-SHA256 with `key`. The same value and key always give the same result,
 * so records of one client stay linkable without revealing the address; without the key it cannot be reversed
 * by trying all 2^32 IPv4 addresses.
 */
export function hashIp(value: string, key: string | Uint8Array): string {
  return createHmac('sha256', key).update(value).digest('hex');
}
