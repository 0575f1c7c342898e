import { isIP } from 'node:net';
import type { JsonValue, LogEntry, LogpushRecord, ProcessorFactory } from '@logpush-otel/pipeline';
import { ConfigReader } from '@logpush-otel/pipeline';
import { fieldKind } from './field-kinds.ts';
import { entryProcessor } from './processor.ts';

/** The indicators of one record, each list deduplicated, in the order first seen. */
export interface Indicators {
  ipAddresses: string[];
  domainNames: string[];
  rayIds: string[];
}

/** Attribute keys the indicators processor writes (string arrays). */
export const indicatorAttributes = {
  ipAddresses: 'cloudflare.indicators.ip_addresses',
  domainNames: 'cloudflare.indicators.domain_names',
  rayIds: 'cloudflare.indicators.ray_ids',
} as const;

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const RAY_ID = /^[0-9a-f]{16}(?:-[a-z]{3})?$/i;

/** `host` lower-cased without a trailing dot or port when it is a domain name (two labels or more), else undefined. */
export function normalizeDomain(host: string): string | undefined {
  let h = host.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  const colon = h.lastIndexOf(':');
  if (colon > 0 && h.indexOf(':') === colon && /^\d+$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  if (h.length === 0 || h.length > 253 || isIP(h) !== 0) return undefined;
  const labels = h.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  // The last label (TLD) is never all digits.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return undefined;
  return h;
}

/** An IP address from `value` (also `[v6]` and `addr/prefix` forms), canonical as written, or undefined. */
function ipOf(value: string): string | undefined {
  let v = value.trim();
  if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
  const slash = v.indexOf('/');
  if (slash > 0) v = v.slice(0, slash);
  return isIP(v) !== 0 ? v : undefined;
}

/** The host of an absolute URL (or `//host/...`), or undefined for a relative reference. */
function hostOfUrl(value: string): string | undefined {
  const start = value.indexOf('//');
  if (start < 0 || start > 10) return undefined;
  let end = value.length;
  for (let i = start + 2; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  let authority = value.slice(start + 2, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  return authority;
}

// Hosts repeat a lot (a zone's few names): remember their normalised form ('' = not a domain), bounded.
const domainCache = new Map<string, string>();
function cachedDomain(value: string): string {
  let d = domainCache.get(value);
  if (d === undefined) {
    d = normalizeDomain(value) ?? '';
    if (domainCache.size >= 10_000) domainCache.clear();
    domainCache.set(value, d);
  }
  return d;
}

class Collector {
  readonly ips = new Set<string>();
  readonly domains = new Set<string>();
  readonly rays = new Set<string>();

  host(value: string): void {
    let v = value.trim();
    if (v.startsWith('[')) {
      const end = v.indexOf(']');
      if (end > 0) v = v.slice(1, end);
    } else {
      const withPort = /^([\d.]+):\d+$/.exec(v);
      if (withPort?.[1] !== undefined) v = withPort[1];
    }
    if (isIP(v) !== 0) {
      this.ips.add(v);
      return;
    }
    const d = cachedDomain(value);
    if (d !== '') this.domains.add(d);
  }

  value(kind: ReturnType<typeof fieldKind>, v: string): void {
    if (v === '') return;
    switch (kind) {
      case 'ip': {
        const ip = ipOf(v);
        if (ip !== undefined) this.ips.add(ip);
        return;
      }
      case 'host':
        this.host(v);
        return;
      case 'url': {
        const h = hostOfUrl(v);
        if (h !== undefined && h !== '') this.host(h);
        return;
      }
      case 'ray':
        if (RAY_ID.test(v)) this.rays.add(v);
        return;
      default:
        return;
    }
  }
}

function visit(c: Collector, kind: ReturnType<typeof fieldKind>, v: JsonValue): void {
  if (typeof v === 'string') c.value(kind, v);
  else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') c.value(kind, item);
}

/**
 * Every IP address, domain name and ray id `record` mentions, found by field name (IP fields, host fields, the
 * host of URL fields such as ClientRequestReferer, ray id fields): validated (node:net isIP, hostname syntax,
 * 16 hex digits) and deduplicated.
 */
export function indicatorsOf(record: LogpushRecord): Indicators {
  const c = new Collector();
  for (const key in record) {
    const kind = fieldKind(key);
    if (kind === 'other' || kind === 'query' || kind === 'cookies') continue;
    const v = record[key];
    if (v === undefined || v === null) continue;
    if (kind === 'headers') {
      // Headers that name hosts or client addresses.
      if (typeof v === 'object' && !Array.isArray(v)) {
        for (const [name, hv] of Object.entries(v)) {
          const n = name.toLowerCase();
          if (n === 'host' || n === 'x-forwarded-host') visit(c, 'host', hv);
          else if (
            n === 'x-forwarded-for' ||
            n === 'x-real-ip' ||
            n === 'cf-connecting-ip' ||
            n === 'true-client-ip'
          ) {
            if (typeof hv === 'string') for (const part of hv.split(',')) c.value('ip', part);
          } else if (n === 'referer' || n === 'origin') visit(c, 'url', hv);
        }
      }
      continue;
    }
    visit(c, kind, v);
  }
  return { ipAddresses: [...c.ips], domainNames: [...c.domains], rayIds: [...c.rays] };
}

/** Adds the non-empty indicator lists of the entry's record to `entry.attributes`. */
export function enrichIndicators(entry: LogEntry): void {
  const found = indicatorsOf(entry.record);
  if (found.ipAddresses.length > 0) entry.attributes[indicatorAttributes.ipAddresses] = found.ipAddresses;
  if (found.domainNames.length > 0) entry.attributes[indicatorAttributes.domainNames] = found.domainNames;
  if (found.rayIds.length > 0) entry.attributes[indicatorAttributes.rayIds] = found.rayIds;
}

/** Config of the `indicators` processor (nothing to set). */
export type IndicatorsConfig = Record<string, never>;

/** `indicators` processor: per-record lists of all IPs, domain names and ray ids (like Panther's p_any_*). */
export const indicatorsProcessorFactory: ProcessorFactory<IndicatorsConfig> = {
  type: 'indicators',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({}),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    return r.finish({});
  },
  create(settings, _config, next) {
    return entryProcessor(settings, next, enrichIndicators);
  },
};
