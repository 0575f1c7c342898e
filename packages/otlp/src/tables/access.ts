// Zero Trust identity and administration datasets: Access logins, audit logs (v1 and v2), Browser Isolation user
// actions, device posture, WARP changes, SSH sessions, the MCP portal, CASB findings and DLP forensic copies.
// Rationale: docs/mapping.md, "How we choose keys".
import { common } from './common.ts';
import { dropped, resource, sem, shared, time, v } from './types.ts';
import type { DatasetTable } from './types.ts';

const ACCOUNT_ID = 'account scope: one value per job';

/** access_requests: a login to (or logout from) an Access application. */
export const accessRequests: DatasetTable = {
  datasetId: 'access_requests',
  derive: [],
  derived: [],
  fields: [
    v('Action', { priority: 0 }),
    v('Allowed', { priority: 0, notes: 'drives severity' }),
    sem('AppDomain', 'server.address', { priority: 0, notes: 'the application the user signed in to' }),
    v('AppUUID'),
    v('Connection', { notes: 'the identity provider connection used' }),
    sem('Country', 'geo.country.iso_code', { convert: 'upper' }),
    time('CreatedAt'),
    sem('Email', 'user.email', { priority: 0 }),
    sem('IPAddress', 'client.address', { priority: 0 }),
    v('PurposeJustificationPrompt'),
    v('PurposeJustificationResponse'),
    common('RayID'),
    v('TemporaryAccessApprovers'),
    v('TemporaryAccessDuration', { notes: 'as Cloudflare writes it (its unit is not documented)' }),
    sem('UserUID', 'user.id'),
  ],
  severity: {
    cases: [{ field: 'Allowed', is: [false], severity: 13, errorType: 'access_denied' }],
    outcome: ['Allowed'],
    summary: 'Allowed=false → WARN (error.type access_denied); true → INFO',
  },
  summary: [
    'access',
    { field: 'Action' },
    { field: 'Allowed', values: { true: 'allowed', false: 'denied' } },
    { field: 'Email' },
    { field: 'AppDomain', label: 'app' },
    { field: 'IPAddress', label: 'ip' },
  ],
};

/** audit_logs: a change made to the account (dashboard or API). */
export const auditLogs: DatasetTable = {
  datasetId: 'audit_logs',
  derive: [],
  derived: [],
  fields: [
    v('ActionResult', { priority: 0, notes: 'drives severity' }),
    v('ActionType', { priority: 0 }),
    sem('ActorEmail', 'user.email', { priority: 0 }),
    sem('ActorID', 'user.id'),
    sem('ActorIP', 'client.address', { priority: 0 }),
    v('ActorType'),
    v('ID', { notes: 'the audit log entry id' }),
    v('Interface'),
    v('Metadata', { priority: 4, notes: 'flattened as `.metadata.<key>`' }),
    v('NewValue', { priority: 4, notes: 'flattened as `.new_value.<key>`' }),
    v('OldValue', { priority: 4, notes: 'flattened as `.old_value.<key>`' }),
    resource('OwnerID', 'cloudflare.account.id', 'the account that owns the log: one value per job'),
    v('ResourceID'),
    v('ResourceType'),
    time('When'),
  ],
  severity: {
    cases: [{ field: 'ActionResult', is: [false], severity: 13, errorType: 'action_failed' }],
    outcome: ['ActionResult'],
    summary: 'ActionResult=false → WARN (error.type action_failed); true → INFO',
  },
  summary: [
    'audit',
    { field: 'ActionType' },
    { field: 'ActionResult', values: { true: 'succeeded', false: 'failed' } },
    { field: 'ResourceType' },
    { field: 'ActorEmail', label: 'by' },
    { field: 'ActorIP', label: 'ip' },
  ],
};

/** audit_logs_v2: the newer audit log, one entry per API call that changed something. */
export const auditLogsV2: DatasetTable = {
  datasetId: 'audit_logs_v2',
  derive: [],
  derived: [],
  fields: [
    resource('AccountID', 'cloudflare.account.id', ACCOUNT_ID),
    shared('AccountName', 'cloudflare.account.name'),
    v('ActionDescription'),
    v('ActionResult', { priority: 0, notes: 'drives severity' }),
    time('ActionTimestamp'),
    v('ActionType', { priority: 0 }),
    v('ActorContext'),
    sem('ActorEmail', 'user.email', { priority: 0 }),
    sem('ActorID', 'user.id'),
    sem('ActorIPAddress', 'client.address', { priority: 0 }),
    v('ActorTokenDetails', { priority: 4, notes: 'flattened' }),
    v('ActorType'),
    v('AuditLogID'),
    v('Raw', { priority: 4, notes: 'the API request as Cloudflare saw it, flattened as `.raw.<key>`' }),
    v('ResourceID'),
    v('ResourceProduct'),
    v('ResourceRequest', { priority: 4, notes: 'flattened' }),
    v('ResourceResponse', { priority: 4, notes: 'flattened' }),
    v('ResourceScope'),
    v('ResourceType'),
    v('ResourceValue', { priority: 4, notes: 'flattened' }),
    resource('ZoneID', 'cloudflare.zone.id', 'a zone-level change: a handful of values per account'),
    { field: 'ZoneName', key: 'cloudflare.zone.name', kind: 'resource' },
  ],
  severity: {
    cases: [{ field: 'ActionResult', not: ['success'], severity: 13, errorType: 'value' }],
    outcome: ['ActionResult'],
    summary: 'ActionResult other than success → WARN (error.type = the result); success → INFO',
  },
  summary: [
    'audit',
    { field: 'ActionType' },
    { field: 'ActionResult' },
    { field: 'ResourceProduct' },
    { field: 'ResourceType' },
    { field: 'ActorEmail', label: 'by' },
    { field: 'ActorIPAddress', label: 'ip' },
  ],
};

/** biso_user_actions: a user action (copy, paste, download...) in an isolated browser session. */
export const bisoUserActions: DatasetTable = {
  datasetId: 'biso_user_actions',
  derive: [],
  derived: [],
  fields: [
    resource('AccountID', 'cloudflare.account.id', ACCOUNT_ID),
    v('Decision', { priority: 0, notes: 'drives severity' }),
    sem('DomainName', 'url.domain'),
    v('Metadata', { notes: 'JSON text, kept as a string' }),
    time('Timestamp'),
    v('Type', { priority: 0 }),
    sem('URL', 'url.full', { priority: 0 }),
    sem('UserEmail', 'user.email', { priority: 0 }),
    sem('UserID', 'user.id'),
  ],
  severity: {
    cases: [{ field: 'Decision', is: ['block'], severity: 13 }],
    outcome: ['Decision'],
    summary: 'Decision block → WARN; allow → INFO',
  },
  summary: [
    'isolation',
    { field: 'Type' },
    { field: 'Decision' },
    { field: 'UserEmail' },
    { field: 'DomainName' },
  ],
};

/** device_posture_results: one posture check evaluated on one device. */
export const devicePostureResults: DatasetTable = {
  datasetId: 'device_posture_results',
  derive: [],
  derived: [],
  fields: [
    v('ClientVersion', { notes: 'WARP client version' }),
    sem('DeviceID', 'device.id'),
    sem('DeviceManufacturer', 'device.manufacturer'),
    sem('DeviceModel', 'device.model.name'),
    sem('DeviceName', 'host.name', { notes: "the device's host name" }),
    v('DeviceSerialNumber'),
    v('DeviceType', { notes: 'platform (windows, mac...); not os.type, whose values differ' }),
    sem('Email', 'user.email', { priority: 0 }),
    sem('OSVersion', 'os.version'),
    v('PolicyID'),
    v('PostureCheckName', { priority: 0 }),
    v('PostureCheckType'),
    v('PostureEvaluatedResult', { priority: 0, notes: 'drives severity' }),
    v('PostureExpectedJSON', { priority: 4, notes: 'flattened' }),
    v('PostureReceivedJSON', { priority: 4, notes: 'flattened' }),
    shared('RegistrationID', 'cloudflare.device.registration_id'),
    time('Timestamp'),
    sem('UserUID', 'user.id'),
  ],
  severity: {
    cases: [
      { field: 'PostureEvaluatedResult', is: [false], severity: 13, errorType: 'posture_check_failed' },
    ],
    outcome: ['PostureEvaluatedResult'],
    summary: 'PostureEvaluatedResult=false → WARN (error.type posture_check_failed); true → INFO',
  },
  summary: [
    'posture',
    { field: 'PostureCheckName' },
    { field: 'PostureEvaluatedResult', values: { true: 'passed', false: 'failed' } },
    { field: 'Email' },
    { field: 'DeviceName', label: 'device' },
  ],
};

/** warp_config_changes: a device switched WARP configuration (possibly between accounts). */
export const warpConfigChanges: DatasetTable = {
  datasetId: 'warp_config_changes',
  derive: [],
  derived: [],
  fields: [
    v('AccountIDFrom', { notes: 'two accounts per record: attributes, not the resource' }),
    v('AccountIDTo'),
    v('AccountNameFrom'),
    v('AccountNameTo'),
    v('ConfigNameFrom'),
    v('ConfigNameTo'),
    sem('DeviceID', 'device.id'),
    shared('DeviceRegistrationID', 'cloudflare.device.registration_id'),
    sem('Hostname', 'host.name', { notes: "the device's host name" }),
    v('SerialNumber'),
    time('Timestamp'),
  ],
  noSeverity: 'a configuration switch has no success or failure',
  summary: [
    'warp config',
    { field: 'ConfigNameFrom' },
    '->',
    { field: 'ConfigNameTo' },
    { field: 'Hostname', label: 'device' },
  ],
};

/** warp_toggle_changes: a user switched WARP on or off. */
export const warpToggleChanges: DatasetTable = {
  datasetId: 'warp_toggle_changes',
  derive: [],
  derived: [],
  fields: [
    resource('AccountID', 'cloudflare.account.id', ACCOUNT_ID),
    shared('AccountName', 'cloudflare.account.name'),
    sem('DeviceID', 'device.id'),
    shared('DeviceRegistrationID', 'cloudflare.device.registration_id'),
    sem('Hostname', 'host.name', { notes: "the device's host name" }),
    v('SerialNumber'),
    time('Timestamp'),
    v('Toggled', { priority: 0 }),
    sem('UserEmail', 'user.email', { priority: 0 }),
  ],
  noSeverity: 'switching WARP on or off is a state change, not an outcome',
  summary: [
    'warp',
    { field: 'Toggled', values: { true: 'on', false: 'off' } },
    { field: 'UserEmail' },
    { field: 'Hostname', label: 'device' },
  ],
};

/** ssh_logs: one command or session through Access for Infrastructure SSH. */
export const sshLogs: DatasetTable = {
  datasetId: 'ssh_logs',
  derive: [],
  derived: [],
  fields: [
    resource('AccountID', 'cloudflare.account.id', ACCOUNT_ID),
    sem('ClientAddress', 'client.address', { priority: 0 }),
    time('Datetime'),
    v('Error', { priority: 0, notes: 'free text: too varied for error.type; drives severity' }),
    v('PTY'),
    dropped('Payload', 'the session recording (asciicast), up to megabytes: too large for an attribute'),
    v('ProgramFinishDatetime', { convert: 'timestamp' }),
    v('ProgramID'),
    v('ProgramStartDatetime', { convert: 'timestamp' }),
    v('ProgramType'),
    sem('ServerAddress', 'server.address', { priority: 0 }),
    v('SessionFinishDatetime', { convert: 'timestamp' }),
    v('SessionID'),
    v('SessionStartDatetime', { convert: 'timestamp' }),
    v('TargetID'),
    sem('UserEmail', 'user.email', { priority: 0 }),
    sem('UserID', 'user.id'),
    sem('Username', 'user.name', { notes: 'the login used on the target' }),
  ],
  severity: {
    cases: [{ field: 'Error', nonEmpty: true, severity: 13, errorType: 'ssh_error' }],
    outcome: ['SessionID', 'ProgramID'],
    summary: 'an Error → WARN (error.type ssh_error); otherwise INFO',
  },
  summary: [
    'ssh',
    { field: 'ProgramType' },
    { field: 'UserEmail' },
    { field: 'Username', label: 'as' },
    { field: 'ServerAddress', label: 'server' },
    { field: 'Error', label: 'error' },
  ],
};

/** mcp_portal_logs: one MCP request through a Cloudflare MCP server portal. */
export const mcpPortalLogs: DatasetTable = {
  datasetId: 'mcp_portal_logs',
  derive: [],
  derived: [],
  fields: [
    common('ClientCountry'),
    common('ClientIP'),
    shared('ColoCode', 'cloudflare.colo.code'),
    time('Datetime'),
    v('Error', { priority: 0, notes: 'free text: too varied for error.type' }),
    sem('Method', 'mcp.method.name', {
      priority: 0,
      notes: 'the MCP (JSON-RPC) method, e.g. `tools/call`: not an HTTP method',
    }),
    v('PortalAUD'),
    v('PortalID'),
    sem('PromptGetName', 'gen_ai.prompt.name'),
    sem('ResourceReadURI', 'mcp.resource.uri'),
    v('ServerAUD'),
    v('ServerID'),
    v('ServerResponseDurationMs'),
    sem('ServerURL', 'url.full', { notes: 'the upstream MCP server' }),
    sem('SessionID', 'mcp.session.id'),
    v('Success', { priority: 0, notes: 'drives severity' }),
    sem('ToolCallName', 'gen_ai.tool.name'),
    sem('UserEmail', 'user.email', { priority: 0 }),
    sem('UserID', 'user.id'),
  ],
  severity: {
    cases: [{ field: 'Success', is: [false], severity: 13, errorType: 'mcp_request_failed' }],
    outcome: ['Success'],
    summary: 'Success=false → WARN (error.type mcp_request_failed); true → INFO',
  },
  summary: [
    'mcp',
    { field: 'Method' },
    { field: 'ToolCallName' },
    { field: 'Success', values: { true: 'ok', false: 'failed' } },
    { field: 'UserEmail' },
    { field: 'ServerURL', label: 'server' },
  ],
};

/** casb_findings: a CASB posture finding on a SaaS asset. */
export const casbFindings: DatasetTable = {
  datasetId: 'casb_findings',
  derive: [],
  derived: [],
  fields: [
    v('AssetDisplayName', { priority: 0 }),
    v('AssetExternalID'),
    v('AssetLink'),
    v('AssetMetadata', { priority: 4, notes: 'flattened' }),
    time('DetectedTimestamp'),
    v('FindingTypeDisplayName', { priority: 0 }),
    v('FindingTypeID'),
    v('FindingTypeSeverity', { priority: 0, notes: 'drives severity' }),
    v('InstanceID'),
    v('IntegrationDisplayName'),
    v('IntegrationID'),
    v('IntegrationPolicyVendor'),
  ],
  severity: {
    cases: [
      { field: 'FindingTypeSeverity', is: ['critical'], severity: 18 },
      { field: 'FindingTypeSeverity', is: ['high'], severity: 17 },
      { field: 'FindingTypeSeverity', is: ['medium'], severity: 13 },
      { field: 'FindingTypeSeverity', is: ['low'], severity: 9 },
    ],
    outcome: ['FindingTypeSeverity'],
    summary: 'FindingTypeSeverity Critical → ERROR 18, High → ERROR 17, Medium → WARN 13, Low → INFO 9',
  },
  summary: [
    'casb',
    { field: 'FindingTypeSeverity', lower: true },
    { field: 'FindingTypeDisplayName' },
    { field: 'AssetDisplayName', label: 'asset' },
    { field: 'IntegrationDisplayName', label: 'integration' },
  ],
};

/** dlp_forensic_copies: a copy of a request or response that matched a DLP rule in Gateway. */
export const dlpForensicCopies: DatasetTable = {
  datasetId: 'dlp_forensic_copies',
  derive: [],
  derived: [],
  fields: [
    resource('AccountID', 'cloudflare.account.id', ACCOUNT_ID),
    time('Datetime'),
    v('ForensicCopyID'),
    shared('GatewayRequestID', 'cloudflare.gateway.request_id', { notes: 'joins gateway_http RequestID' }),
    v('Headers', {
      priority: 4,
      notes: 'request or response headers (by Phase): flattened as vendor keys, not http.request.header.*',
    }),
    dropped('Payload', 'the captured body, base64 and up to megabytes: too large for an attribute'),
    v('Phase', { priority: 0 }),
    v('TriggeredRuleID', { priority: 0 }),
  ],
  severity: {
    cases: [{ field: 'TriggeredRuleID', nonEmpty: true, severity: 13 }],
    outcome: ['TriggeredRuleID', 'ForensicCopyID'],
    summary: 'a copy exists because a DLP rule matched → WARN',
  },
  summary: [
    'dlp copy',
    { field: 'Phase' },
    { field: 'TriggeredRuleID', label: 'rule' },
    { field: 'GatewayRequestID', label: 'request' },
  ],
};
