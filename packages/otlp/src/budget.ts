// Fitting a record's attributes into the limit (by priority), processor attribute keys, and the optional
// deterministic record uid.
import { createHash } from 'node:crypto';
import type { Attributes, LogEntry } from '@logpush-otel/pipeline';
import type { AttributeBuilder } from './attribute-builder.ts';
import { isStale, keyId, keyName } from './attribute-builder.ts';
import type { CompiledDataset } from './compile.ts';
import { lokiNormalise } from './keys.ts';
import { toJsonText, valueText } from './values.ts';

/**
 * The attribute id of a processor attribute key, or -1 when the key differs from a key of the dataset's table but
 * equals it after Loki's normalisation (it would collide there). Cached per dataset.
 */
export function processorKeyId(ds: CompiledDataset, key: string): number {
  let id = ds.processorKeys.get(key);
  if (id === undefined || (id >= 0 && isStale(id, key))) {
    id = ds.claimed.has(lokiNormalise(key)) && !ds.keyPriority.has(key) ? -1 : keyId(key);
    if (ds.processorKeys.size < 1024) ds.processorKeys.set(key, id);
  }
  return id;
}

function priorityOf(ds: CompiledDataset, key: string, processorKeys: Attributes): number {
  let p: number | undefined = ds.keyPriority.get(key);
  if (Object.hasOwn(processorKeys, key)) p = p === undefined ? 2 : Math.min(p, 2);
  if (p !== undefined) return p;
  for (const [prefix, prefixPriority] of ds.prefixPriority) if (key.startsWith(prefix)) return prefixPriority;
  return 4;
}

/** Keeps the `limit` most important attributes (stable within a priority); returns how many it dropped. */
export function applyBudget(
  ds: CompiledDataset,
  b: AttributeBuilder,
  limit: number,
  processorKeys: Attributes,
): number {
  const n = b.n;
  if (n <= limit) return 0;
  const ranked: { index: number; priority: number }[] = [];
  for (let i = 0; i < n; i++)
    ranked.push({ index: i, priority: priorityOf(ds, keyName(b.ids[i] ?? 0), processorKeys) });
  ranked.sort((a, c) => a.priority - c.priority || a.index - c.index);
  const keep = ranked
    .slice(0, limit)
    .map((r) => r.index)
    .sort((a, c) => a - c);
  b.keepOnly(keep);
  return n - limit;
}

export function recordUid(ds: CompiledDataset, entry: LogEntry): string | undefined {
  const r = entry.record;
  const ray = typeof r.RayID === 'string' && r.RayID !== '' ? r.RayID : undefined;
  switch (ds.datasetId) {
    case 'http_requests':
      if (ray !== undefined) return ray;
      break;
    case 'firewall_events':
      if (ray !== undefined) return `${ray}:${valueText(r.MatchIndex)}:${valueText(r.RuleID)}`;
      break;
    case 'spectrum_events':
      return hashHex(
        [r.Application, r.ClientIP, r.ClientPort, r.ConnectTimestamp, r.Event, r.Timestamp]
          .map(valueText)
          .join('|'),
      );
    default:
      break;
  }
  return hashHex(entry.raw !== '' ? entry.raw : toJsonText(entry.record));
}

function hashHex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
