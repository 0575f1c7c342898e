// The mapping every dataset falls back to for a field its own table does not list (and the only mapping of
// records whose dataset is unknown): fields with an obvious semantic-convention or shared name wherever they
// appear. Dataset tables reuse these rows through common().
import { PROTOCOL_NA } from './types.ts';
import type { FieldMapping } from './types.ts';

/**
 * Fields with an obvious semantic-convention or shared name in any dataset. Used for every dataset without its own
 * table row for the field (datasets other than the three below map through this and the generic vendor rule).
 */
export const commonFields: readonly FieldMapping[] = [
  { field: 'ClientIP', key: 'client.address', kind: 'semconv', priority: 0 },
  { field: 'clientIP', key: 'client.address', kind: 'semconv', priority: 0 },
  { field: 'ClientSrcPort', key: 'client.port', kind: 'semconv' },
  { field: 'ClientPort', key: 'client.port', kind: 'semconv' },
  { field: 'SourceIP', key: 'source.address', kind: 'semconv', notes: 'no fixed client/server roles' },
  { field: 'SrcIP', key: 'source.address', kind: 'semconv' },
  { field: 'SourcePort', key: 'source.port', kind: 'semconv' },
  { field: 'SrcPort', key: 'source.port', kind: 'semconv' },
  { field: 'DestinationIP', key: 'destination.address', kind: 'semconv' },
  { field: 'DstIP', key: 'destination.address', kind: 'semconv' },
  { field: 'DestinationPort', key: 'destination.port', kind: 'semconv' },
  { field: 'DstPort', key: 'destination.port', kind: 'semconv' },
  { field: 'ClientRequestHost', key: 'server.address', kind: 'semconv', priority: 0 },
  { field: 'clientRequestHTTPHost', key: 'server.address', kind: 'semconv', priority: 0 },
  { field: 'HTTPHost', key: 'server.address', kind: 'semconv', priority: 0 },
  { field: 'Host', key: 'server.address', kind: 'semconv', priority: 0 },
  {
    field: 'ClientRequestMethod',
    key: 'http.request.method',
    kind: 'semconv',
    convert: 'method',
    priority: 0,
  },
  { field: 'HTTPMethod', key: 'http.request.method', kind: 'semconv', convert: 'method', priority: 0 },
  { field: 'Method', key: 'http.request.method', kind: 'semconv', convert: 'method', priority: 0 },
  { field: 'ClientRequestPath', key: 'url.path', kind: 'semconv', priority: 0 },
  { field: 'clientRequestPath', key: 'url.path', kind: 'semconv', priority: 0 },
  { field: 'ClientRequestScheme', key: 'url.scheme', kind: 'semconv' },
  { field: 'ClientRequestQuery', key: 'url.query', kind: 'semconv', convert: 'query' },
  { field: 'URL', key: 'url.full', kind: 'semconv', priority: 0 },
  { field: 'HTTPURL', key: 'url.full', kind: 'semconv', priority: 0 },
  {
    field: 'ClientRequestProtocol',
    key: 'network.protocol',
    kind: 'semconv',
    convert: 'http-protocol',
    drop: PROTOCOL_NA,
  },
  { field: 'EdgeResponseStatus', key: 'http.response.status_code', kind: 'semconv', priority: 0, drop: [0] },
  { field: 'HTTPStatusCode', key: 'http.response.status_code', kind: 'semconv', priority: 0, drop: [0] },
  { field: 'ClientRequestUserAgent', key: 'user_agent.original', kind: 'semconv' },
  { field: 'clientRequestUserAgent', key: 'user_agent.original', kind: 'semconv' },
  { field: 'UserAgent', key: 'user_agent.original', kind: 'semconv' },
  { field: 'Referer', key: 'http.request.header.referer', kind: 'semconv', convert: 'header' },
  { field: 'ClientCountry', key: 'geo.country.iso_code', kind: 'semconv', convert: 'upper' },
  {
    field: 'RayID',
    key: 'cloudflare.ray_id',
    kind: 'shared',
    priority: 0,
    notes: 'joins http_requests and firewall_events',
  },
  {
    field: 'EdgeColoCode',
    key: 'cloudflare.colo.code',
    kind: 'shared',
    notes: 'per record, never a resource attribute',
  },
  {
    field: 'ColoCode',
    key: 'cloudflare.colo.code',
    kind: 'shared',
    notes: 'per record, never a resource attribute',
  },
  { field: 'ClientASN', key: 'cloudflare.client.asn', kind: 'shared' },
  {
    field: 'ClientAsn',
    key: 'cloudflare.client.asn',
    kind: 'shared',
    notes: "Cloudflare's spelling in spectrum_events",
  },
  { field: 'clientASN', key: 'cloudflare.client.asn', kind: 'shared' },
  { field: 'ClientIPClass', key: 'cloudflare.client.ip_class', kind: 'shared' },
  { field: 'ZoneName', key: 'cloudflare.zone.name', kind: 'resource', notes: 'groups ResourceLogs' },
  {
    field: 'ZoneID',
    key: 'cloudflare.zone.id',
    kind: 'resource',
    convert: 'string',
    notes: 'legacy numeric id, as a string',
  },
];

/** The {@link commonFields} row for `field`, used where a dataset table maps the field the common way. */
export function common(field: string): FieldMapping {
  const row = commonFields.find((r) => r.field === field);
  if (row === undefined) throw new Error(`tables: no common mapping for ${field}`);
  return row;
}
