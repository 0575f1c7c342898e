// The default LogRecord body: a short, stable one-line summary per dataset (docs/mapping.md, "Why: the body").
// The seed datasets' formats are written out here; the other datasets' are data (`summary` in their tables).
import type { AnyValue, JsonValue, LogpushRecord } from '@logpush-otel/pipeline';
import { staticKeyId } from './attribute-builder.ts';
import type { AttributeBuilder } from './attribute-builder.ts';
import type { CompiledDataset } from './compile.ts';
import type { SummaryPart } from './tables/index.ts';

function text(value: JsonValue | AnyValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return '';
}

/** `a b` (either may be empty; no stray spaces). */
function join(a: string, b: string): string {
  return b === '' ? a : a === '' ? b : `${a} ${b}`;
}

function hostPort(host: string, port: string): string {
  if (host === '') return '';
  const h = host.includes(':') ? `[${host}]` : host;
  return port === '' ? h : `${h}:${port}`;
}

/** Keys shown (when present) in the summary of a dataset without its own summary format. */
const GENERIC_KEYS = [
  'http.request.method',
  'url.full',
  'server.address',
  'url.path',
  'http.response.status_code',
  'client.address',
  'source.address',
  'destination.address',
  'cloudflare.ray_id',
].map((key) => [key, staticKeyId(key)] as const);
const URL_FULL = staticKeyId('url.full');

/**
 * http_requests: `GET https://example.com/a?b=1 200 cache=hit 5123B colo=SJC ray=8f1c2d3e4a5b6c7d`;
 * firewall_events: `block waf rule=<RuleID> GET example.com/wp-login.php ray=<RayID>`;
 * spectrum_events: `disconnect status=200 tcp 203.0.113.7:51234 -> 198.51.100.4:22 app=<id>`;
 * other datasets: their table's summary parts (`access login denied user@example.com app=... ip=...`); a dataset
 * without any (unknown datasets): the event name and a few identifying attributes as `key=value`.
 */
export function bodySummary(
  ds: CompiledDataset,
  r: LogpushRecord,
  attributes: Pick<AttributeBuilder, 'get'>,
): string {
  let out = '';
  switch (ds.datasetId) {
    case 'http_requests': {
      out = join(out, text(r.ClientRequestMethod));
      const full = attributes.get(URL_FULL);
      out = join(
        out,
        typeof full === 'string' ? full : text(r.ClientRequestHost) + text(r.ClientRequestPath),
      );
      const status = text(r.EdgeResponseStatus);
      if (status !== '0') out = join(out, status);
      const cache = text(r.CacheCacheStatus);
      if (cache !== '') out = join(out, `cache=${cache}`);
      const bytes = text(r.EdgeResponseBytes);
      if (bytes !== '') out = join(out, `${bytes}B`);
      const colo = text(r.EdgeColoCode);
      if (colo !== '') out = join(out, `colo=${colo}`);
      const ray = text(r.RayID);
      if (ray !== '') out = join(out, `ray=${ray}`);
      break;
    }
    case 'firewall_events': {
      out = join(out, text(r.Action).toLowerCase());
      out = join(out, text(r.Source));
      const rule = text(r.RuleID);
      if (rule !== '') out = join(out, `rule=${rule}`);
      out = join(out, text(r.ClientRequestMethod));
      out = join(out, text(r.ClientRequestHost) + text(r.ClientRequestPath));
      const ray = text(r.RayID);
      if (ray !== '') out = join(out, `ray=${ray}`);
      break;
    }
    case 'spectrum_events': {
      out = join(out, text(r.Event));
      const status = text(r.Status);
      if (status !== '') out = join(out, `status=${status}`);
      out = join(out, text(r.ClientProto));
      const client = hostPort(text(r.ClientIP), text(r.ClientPort));
      const origin = hostPort(text(r.OriginIP), text(r.OriginPort));
      if (client !== '' || origin !== '') out = join(out, `${client || '?'} -> ${origin || '?'}`);
      const app = text(r.Application);
      if (app !== '') out = join(out, `app=${app}`);
      break;
    }
    default: {
      if (ds.summary !== undefined) return partsSummary(ds.summary, r);
      out = join(out, ds.eventName !== '' ? ds.eventName : `cloudflare.${ds.datasetId}`);
      for (const [key, id] of GENERIC_KEYS) {
        const value = text(attributes.get(id));
        if (value !== '') out = join(out, `${key}=${value}`);
      }
    }
  }
  return out;
}

/** A field's value as summary text: scalars as they are, arrays of scalars joined with `,`. */
function partText(value: JsonValue | undefined): string {
  if (Array.isArray(value))
    return value
      .map((v) => text(v))
      .filter((t) => t !== '')
      .join(',');
  return text(value);
}

/** A summary from a table's parts: literals, and values (or `label=value`) of the fields present. */
export function partsSummary(parts: readonly SummaryPart[], r: LogpushRecord): string {
  let out = '';
  let pendingLiteral = '';
  let afterValue = false;
  for (const [i, part] of parts.entries()) {
    if (typeof part === 'string') {
      // The leading literal names the record; a later one (`->`) stands between two values, so it is written only
      // when a value came before it and another follows.
      if (i === 0) out = part;
      else pendingLiteral = afterValue ? join(pendingLiteral, part) : '';
      afterValue = false;
      continue;
    }
    let value = partText(r[part.field]);
    if (value === '') continue;
    if (part.values !== undefined) value = part.values[value] ?? value;
    if (part.lower === true) value = value.toLowerCase();
    if (value === '') continue;
    out = join(join(out, pendingLiteral), part.label === undefined ? value : `${part.label}=${value}`);
    pendingLiteral = '';
    afterValue = true;
  }
  return out;
}
