// Digital Experience Monitoring: synthetic application tests (HTTP and traceroute) and device state samples.
// Rationale: docs/mapping.md, "How we choose keys".
import { common } from './common.ts';
import { resource, sem, shared, time, v } from './types.ts';
import type { DatasetTable, FieldMapping } from './types.ts';

const device: readonly FieldMapping[] = [
  resource('AccountID', 'cloudflare.account.id', 'account scope: one value per job'),
  v('ClientPlatform', { notes: 'WARP platform name; not os.type, whose values differ' }),
  v('ClientVersion', { notes: 'WARP client version' }),
  sem('DeviceID', 'device.id'),
  shared('DeviceRegistrationID', 'cloudflare.device.registration_id'),
];

/** The IP-intelligence group of one address (ASN, AS name, city...): vendor keys, the address itself aside. */
const ipGroup = (prefix: string, skip: readonly string[] = []): FieldMapping[] =>
  ['ASN', 'ASO', 'City', 'CountryISO', 'Netmask', 'StateISO', 'Version', 'Zip']
    .filter((s) => !skip.includes(s))
    .map((s) => v(`${prefix}${s}`));

/** dex_application_tests: one run of a synthetic HTTP or traceroute test from a device. */
export const dexApplicationTests: DatasetTable = {
  datasetId: 'dex_application_tests',
  derive: [],
  derived: [],
  fields: [
    ...device,
    shared('ColoCode', 'cloudflare.colo.code'),
    v('ExecutionContext'),
    shared('HTTPClientIPASN', 'cloudflare.client.asn'),
    v('HTTPClientIPASO'),
    sem('HTTPClientIPAddress', 'client.address', { priority: 0, notes: 'the device running the test' }),
    sem('HTTPClientIPCity', 'geo.locality.name'),
    sem('HTTPClientIPCountryISO', 'geo.country.iso_code', { convert: 'upper' }),
    v('HTTPClientIPNetmask'),
    sem('HTTPClientIPStateISO', 'geo.region.iso_code', { notes: 'the subdivision part only (`IL`)' }),
    v('HTTPClientIPVersion'),
    sem('HTTPClientIPZip', 'geo.postal_code'),
    ...[
      'HTTPConnectEndMs',
      'HTTPConnectStartMs',
      'HTTPDomainLookupEndMs',
      'HTTPDomainLookupStartMs',
      'HTTPRequestStartMs',
      'HTTPResponseEndMs',
      'HTTPResponseStartMs',
      'HTTPSecureConnectionStartMs',
    ].map((f) => v(f, { notes: 'milliseconds from the start of the test' })),
    v('HTTPErrorMessage', { priority: 0, notes: 'free text: too varied for error.type; drives severity' }),
    common('HTTPMethod'),
    sem('HTTPResponseBodyBytes', 'http.response.body.size'),
    v('HTTPResponseHeaderBytes'),
    sem('HTTPServerIPAddress', 'network.peer.address', {
      notes: 'the address the test connected to; the host name is in url.full',
    }),
    ...ipGroup('HTTPServerIP'),
    common('HTTPStatusCode'),
    common('HTTPURL'),
    v('TestID', { priority: 0 }),
    v('TestType', { priority: 0 }),
    time('Timestamp'),
    v('TracerouteDestinationHostname', { notes: 'destination.address holds the address probed' }),
    ...ipGroup('TracerouteDestinationIP'),
    sem('TracerouteDestinationIPAddress', 'destination.address', { notes: 'a traceroute probes packets' }),
    v('TracerouteDurationMs'),
    v('TracerouteHops', { notes: 'array of objects, each kept as JSON text' }),
    v('TracerouteMaxTTL'),
    sem('TracerouteProtocol', 'network.transport', { convert: 'lower' }),
    v('TracerouteSize'),
    ...ipGroup('TracerouteSourceIP'),
    sem('TracerouteSourceIPAddress', 'source.address'),
    v('TracerouteStatus', { priority: 0 }),
    v('TracerouteTimeEnd', { convert: 'timestamp' }),
    v('TracerouteVersion'),
    v('TunnelType'),
    sem('UserEmail', 'user.email', { priority: 0 }),
    sem('UserID', 'user.id'),
  ],
  severity: {
    cases: [
      { field: 'HTTPErrorMessage', nonEmpty: true, severity: 17, errorType: 'http_test_failed' },
      { field: 'HTTPStatusCode', range: [500, 599], severity: 17, errorType: 'value' },
      { field: 'HTTPStatusCode', range: [400, 499], severity: 13 },
      {
        field: 'TracerouteStatus',
        is: ['lastHopFailed', 'maxHopsExhausted'],
        severity: 13,
        errorType: 'value',
      },
    ],
    outcome: ['HTTPStatusCode', 'HTTPErrorMessage', 'TracerouteStatus'],
    summary:
      'HTTP test error or 5xx → ERROR; 4xx → WARN; traceroute lastHopFailed/maxHopsExhausted → WARN; else INFO',
  },
  summary: [
    'dex test',
    { field: 'TestType' },
    { field: 'HTTPMethod' },
    { field: 'HTTPURL' },
    { field: 'HTTPStatusCode', values: { '0': '' } },
    { field: 'TracerouteDestinationHostname' },
    { field: 'TracerouteStatus' },
    { field: 'UserEmail' },
    { field: 'HTTPErrorMessage', label: 'error' },
  ],
};

const ispGroup = (version: 'v4' | 'v6'): FieldMapping[] =>
  ['ASN', 'ASO', 'Address', 'City', 'CountryISO', 'Netmask', 'StateISO', 'Zip'].map((s) => {
    const field = `ISPIP${version}${s}`;
    if (version === 'v6') return v(field);
    switch (s) {
      case 'City':
        return sem(field, 'geo.locality.name', { notes: 'where the device is, by its public IPv4 address' });
      case 'CountryISO':
        return sem(field, 'geo.country.iso_code', { convert: 'upper' });
      case 'StateISO':
        return sem(field, 'geo.region.iso_code');
      case 'Zip':
        return sem(field, 'geo.postal_code');
      case 'Address':
        return v(field, { notes: "the device's public address; no request here, so not client.address" });
      default:
        return v(field);
    }
  });

/** dex_device_state_events: a periodic health sample of a WARP device. */
export const dexDeviceStateEvents: DatasetTable = {
  datasetId: 'dex_device_state_events',
  derive: [],
  derived: [],
  fields: [
    ...device,
    v('AlwaysOn'),
    v('AppFirewallEnabled'),
    v('BatteryCharging'),
    v('BatteryCycles'),
    v('BatteryPercentage', { notes: 'a fraction 0..1 despite the name' }),
    v('CPUPercentage', { notes: 'a fraction 0..1 despite the name' }),
    v('CPUPercentageByApp', { notes: 'array of objects, each kept as JSON text' }),
    sem('ConnectionType', 'network.connection.type', {
      convert: 'enum',
      values: { cellular: 'cell', ethernet: 'wired', wifi: 'wifi' },
      notes: "Cloudflare's values renamed to the convention's (`ethernet` → `wired`, `cellular` → `cell`)",
    }),
    v('DeviceIPv4Address', { notes: "the device's own (private) address; no request here" }),
    v('DeviceIPv4Netmask'),
    v('DeviceIPv6Address'),
    v('DeviceIPv6Netmask'),
    v('DeviceRegistrationProfileID'),
    v('DiskReadBPS'),
    v('DiskUsagePercentage', { notes: 'a fraction 0..1 despite the name' }),
    v('DiskWriteBPS'),
    v('DoHSubdomain'),
    v('ExperimentalExtra', { priority: 4, notes: 'flattened' }),
    v('FirewallEnabled'),
    v('GatewayIPv4Address', { notes: "the local network's gateway (router), not Cloudflare Gateway" }),
    v('GatewayIPv4Netmask'),
    v('GatewayIPv6Address'),
    v('GatewayIPv6Netmask'),
    v('HandshakeLatencyMs', { notes: '-1 = disconnected (kept)' }),
    ...ispGroup('v4'),
    ...ispGroup('v6'),
    v('Mode'),
    v('NetworkReceivedBPS'),
    v('NetworkSSID'),
    v('NetworkSentBPS'),
    v('RAMAvailableKB'),
    v('RAMUsedPercentage', { notes: 'a fraction 0..1 despite the name' }),
    v('RAMUsedPercentageByApp', { notes: 'array of objects, each kept as JSON text' }),
    v('Status', { priority: 0 }),
    v('SwitchLocked'),
    time('Timestamp'),
    v('TunnelStatsDownstream', { priority: 4, notes: 'flattened' }),
    v('TunnelStatsUpstream', { priority: 4, notes: 'flattened' }),
    v('TunnelType'),
    shared('WarpColoCode', 'cloudflare.colo.code', { notes: 'the colo the device is connected to' }),
    v('WiFiStrengthDBM'),
  ],
  noSeverity: 'a periodic health sample, not an outcome (Status is the connection state)',
  summary: [
    'device',
    { field: 'Status' },
    { field: 'ConnectionType' },
    { field: 'WarpColoCode', label: 'colo' },
    { field: 'DeviceID', label: 'device' },
  ],
};
