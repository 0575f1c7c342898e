// Zone-scoped datasets other than the seeds: account abuse protection, authoritative DNS, WebSockets (zone and
// account variants), Zaraz, NEL reports and Page Shield. Rationale: docs/mapping.md, "How we choose keys".
import { common } from './common.ts';
import { resource, sem, shared, time, v } from './types.ts';
import type { DatasetTable } from './types.ts';

const AUTH_FAILURES = [
  'failureOther',
  'failureUserNotFound',
  'failureIncorrectPassword',
  'failureAccountLocked',
];

/** account_abuse_protection_events: a sign-in, sign-up or account change at the zone's own site. */
export const accountAbuseProtectionEvents: DatasetTable = {
  datasetId: 'account_abuse_protection_events',
  derive: [],
  derived: [],
  fields: [
    v('AuthenticationIdentityProvider'),
    v('AuthenticationMethod'),
    v('AuthenticationStatus', { priority: 0, notes: 'drives severity' }),
    v('BotScore'),
    common('ClientASN'),
    sem('ClientCity', 'geo.locality.name'),
    common('ClientCountry'),
    common('ClientIP'),
    sem('Email', 'user.email', { priority: 0 }),
    v('EphemeralID', { notes: "Cloudflare's short-lived visitor id, not a user id" }),
    v('EventSource'),
    v('EventType', { priority: 0 }),
    v('FraudEmailRisk'),
    sem('Host', 'server.address', { priority: 0, notes: 'the site the visitor signed in to' }),
    v('JA4'),
    common('RayID'),
    time('Timestamp'),
    common('UserAgent'),
    sem('UserID', 'user.id'),
  ],
  severity: {
    cases: [
      { field: 'AuthenticationStatus', is: ['failureAccountLocked'], severity: 14, errorType: 'value' },
      { field: 'AuthenticationStatus', is: AUTH_FAILURES, severity: 13, errorType: 'value' },
    ],
    outcome: ['AuthenticationStatus'],
    summary:
      'AuthenticationStatus failure* → WARN (13; account locked 14) with error.type; other statuses INFO',
  },
  summary: [
    'account',
    { field: 'EventType' },
    { field: 'AuthenticationStatus' },
    { field: 'Email' },
    { field: 'Host', label: 'host' },
    { field: 'ClientIP', label: 'ip' },
  ],
};

/** dns_logs: one query answered by Cloudflare's authoritative DNS; the resolver asking is the client. */
export const dnsLogs: DatasetTable = {
  datasetId: 'dns_logs',
  derive: [],
  derived: [],
  fields: [
    shared('ColoCode', 'cloudflare.colo.code'),
    v('EDNSSubnet', { notes: 'the end-user subnet a resolver forwarded (EDNS Client Subnet)' }),
    v('EDNSSubnetLength', { notes: 'prefix length in bits' }),
    sem('QueryName', 'dns.question.name', { priority: 0 }),
    v('QueryType', { notes: 'numeric RR type (1 = A, 28 = AAAA); no semantic-convention key' }),
    v('ResponseCached'),
    v('ResponseCode', { priority: 0, notes: 'numeric DNS RCODE; drives severity' }),
    sem('SourceIP', 'client.address', {
      priority: 0,
      notes: 'the resolver that sent the query: a request, so client.* (not source.*)',
    }),
    time('Timestamp'),
  ],
  severity: {
    cases: [
      { field: 'ResponseCode', is: [2], severity: 17, errorType: 'SERVFAIL' },
      { field: 'ResponseCode', is: [5], severity: 13, errorType: 'REFUSED' },
      { field: 'ResponseCode', range: [1, 23], not: [3], severity: 13, errorType: 'value' },
    ],
    outcome: ['ResponseCode'],
    summary:
      'ResponseCode 2 SERVFAIL → ERROR; 5 REFUSED and other non-zero codes except NXDOMAIN → WARN; 0, 3 → INFO',
  },
  summary: [
    'dns',
    { field: 'QueryName' },
    { field: 'QueryType', label: 'type' },
    { field: 'ResponseCode', label: 'rcode' },
    { field: 'ResponseCached', values: { true: 'cached', false: '' } },
    { field: 'SourceIP', label: 'client' },
    { field: 'ColoCode', label: 'colo' },
  ],
};

const WS_CLOSE_SEVERITY = [
  { is: ['unspecifiedError', 'upstreamReset'], severity: 17 },
  { is: ['timedOut', 'peerReset', 'protocolViolation'], severity: 13 },
] as const;

/** websocket_analytics: one WebSocket connection through the edge; zone (PascalCase) and account (camelCase). */
export const websocketAnalytics: DatasetTable = {
  datasetId: 'websocket_analytics',
  derive: [],
  derived: [],
  fields: [
    v('BytesReceivedClient'),
    v('BytesReceivedOrigin'),
    v('BytesSentClient'),
    v('BytesSentOrigin'),
    common('ClientASN'),
    common('ClientIP'),
    common('ClientRequestHost'),
    common('ClientRequestPath'),
    common('ClientRequestUserAgent'),
    shared('ColoCode', 'cloudflare.colo.code'),
    v('ConnectionCloseReason', { priority: 0, notes: 'drives severity' }),
    v('ConnectionCloseSource'),
    v('ConnectionID'),
    v('ConnectionTransportCloseCode'),
    v('EdgeEndTimestamp', { convert: 'timestamp', notes: 'RFC 3339 with nanoseconds' }),
    time('EdgeStartTimestamp'),
    common('RayID'),
    // Account scope: the same facts in camelCase, mapped to the same keys.
    resource('accountId', 'cloudflare.account.id', 'account scope: one value per job'),
    v('byteRecvDownlink'),
    v('byteRecvUplink'),
    v('byteSentDownlink'),
    v('byteSentUplink'),
    common('clientASN'),
    common('clientIP'),
    common('clientRequestHTTPHost'),
    common('clientRequestPath'),
    common('clientRequestUserAgent'),
    shared('coloCode', 'cloudflare.colo.code'),
    v('connectionCloseReason', { priority: 0, notes: 'drives severity' }),
    v('connectionCloseSource'),
    v('connectionId', { key: 'cloudflare.websocket_analytics.connection_id' }),
    shared('rayId', 'cloudflare.ray_id', { priority: 0 }),
    v('timestampEndNanos', {
      key: 'cloudflare.websocket_analytics.edge_end_timestamp',
      convert: 'timestamp',
    }),
    time('timestampStartNanos'),
    v('transportCloseCode', { key: 'cloudflare.websocket_analytics.connection_transport_close_code' }),
    resource('zoneId', 'cloudflare.zone.id', 'numeric zone id, as a string'),
  ],
  severity: {
    cases: ['ConnectionCloseReason', 'connectionCloseReason'].flatMap((field) =>
      WS_CLOSE_SEVERITY.map((c) => ({ field, is: c.is, severity: c.severity, errorType: 'value' })),
    ),
    outcome: ['ConnectionCloseReason', 'connectionCloseReason'],
    summary:
      'ConnectionCloseReason unspecifiedError/upstreamReset → ERROR; timedOut/peerReset/protocolViolation → WARN; none/peerNoError → INFO',
  },
  summary: [
    'websocket',
    { field: 'ConnectionCloseReason', label: 'close' },
    { field: 'connectionCloseReason', label: 'close' },
    { field: 'ClientRequestHost' },
    { field: 'clientRequestHTTPHost' },
    { field: 'ClientRequestPath' },
    { field: 'clientRequestPath' },
    { field: 'ClientIP', label: 'ip' },
    { field: 'clientIP', label: 'ip' },
    { field: 'RayID', label: 'ray' },
    { field: 'rayId', label: 'ray' },
  ],
};

/** zaraz_events: a third-party tool event Zaraz handled for a page view. */
export const zarazEvents: DatasetTable = {
  datasetId: 'zaraz_events',
  derive: [],
  derived: [],
  fields: [
    v('Body', { priority: 4, notes: 'flattened as `.body.<key>`' }),
    v('EventDetails', { priority: 4, notes: 'flattened as `.event_details.<key>`' }),
    v('EventType', { priority: 0 }),
    sem('IP', 'client.address', { priority: 0, notes: 'the visitor' }),
    sem('RequestHeaders', 'http.request.header', {
      convert: 'headers',
      priority: 4,
      notes: '`http.request.header.<name>`',
    }),
    time('TimestampStart'),
    sem('URL', 'url.full', { priority: 0, notes: 'the page the event came from' }),
  ],
  noSeverity: 'a tag-manager event has no success or failure',
  summary: ['zaraz', { field: 'EventType' }, { field: 'URL' }, { field: 'IP', label: 'ip' }],
};

/** nel_reports: a browser's Network Error Logging report about reaching the zone. */
export const nelReports: DatasetTable = {
  datasetId: 'nel_reports',
  derive: [],
  derived: [],
  fields: [
    shared('ClientIPASN', 'cloudflare.client.asn'),
    v('ClientIPASNDescription'),
    sem('ClientIPCountry', 'geo.country.iso_code', { convert: 'upper' }),
    v('LastKnownGoodColoCode', {
      notes: 'the colo the browser last reached, not the one reporting: not cloudflare.colo.code',
    }),
    v('Phase', { priority: 0 }),
    time('Timestamp'),
    v('Type', { priority: 0, notes: 'NEL report type (`ok`, `tcp.timed_out`...); drives severity' }),
  ],
  severity: {
    cases: [
      { field: 'Type', is: ['ok'], severity: 9 },
      { field: 'Type', prefix: ['dns.', 'tcp.', 'tls.'], severity: 17, errorType: 'value' },
      { field: 'Type', not: ['ok'], severity: 13, errorType: 'value' },
    ],
    outcome: ['Type'],
    summary:
      'Type ok → INFO; dns.*/tcp.*/tls.* (the site could not be reached) → ERROR; http.*, abandoned and others → WARN; error.type = Type',
  },
  summary: [
    'nel',
    { field: 'Type' },
    { field: 'Phase', label: 'phase' },
    { field: 'ClientIPCountry', label: 'country' },
    { field: 'ClientIPASN', label: 'asn' },
    { field: 'LastKnownGoodColoCode', label: 'colo' },
  ],
};

/** page_shield_events: a Content Security Policy violation a browser reported for one of the zone's pages. */
export const pageShieldEvents: DatasetTable = {
  datasetId: 'page_shield_events',
  derive: [],
  derived: [],
  fields: [
    v('Action', { priority: 0, notes: 'the policy action (`allow`: enforced, `log`: report only)' }),
    v('CSPDirective'),
    v('Host', { notes: "the zone's host; server.address would name the resource's host, which is URLHost" }),
    sem('PageURL', 'http.request.header.referer', {
      convert: 'header',
      notes: 'the page that loaded the resource: what the browser sends as Referer',
    }),
    v('PolicyID'),
    v('ResourceType'),
    time('Timestamp'),
    sem('URL', 'url.full', {
      priority: 0,
      notes: 'the resource (script, connection) that violated the policy',
    }),
    v('URLContainsCDNCGIPath'),
    sem('URLHost', 'url.domain'),
  ],
  severity: {
    cases: [{ field: 'Action', is: ['allow', 'log'], severity: 13 }],
    outcome: ['Action'],
    summary: 'every report is a policy violation → WARN',
  },
  summary: [
    'page shield',
    { field: 'Action' },
    { field: 'ResourceType' },
    { field: 'URL' },
    { field: 'PageURL', label: 'page' },
    { field: 'CSPDirective', label: 'directive' },
  ],
};
