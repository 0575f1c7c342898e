// The field tables: which Cloudflare field becomes which OpenTelemetry attribute, as data, one file per dataset
// family. The mapper compiles them once per dataset; scripts/generate-mapping-doc.ts renders them as
// docs/mapping.md, which also explains the choices.
import {
  accessRequests,
  auditLogs,
  auditLogsV2,
  bisoUserActions,
  casbFindings,
  devicePostureResults,
  dlpForensicCopies,
  mcpPortalLogs,
  sshLogs,
  warpConfigChanges,
  warpToggleChanges,
} from './access.ts';
import { dexApplicationTests, dexDeviceStateEvents } from './dex.ts';
import { firewallEvents, spectrumEvents } from './edge.ts';
import {
  emailSecurityAlerts,
  emailSecurityPostDeliveryEvents,
  turnstileEvents,
  workersTraceEvents,
} from './email.ts';
import { gatewayDns, gatewayHttp, gatewayNetwork, zeroTrustNetworkSessions } from './gateway.ts';
import { httpRequests } from './http-requests.ts';
import {
  dnsFirewallLogs,
  ipsecLogs,
  magicBgpLogs,
  magicIdsDetections,
  mnmFlowLogs,
  networkAnalyticsLogs,
  sinkholeHttpLogs,
} from './network.ts';
import type { DatasetTable } from './types.ts';
import {
  accountAbuseProtectionEvents,
  dnsLogs,
  nelReports,
  pageShieldEvents,
  websocketAnalytics,
  zarazEvents,
} from './zone.ts';

export { commonFields } from './common.ts';
export type {
  DatasetTable,
  Derivation,
  FieldMapping,
  Kind,
  Priority,
  SeverityCase,
  SeverityTable,
  SeverityValue,
  SummaryPart,
} from './types.ts';

const all: readonly DatasetTable[] = [
  httpRequests,
  firewallEvents,
  spectrumEvents,
  accountAbuseProtectionEvents,
  dnsLogs,
  websocketAnalytics,
  zarazEvents,
  nelReports,
  pageShieldEvents,
  accessRequests,
  auditLogs,
  auditLogsV2,
  bisoUserActions,
  devicePostureResults,
  dexApplicationTests,
  dexDeviceStateEvents,
  dlpForensicCopies,
  dnsFirewallLogs,
  emailSecurityAlerts,
  emailSecurityPostDeliveryEvents,
  gatewayDns,
  gatewayHttp,
  gatewayNetwork,
  ipsecLogs,
  magicBgpLogs,
  magicIdsDetections,
  mcpPortalLogs,
  mnmFlowLogs,
  networkAnalyticsLogs,
  sinkholeHttpLogs,
  sshLogs,
  turnstileEvents,
  warpConfigChanges,
  warpToggleChanges,
  workersTraceEvents,
  zeroTrustNetworkSessions,
  casbFindings,
];

/** Every dataset's field table, by Logpush dataset id (zone and account variants share one). */
export const datasetTables: Readonly<Record<string, DatasetTable>> = Object.fromEntries(
  all.map((t) => [t.datasetId, t]),
);
