// Email security (alerts and post-delivery actions), Turnstile and Workers trace events. Rationale:
// docs/mapping.md, "How we choose keys".
import { common } from './common.ts';
import { sem, shared, time, v } from './types.ts';
import type { DatasetTable } from './types.ts';

/** email_security_alerts: a message Email Security flagged, with its verdict. */
export const emailSecurityAlerts: DatasetTable = {
  datasetId: 'email_security_alerts',
  derive: [],
  derived: [],
  fields: [
    shared('AlertID', 'cloudflare.email.alert_id', { priority: 0, notes: 'joins post-delivery events' }),
    v('AlertReasons'),
    v('Attachments', { notes: 'array of objects, each kept as JSON text' }),
    v('BCC'),
    v('CC'),
    v('CCName'),
    v('DKIMResult'),
    v('DMARCPolicy'),
    v('DMARCResult'),
    v('FinalDisposition', { priority: 0, notes: 'drives severity' }),
    v('From', { priority: 0, notes: 'the sender, not one of your users: not user.email' }),
    v('FromName'),
    v('Links'),
    v('MessageDeliveryMode'),
    shared('MessageID', 'cloudflare.email.message_id'),
    v('Origin'),
    v('OriginalSender'),
    v('ReplyTo'),
    v('ReplyToName'),
    v('SMTPEnvelopeFrom'),
    v('SMTPEnvelopeTo'),
    sem('SMTPHeloServerIP', 'client.address', {
      notes: 'the server that delivered the message: the SMTP client',
    }),
    v('SMTPHeloServerIPAsName'),
    v('SMTPHeloServerIPAsNumber', { notes: 'a string in the catalogue: not cloudflare.client.asn (an int)' }),
    v('SMTPHeloServerIPGeo'),
    v('SMTPHeloServerName', { notes: 'the name the SMTP client announced (HELO), unverified' }),
    v('SPFResult'),
    v('Subject'),
    v('ThreatCategories'),
    time('Timestamp'),
    v('To', { notes: 'several recipients: not user.email' }),
    v('ToName'),
  ],
  severity: {
    cases: [
      { field: 'FinalDisposition', is: ['malicious'], severity: 17, errorType: 'value' },
      { field: 'FinalDisposition', is: ['suspicious', 'spoof', 'spam'], severity: 13, errorType: 'value' },
    ],
    outcome: ['FinalDisposition'],
    summary:
      'FinalDisposition MALICIOUS → ERROR; SUSPICIOUS, SPOOF, SPAM → WARN (error.type = the disposition); BULK, UNSET → INFO',
  },
  summary: [
    'email',
    { field: 'FinalDisposition', lower: true },
    { field: 'From', label: 'from' },
    { field: 'To', label: 'to' },
    { field: 'Subject', label: 'subject' },
  ],
};

/** email_security_post_delivery_events: a move, submission or release of an already delivered message. */
export const emailSecurityPostDeliveryEvents: DatasetTable = {
  datasetId: 'email_security_post_delivery_events',
  derive: [],
  derived: [],
  fields: [
    shared('AlertID', 'cloudflare.email.alert_id', { notes: 'joins email_security_alerts' }),
    v('CompletedAt', { convert: 'timestamp' }),
    v('Destination'),
    v('FinalDisposition'),
    v('Folder'),
    v('From', { notes: 'the sender: not user.email' }),
    v('FromName'),
    shared('MessageID', 'cloudflare.email.message_id'),
    v('MessageTimestamp', { convert: 'timestamp' }),
    v('MicrosoftTenantID'),
    v('Operation', { priority: 0 }),
    v('PostfixID'),
    v('Reasons'),
    sem('Recipient', 'user.email', { priority: 0, notes: 'the mailbox acted on: one of your users' }),
    time('RequestedAt'),
    v('RequestedBy'),
    v('RequestedDisposition'),
    v('Status'),
    v('Subject'),
    v('Success', { priority: 0, notes: 'drives severity' }),
    v('To'),
  ],
  severity: {
    cases: [{ field: 'Success', is: [false], severity: 13, errorType: 'remediation_failed' }],
    outcome: ['Success'],
    summary: 'Success=false → WARN (error.type remediation_failed); true → INFO',
  },
  summary: [
    'email',
    { field: 'Operation' },
    { field: 'Success', values: { true: 'done', false: 'failed' } },
    { field: 'Recipient' },
    { field: 'Destination', label: 'to' },
    { field: 'Subject', label: 'subject' },
  ],
};

/** turnstile_events: a Turnstile challenge issued, solved or verified. */
export const turnstileEvents: DatasetTable = {
  datasetId: 'turnstile_events',
  derive: [],
  derived: [],
  fields: [
    shared('ASN', 'cloudflare.client.asn'),
    v('Action', { notes: "the site's own action label" }),
    sem('BrowserMajor', 'user_agent.version', { convert: 'string', notes: 'major version only' }),
    sem('BrowserName', 'user_agent.name'),
    common('ClientIP'),
    sem('CountryCode', 'geo.country.iso_code', { convert: 'upper' }),
    v('EventType', { priority: 0, notes: 'drives severity' }),
    sem('Hostname', 'server.address', { priority: 0 }),
    sem('OSMajor', 'os.version', { convert: 'string', notes: 'major version only' }),
    sem('OSName', 'os.name'),
    v('Sitekey'),
    time('Timestamp'),
    common('UserAgent'),
  ],
  severity: {
    cases: [
      { field: 'EventType', prefix: ['challenge_siteverify_failed'], severity: 13, errorType: 'value' },
      { field: 'EventType', is: ['challenge_siteverify_ratelimited'], severity: 13, errorType: 'value' },
    ],
    outcome: ['EventType'],
    summary:
      'EventType challenge_siteverify_failed_* or _ratelimited → WARN (error.type = the event); others INFO',
  },
  summary: [
    'turnstile',
    { field: 'EventType' },
    { field: 'Hostname' },
    { field: 'ClientIP', label: 'ip' },
    { field: 'Sitekey', label: 'sitekey' },
  ],
};

/** workers_trace_events: one Worker invocation with its outcome, logs and exceptions. */
export const workersTraceEvents: DatasetTable = {
  datasetId: 'workers_trace_events',
  derive: ['workers-exception'],
  derived: [
    {
      key: 'faas.trigger',
      from: 'EventType',
      notes: 'fetch → http, scheduled/alarm → timer, queue → pubsub',
    },
    { key: 'faas.version', from: 'ScriptVersion.id', notes: 'the deployed version id' },
    { key: 'exception.type', from: 'Exceptions[0].name', notes: 'the first exception' },
    { key: 'exception.message', from: 'Exceptions[0].message', notes: 'the first exception' },
    { key: 'http.request.method', from: 'Event.request.method', notes: 'fetch events' },
    { key: 'url.full', from: 'Event.request.url', notes: 'fetch events; signature parameters redacted' },
    { key: 'http.response.status_code', from: 'Event.response.status', notes: 'fetch events' },
  ],
  fields: [
    v('CPUTimeMs'),
    v('DispatchNamespace'),
    v('Entrypoint'),
    v('Event', { priority: 4, notes: 'the trigger (request, cron, queue...), flattened as `.event.<key>`' }),
    { field: 'EventTimestampMs', key: 'Timestamp', kind: 'time', notes: 'epoch milliseconds' },
    v('EventType', { priority: 0 }),
    v('Exceptions', { notes: 'every exception as JSON text; the first also as exception.*' }),
    v('Logs', { priority: 4, notes: 'console output, each entry as JSON text' }),
    v('Outcome', { priority: 0, notes: 'drives severity' }),
    sem('ScriptName', 'faas.name', { priority: 0 }),
    v('ScriptTags'),
    v('ScriptVersion', { priority: 4, notes: 'flattened; its id is also faas.version' }),
    v('WallTimeMs'),
  ],
  severity: {
    cases: [
      { field: 'Outcome', not: ['ok', 'unknown'], severity: 17, errorType: 'value' },
      { field: 'Exceptions', nonEmpty: true, severity: 17, errorType: 'exception' },
    ],
    outcome: ['Outcome', 'Exceptions'],
    summary:
      'Outcome other than ok (and unknown) → ERROR (error.type = the outcome); any exception → ERROR; ok → INFO',
  },
  summary: [
    'worker',
    { field: 'ScriptName' },
    { field: 'EventType' },
    { field: 'Outcome' },
    { field: 'CPUTimeMs', label: 'cpu_ms' },
    { field: 'WallTimeMs', label: 'wall_ms' },
  ],
};
