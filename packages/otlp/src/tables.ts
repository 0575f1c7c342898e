// The field tables: which Cloudflare field becomes which OpenTelemetry attribute, as data. The mapper compiles
// them once per dataset; scripts/generate-mapping-doc.ts renders them as docs/mapping.md. The reasons
// for each choice are in docs/mapping.md.

/**
 * How a value is converted before it becomes an attribute.
 * - `value`: by the field's schema type (ints stay ints, `float` → double, arrays stay homogeneous arrays,
 *   objects are flattened one level as `<key>.<name>` with a key cap, embedded timestamps → RFC 3339 strings).
 * - `string`, `upper`, `lower`: the value as a string (upper/lower-cased).
 * - `double`: a numeric string (Cloudflare's latitude/longitude) as a double.
 * - `method`: `http.request.method`; an unknown method becomes `_OTHER` plus `http.request.method_original`.
 * - `http-protocol`: `HTTP/1.1` → `<key>.name` = `http` and `<key>.version` = `1.1`.
 * - `tls-protocol`: `TLSv1.3` → `<key>.name` = `tls` and `<key>.version` = `1.3`.
 * - `header`: a one-item string array (semantic conventions' `http.*.header.*` shape).
 * - `headers`: an object of headers flattened as `<key>.<lower-cased name>`, each a one-item string array.
 * - `query`: a query string without its leading `?`, with signature parameters redacted.
 * - `timestamp`: any Logpush timestamp form → RFC 3339 with nanoseconds.
 */
export type Convert =
  | 'value'
  | 'string'
  | 'upper'
  | 'lower'
  | 'double'
  | 'method'
  | 'http-protocol'
  | 'tls-protocol'
  | 'header'
  | 'headers'
  | 'query'
  | 'timestamp';

/**
 * What the field becomes.
 * `time`: the LogRecord Timestamp. `semconv`: an OpenTelemetry semantic-convention attribute. `shared`: a
 * `cloudflare.*` key shared by several datasets (the join keys). `vendor`: `cloudflare.<dataset>.<snake_case>`.
 * `resource`: a resource attribute. `derived`: read by a derivation (e.g. `url.full`), not copied itself.
 * `off`: not emitted by default.
 */
export type Kind = 'time' | 'semconv' | 'shared' | 'vendor' | 'resource' | 'derived' | 'off';

/**
 * Attribute priority when the attribute budget is exceeded: lower numbers are kept first.
 * 0 core (identity, status, severity inputs); 1 semantic-convention and shared keys; 2 attributes added by
 * processors (enrichment); 3 vendor keys; 4 flattened objects, deprecated and legacy-only fields, unknown fields.
 */
export type Priority = 0 | 1 | 2 | 3 | 4;

/** One row of a field table. */
export interface FieldMapping {
  /** Cloudflare's field name, exactly as in the record. */
  readonly field: string;
  /** The attribute (or resource attribute) key; for `http-protocol`/`tls-protocol` the prefix of two keys. */
  readonly key: string;
  readonly kind: Kind;
  readonly convert?: Convert;
  /** Values that mean "absent" or "not applicable" for this field: not emitted. */
  readonly drop?: readonly (string | number)[];
  /** An older Cloudflare name: it fills `key` only when the current field did not. */
  readonly legacy?: boolean;
  readonly priority?: Priority;
  readonly notes?: string;
}

/** Derivations computed from several fields after the per-field pass. */
export type Derivation = 'http-url' | 'firewall-url';

/** The table for one dataset (zone and account variants share it). */
export interface DatasetTable {
  readonly datasetId: string;
  readonly fields: readonly FieldMapping[];
  readonly derive: readonly Derivation[];
  /** Keys written by the derivations, with notes, for the generated documentation. */
  readonly derived: readonly { readonly key: string; readonly from: string; readonly notes: string }[];
}

const PROTOCOL_NA = ['none', 'unknown', 'UNKNOWN', 'NONE'] as const;

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
function common(field: string): FieldMapping {
  const row = commonFields.find((r) => r.field === field);
  if (row === undefined) throw new Error(`tables: no common mapping for ${field}`);
  return row;
}

const v = (field: string, extra?: Partial<FieldMapping>): FieldMapping => ({
  field,
  key: '',
  kind: 'vendor',
  ...extra,
});

/** http_requests (research §2). Vendor rows with an empty key get `cloudflare.http_requests.<snake_case>`. */
const httpRequests: DatasetTable = {
  datasetId: 'http_requests',
  derive: ['http-url'],
  derived: [
    {
      key: 'url.full',
      from: 'ClientRequestScheme/ClientSSLProtocol, ClientRequestHost, ClientRequestURI',
      notes: '`<scheme>://<host><URI>`; signature query parameters redacted',
    },
    { key: 'url.query', from: 'ClientRequestURI', notes: 'the part after `?`, redacted like url.full' },
    {
      key: 'url.scheme',
      from: 'ClientSSLProtocol',
      notes: 'when ClientRequestScheme is absent: `https` unless `none`',
    },
    { key: 'error.type', from: 'EdgeResponseStatus', notes: 'the status code as a string, for 5xx' },
  ],
  fields: [
    { field: 'EdgeStartTimestamp', key: 'Timestamp', kind: 'time', notes: 'exact nanoseconds' },
    v('EdgeEndTimestamp', { convert: 'timestamp', notes: 'RFC 3339 with nanoseconds' }),
    { field: 'RayID', key: 'cloudflare.ray_id', kind: 'shared', priority: 0 },
    v('ParentRayID', { drop: ['00'], notes: '`00` = none' }),
    common('ClientIP'),
    common('ClientSrcPort'),
    common('ClientASN'),
    common('ClientCountry'),
    { field: 'ClientCity', key: 'geo.locality.name', kind: 'semconv' },
    { field: 'ClientRegionCode', key: 'geo.region.iso_code', kind: 'semconv' },
    { field: 'ClientLatitude', key: 'geo.location.lat', kind: 'semconv', convert: 'double' },
    { field: 'ClientLongitude', key: 'geo.location.lon', kind: 'semconv', convert: 'double' },
    v('ClientDeviceType'),
    common('ClientIPClass'),
    { field: 'ClientRequestBytes', key: 'http.request.size', kind: 'semconv' },
    common('ClientRequestHost'),
    common('ClientRequestMethod'),
    common('ClientRequestPath'),
    {
      field: 'ClientRequestProtocol',
      key: 'network.protocol',
      kind: 'semconv',
      convert: 'http-protocol',
      drop: PROTOCOL_NA,
      notes: '`HTTP/1.1` → `http` + `1.1`',
    },
    { field: 'ClientRequestReferer', key: 'http.request.header.referer', kind: 'semconv', convert: 'header' },
    common('ClientRequestScheme'),
    {
      field: 'ClientRequestURI',
      key: 'url.full',
      kind: 'derived',
      notes: 'see url.full and url.query below',
    },
    common('ClientRequestUserAgent'),
    v('ClientRequestSource'),
    {
      field: 'ClientSSLCipher',
      key: 'tls.cipher',
      kind: 'semconv',
      drop: ['NONE', 'none', 'UNK', 'unknown'],
    },
    {
      field: 'ClientSSLProtocol',
      key: 'tls.protocol',
      kind: 'semconv',
      convert: 'tls-protocol',
      drop: PROTOCOL_NA,
      notes: '`TLSv1.3` → `tls` + `1.3`',
    },
    {
      field: 'ClientXRequestedWith',
      key: 'http.request.header.x-requested-with',
      kind: 'semconv',
      convert: 'header',
    },
    v('ClientTCPRTTMs'),
    {
      field: 'ClientMTLSAuthCertFingerprint',
      key: 'tls.client.hash.sha256',
      kind: 'semconv',
      convert: 'upper',
    },
    v('ClientMTLSAuthStatus'),
    { field: 'JA3Hash', key: 'tls.client.ja3', kind: 'semconv' },
    v('JA4'),
    v('JA4Signals', { notes: 'flattened as `.ja4_signals.<key>`' }),
    { field: 'EdgeColoCode', key: 'cloudflare.colo.code', kind: 'shared' },
    v('EdgeColoID'),
    v('EdgePathingOp'),
    v('EdgePathingSrc'),
    v('EdgePathingStatus'),
    v('EdgeRateLimitAction'),
    v('EdgeRateLimitID', { drop: ['0', 0], notes: '`0` = none' }),
    v('EdgeRequestHost'),
    { field: 'EdgeResponseBytes', key: 'http.response.size', kind: 'semconv' },
    { field: 'EdgeResponseBodyBytes', key: 'http.response.body.size', kind: 'semconv' },
    v('EdgeResponseCompressionRatio'),
    {
      field: 'EdgeResponseContentType',
      key: 'http.response.header.content-type',
      kind: 'semconv',
      convert: 'header',
    },
    {
      field: 'EdgeResponseStatus',
      key: 'http.response.status_code',
      kind: 'semconv',
      priority: 0,
      drop: [0],
      notes: 'drives severity',
    },
    v('EdgeServerIP'),
    v('EdgeTimeToFirstByteMs'),
    v('EdgeCFConnectingO2O'),
    { field: 'SecurityActions', key: 'cloudflare.http_requests.security_actions', kind: 'vendor' },
    { field: 'SecurityRuleIDs', key: 'cloudflare.http_requests.security_rule_ids', kind: 'vendor' },
    { field: 'SecuritySources', key: 'cloudflare.http_requests.security_sources', kind: 'vendor' },
    {
      field: 'FirewallMatchesActions',
      key: 'cloudflare.http_requests.security_actions',
      kind: 'vendor',
      legacy: true,
      notes: 'legacy name of SecurityActions',
    },
    {
      field: 'FirewallMatchesRuleIDs',
      key: 'cloudflare.http_requests.security_rule_ids',
      kind: 'vendor',
      legacy: true,
      notes: 'legacy name of SecurityRuleIDs',
    },
    {
      field: 'FirewallMatchesSources',
      key: 'cloudflare.http_requests.security_sources',
      kind: 'vendor',
      legacy: true,
      notes: 'legacy name of SecuritySources',
    },
    {
      field: 'SecurityAction',
      key: 'cloudflare.http_requests.security_action',
      kind: 'vendor',
      priority: 0,
      notes: 'severity input when there is no status',
    },
    {
      field: 'WAFAction',
      key: 'cloudflare.http_requests.security_action',
      kind: 'vendor',
      legacy: true,
      priority: 0,
      notes: 'legacy name of SecurityAction',
    },
    { field: 'SecurityRuleID', key: 'security_rule.uuid', kind: 'semconv' },
    {
      field: 'WAFRuleID',
      key: 'security_rule.uuid',
      kind: 'semconv',
      legacy: true,
      notes: 'legacy name of SecurityRuleID',
    },
    { field: 'SecurityRuleDescription', key: 'security_rule.description', kind: 'semconv' },
    {
      field: 'WAFRuleMessage',
      key: 'security_rule.description',
      kind: 'semconv',
      legacy: true,
      notes: 'legacy name of SecurityRuleDescription',
    },
    v('SecurityLevel'),
    v('WAFFlags', { drop: ['null'] }),
    v('WAFMatchedVar'),
    v('WAFProfile'),
    v('WAFAttackScore'),
    v('WAFRCEAttackScore'),
    v('WAFSQLiAttackScore'),
    v('WAFXSSAttackScore'),
    v('BotScore'),
    v('BotScoreSrc'),
    v('BotDetectionIDs'),
    v('BotDetectionTags'),
    v('BotTags'),
    v('VerifiedBotCategory'),
    {
      field: 'CacheCacheStatus',
      key: 'cloudflare.http_requests.cache_status',
      kind: 'vendor',
      notes: 'curated name',
    },
    v('CacheResponseBytes'),
    v('CacheResponseStatus'),
    v('CacheTieredFill'),
    v('CacheReserveUsed'),
    v('ContentScanObjResults'),
    v('ContentScanObjSizes'),
    v('ContentScanObjTypes'),
    v('LeakedCredentialCheckResult'),
    v('OriginIP'),
    v('OriginResponseBytes'),
    v('OriginResponseHTTPExpires', { notes: 'RFC 1123 string kept as is' }),
    v('OriginResponseHTTPLastModified', { notes: 'RFC 1123 string kept as is' }),
    v('OriginResponseStatus', { notes: '0 = no origin request (kept)' }),
    v('OriginResponseTime', { notes: 'nanoseconds' }),
    v('OriginSSLProtocol', { drop: PROTOCOL_NA }),
    v('OriginDNSResponseTimeMs'),
    v('OriginRequestHeaderSendDurationMs'),
    v('OriginResponseDurationMs'),
    v('OriginResponseHeaderReceiveDurationMs'),
    v('OriginTCPHandshakeDurationMs'),
    v('OriginTLSHandshakeDurationMs'),
    v('SmartRouteColoID'),
    v('UpperTierColoID'),
    v('WorkerCPUTime', { notes: 'microseconds' }),
    v('WorkerScriptName'),
    v('WorkerStatus'),
    v('WorkerSubrequest'),
    v('WorkerSubrequestCount'),
    v('WorkerWallTimeUs'),
    v('FraudAttack'),
    v('FraudDetectionIDs'),
    v('FraudDetectionTags'),
    v('FraudEmailRisk'),
    v('FraudUserID', { notes: 'personal data' }),
    v('JSDetectionPassed'),
    v('PayPerCrawlStatus'),
    v('WebAssetsLabelsManaged'),
    v('WebAssetsOperationID'),
    {
      field: 'RequestHeaders',
      key: 'http.request.header',
      kind: 'semconv',
      convert: 'headers',
      priority: 4,
      notes: 'custom fields: `http.request.header.<name>`',
    },
    {
      field: 'ResponseHeaders',
      key: 'http.response.header',
      kind: 'semconv',
      convert: 'headers',
      priority: 4,
      notes: 'custom fields: `http.response.header.<name>`',
    },
    {
      field: 'Cookies',
      key: 'cloudflare.http_requests.cookies',
      kind: 'off',
      priority: 4,
      notes: 'sensitive: only with the `cookies` option, flattened as `.cookies.<name>`',
    },
    { field: 'ZoneName', key: 'cloudflare.zone.name', kind: 'resource' },
    { field: 'ZoneID', key: 'cloudflare.zone.id', kind: 'resource', convert: 'string', notes: 'legacy' },
  ],
};

/** firewall_events (research §3). */
const firewallEvents: DatasetTable = {
  datasetId: 'firewall_events',
  derive: ['firewall-url'],
  derived: [
    {
      key: 'url.full',
      from: 'ClientRequestScheme, ClientRequestHost, ClientRequestPath, ClientRequestQuery',
      notes: '`<scheme>://<host><path>?<query>`; signature query parameters redacted',
    },
  ],
  fields: [
    { field: 'Datetime', key: 'Timestamp', kind: 'time', notes: 'exact nanoseconds' },
    {
      field: 'Action',
      key: 'cloudflare.firewall_events.action',
      kind: 'vendor',
      convert: 'lower',
      priority: 0,
      notes: 'lower-cased; drives severity',
    },
    common('ClientASN'),
    v('ClientASNDescription'),
    common('ClientCountry'),
    common('ClientIP'),
    common('ClientIPClass'),
    v('ClientRefererHost'),
    v('ClientRefererPath'),
    v('ClientRefererQuery'),
    v('ClientRefererScheme'),
    common('ClientRequestHost'),
    common('ClientRequestMethod'),
    common('ClientRequestPath'),
    common('ClientRequestProtocol'),
    {
      field: 'ClientRequestQuery',
      key: 'url.query',
      kind: 'semconv',
      convert: 'query',
      notes: 'leading `?` removed',
    },
    common('ClientRequestScheme'),
    common('ClientRequestUserAgent'),
    { field: 'EdgeColoCode', key: 'cloudflare.colo.code', kind: 'shared' },
    common('EdgeResponseStatus'),
    v('Kind'),
    v('MatchIndex'),
    v('Metadata', { priority: 4, notes: 'flattened as `.metadata.<key>`' }),
    v('OriginResponseStatus'),
    v('OriginatorRayID', { drop: ['00'], notes: '`00` = none' }),
    {
      field: 'RayID',
      key: 'cloudflare.ray_id',
      kind: 'shared',
      priority: 0,
      notes: 'joins to http_requests',
    },
    { field: 'RuleID', key: 'security_rule.uuid', kind: 'semconv', priority: 0 },
    v('Source', { priority: 0, notes: 'the security product' }),
    { field: 'Description', key: 'security_rule.description', kind: 'semconv' },
    { field: 'Ref', key: 'security_rule.name', kind: 'semconv', notes: 'user-defined rule label' },
    v('ContentScanObjResults'),
    v('ContentScanObjSizes'),
    v('ContentScanObjTypes'),
    v('LeakedCredentialCheckResult'),
    v('FraudUserID', { notes: 'personal data' }),
    v('AISecurityInjectionScore'),
    v('AISecurityPIICategories'),
    v('AISecurityTokenCount'),
    v('AISecurityUnsafeTopicCategories'),
    {
      field: 'FirewallForAIInjectionScore',
      key: 'cloudflare.firewall_events.ai_security_injection_score',
      kind: 'vendor',
      legacy: true,
      notes: 'deprecated name of AISecurityInjectionScore',
    },
    {
      field: 'FirewallForAIPIICategories',
      key: 'cloudflare.firewall_events.ai_security_pii_categories',
      kind: 'vendor',
      legacy: true,
      notes: 'deprecated name of AISecurityPIICategories',
    },
    {
      field: 'FirewallForAITokenCount',
      key: 'cloudflare.firewall_events.ai_security_token_count',
      kind: 'vendor',
      legacy: true,
      notes: 'deprecated name of AISecurityTokenCount',
    },
    {
      field: 'FirewallForAIUnsafeTopicCategories',
      key: 'cloudflare.firewall_events.ai_security_unsafe_topic_categories',
      kind: 'vendor',
      legacy: true,
      notes: 'deprecated name of AISecurityUnsafeTopicCategories',
    },
    { field: 'ZoneName', key: 'cloudflare.zone.name', kind: 'resource' },
  ],
};

/** spectrum_events (research §4). */
const spectrumEvents: DatasetTable = {
  datasetId: 'spectrum_events',
  derive: [],
  derived: [
    { key: 'error.type', from: 'Status, Event', notes: 'the status code as a string when severity ≥ WARN' },
  ],
  fields: [
    { field: 'Timestamp', key: 'Timestamp', kind: 'time', notes: 'exact nanoseconds' },
    v('ConnectTimestamp', { convert: 'timestamp', notes: 'RFC 3339 with nanoseconds' }),
    v('DisconnectTimestamp', { convert: 'timestamp', notes: 'RFC 3339 with nanoseconds' }),
    v('Event', { priority: 0, notes: 'drives severity for unknown codes' }),
    v('Status', { priority: 0, notes: 'L4 close code, not an HTTP status; drives severity' }),
    v('Application'),
    common('ClientIP'),
    common('ClientPort'),
    { field: 'ClientAsn', key: 'cloudflare.client.asn', kind: 'shared' },
    {
      field: 'ClientASN',
      key: 'cloudflare.client.asn',
      kind: 'shared',
      legacy: true,
      notes: "Panther's spelling",
    },
    common('ClientCountry'),
    v('ClientBytes'),
    { field: 'ClientProto', key: 'network.transport', kind: 'semconv' },
    v('ClientMatchedIpFirewall'),
    v('ClientTcpRtt', { notes: 'nanoseconds' }),
    {
      field: 'ClientTlsCipher',
      key: 'tls.cipher',
      kind: 'semconv',
      drop: ['UNK', 'unknown', 'none', 'NONE'],
    },
    { field: 'ClientTlsClientHelloServerName', key: 'server.address', kind: 'semconv', notes: 'the SNI' },
    {
      field: 'ClientTlsProtocol',
      key: 'tls.protocol',
      kind: 'semconv',
      convert: 'tls-protocol',
      drop: PROTOCOL_NA,
    },
    v('ClientTlsStatus'),
    { field: 'ColoCode', key: 'cloudflare.colo.code', kind: 'shared' },
    v('IpFirewall'),
    v('OriginIP'),
    v('OriginPort'),
    v('OriginBytes'),
    v('OriginProto'),
    v('OriginTcpRtt', { notes: 'nanoseconds' }),
    v('OriginTlsCipher', { drop: ['UNK'] }),
    v('OriginTlsFingerprint'),
    v('OriginTlsMode'),
    v('OriginTlsProtocol', { drop: PROTOCOL_NA }),
    v('OriginTlsStatus'),
    v('ProxyProtocol'),
  ],
};

/** The datasets with their own field table, by Logpush dataset id. */
export const datasetTables: Readonly<Record<string, DatasetTable>> = {
  http_requests: httpRequests,
  firewall_events: firewallEvents,
  spectrum_events: spectrumEvents,
};
