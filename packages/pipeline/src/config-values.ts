// The value grammar every component's configuration shares: how values are shown in messages, durations, byte
// sizes, mappings, and the "did you mean" suggestion for a misspelt key.

/** Shows a config value in a message: strings quoted, long values truncated to 60 characters. */
export function describeValue(value: unknown): string {
  let text: string;
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}`;
  else if (Array.isArray(value)) text = 'a list';
  else if (typeof value === 'object') text = 'a mapping';
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Whether `value` is a plain object (a YAML mapping). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The duration grammar: a number and one of the units ms, s, m, h, d (`200ms`, `5s`, `1.5m`, `1h`, `1d`). */
export const DURATION_PATTERN = '^\\s*\\d+(?:\\.\\d+)?(?:ms|s|m|h|d)\\s*$';
const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration such as `200ms`, `5s`, `1.5m`, `2h`, `1d` (or the number 0) into milliseconds; undefined if invalid. */
export function parseDuration(value: unknown): number | undefined {
  if (value === 0) return 0;
  if (typeof value !== 'string') return undefined;
  const m = durationPattern.exec(value.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (durationUnits[m[2] ?? 'ms'] ?? 1));
}

/** The byte size grammar: a whole number of bytes, or a number and a unit (`512KiB`, `4MiB`, `1GB`). */
export const SIZE_PATTERN = '^\\s*\\d+(?:\\.\\d+)?\\s*(?:[bB]|[kKmMgG][iI]?[bB])?\\s*$';
const sizePattern = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?$/i;
const sizeUnits: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses a byte size such as `4MiB`, `512KiB`, `1000000` (or a number) into bytes; undefined if invalid. */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = sizePattern.exec(value.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (sizeUnits[(m[2] ?? 'b').toLowerCase()] ?? 1));
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short strings. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}

/**
 * The known key closest to a misspelt `key`, when it is close enough to be a likely typo (a third of its length
 * at most, and never more than 3 edits; case and `-`/`_` differences are free); undefined otherwise.
 */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/-/g, '_');
  const target = norm(key);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(target, norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(key.length, best?.length ?? 0) / 3)));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** The message for an unknown key: a suggestion when one known key is close, else the known keys. */
export function unknownKeyMessage(key: string, known: Iterable<string>): string {
  const list = [...known].sort();
  const suggestion = closestKey(key, list);
  if (suggestion !== undefined) return `unknown key; did you mean '${suggestion}'?`;
  return list.length === 0
    ? 'unknown key (this section takes no keys)'
    : `unknown key (known keys: ${list.join(', ')})`;
}
