// Generates <repo>/docs/mapping.md from the field tables as the mapper compiles them (src/tables/, the schema).
// Usage: node scripts/generate-mapping-doc.ts          writes the file
//        node scripts/generate-mapping-doc.ts --check  exits 1 when the file differs from what would be written
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetIds, getDataset } from '@logpush-otel/schema';
import { Action, compileDataset } from '../src/compile.ts';
import {
  FIREWALL_ACTION_SEVERITY,
  SPECTRUM_EVENT_SEVERITY,
  SPECTRUM_STATUS_SEVERITY,
  severityText,
} from '../src/severity.ts';
import { datasetTables } from '../src/tables/index.ts';
import type { Rule } from '../src/compile.ts';
import type { SeverityTable, SummaryPart } from '../src/tables/index.ts';
import { HOW_WE_CHOOSE_KEYS, WHY } from './mapping-doc-text.ts';

const target = fileURLToPath(new URL('../../../docs/mapping.md', import.meta.url));

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function otlpType(rule: Rule): string {
  if (rule.kind === 'time') return 'bigint ns';
  if (rule.kind === 'resource') return 'string';
  switch (rule.action) {
    case Action.scalar:
    case Action.generic:
      return rule.type === undefined ? 'as in the record' : rule.type;
    case Action.float:
    case Action.double:
      return 'double';
    case Action.array:
      return rule.type === 'array[int]' ? 'int[]' : rule.type === 'array[object]' ? 'map[]' : 'string[]';
    case Action.object:
    case Action.cookies:
      return 'flattened object';
    case Action.headers:
      return 'string[] per header';
    case Action.header:
      return 'string[] (one item)';
    case Action.timestamp:
      return 'string (RFC 3339, ns)';
    default:
      return 'string';
  }
}

function decisionCell(rule: Rule): string {
  switch (rule.kind) {
    case 'time':
      return 'event time';
    case 'resource':
      return 'resource';
    case 'dropped':
      return 'dropped';
    case 'off':
      return 'off (opt-in)';
    case 'derived':
      return 'semantic (derived)';
    default:
      return rule.key.startsWith('cloudflare.')
        ? rule.kind === 'shared'
          ? 'cloudflare (shared)'
          : 'cloudflare'
        : 'semantic';
  }
}

function attributeCell(rule: Rule): string {
  switch (rule.kind) {
    case 'dropped':
      return '—';
    case 'time':
      return 'LogRecord Timestamp';
    case 'resource':
      return `resource \`${rule.key}\``;
    case 'derived':
      return `→ \`${rule.key}\` (derived)`;
    case 'off':
      return `— (opt-in \`${rule.key}.<name>\`)`;
    default:
      break;
  }
  if (rule.action === Action.skip) return '—';
  if (rule.action === Action.object || rule.action === Action.headers) return `\`${rule.key}.<name>\``;
  return rule.keys.map((k) => `\`${k}\``).join(', ');
}

function notesCell(rule: Rule): string {
  const notes: string[] = [];
  if (rule.notes !== '') notes.push(rule.notes);
  else if (rule.action === Action.upper) notes.push('upper-cased');
  else if (rule.action === Action.lower) notes.push('lower-cased');
  else if (rule.action === Action.method) notes.push('unknown methods become `_OTHER` plus the original');
  else if (rule.action === Action.query) notes.push('leading `?` removed; signature parameters redacted');
  else if (rule.action === Action.httpProtocol) notes.push('`HTTP/1.1` → `http` + `1.1`');
  else if (rule.action === Action.tlsProtocol) notes.push('`TLSv1.3` → `tls` + `1.3`');
  if (rule.values !== undefined)
    notes.push(`values: ${[...rule.values].map(([from, to]) => `\`${from}\` → \`${to}\``).join(', ')}`);
  if (rule.legacy) notes.push('legacy name: fills the key only when the current field is absent');
  if (rule.drop !== undefined)
    notes.push(`dropped when ${[...rule.drop].map((d) => `\`${String(d)}\``).join(', ')}`);
  if (rule.priority === 0 && rule.kind !== 'time' && rule.kind !== 'resource')
    notes.push('core (budget priority 0)');
  return notes.join('; ');
}

function datasetSection(id: string): string[] {
  const schema = getDataset(id);
  const compiled = compileDataset(id);
  const lines = [`### \`${id}\``, ''];
  const table = datasetTables[compiled.datasetId];
  lines.push(
    `Event name \`${compiled.eventName}\`; event time \`${schema?.timestampField ?? '?'}\`; ${schema?.scope ?? '?'} scope.`,
    '',
  );
  if (table?.summary !== undefined) lines.push(`Body: \`${summaryFormat(table.summary)}\``, '');
  if (typeof compiled.severity === 'object') lines.push(...severityTableLines(compiled.severity));
  else if (table?.noSeverity !== undefined) lines.push(`Severity: unspecified (${table.noSeverity}).`, '');
  else lines.push('Severity: see [Severity](#severity).', '');
  lines.push('| Cloudflare field | Decision | Attribute | Type | Why / notes |', '|---|---|---|---|---|');
  const rows = new Map<string, Rule>();
  for (const f of schema?.fields ?? []) {
    const rule = compiled.rules.get(f.name);
    if (rule !== undefined) rows.set(f.name, rule);
  }
  // Fields of the dataset's other scope (zone/account spellings) belong to that scope's section.
  const otherScope = new Set(
    datasetIds
      .filter((other) => other !== id && getDataset(other)?.datasetId === compiled.datasetId)
      .flatMap((other) => getDataset(other)?.fields.map((f) => f.name) ?? []),
  );
  if (table !== undefined) {
    for (const m of table.fields) {
      if (otherScope.has(m.field) && schema?.fieldsByName.has(m.field) !== true) continue;
      const rule = compiled.rules.get(m.field);
      if (rule !== undefined && !rows.has(m.field)) rows.set(m.field, rule);
    }
  }
  for (const [field, rule] of rows) {
    const schemaField = schema?.fieldsByName.get(field);
    const type = schemaField === undefined ? 'not in schema' : `${schemaField.type} → ${otlpType(rule)}`;
    const flags = [
      schemaField?.deprecated === true ? 'deprecated' : '',
      schemaField?.legacy === true ? 'legacy' : '',
    ].filter((f) => f !== '');
    lines.push(
      `| ${cell(field)}${flags.length > 0 ? ` (${flags.join(', ')})` : ''} | ${decisionCell(rule)} | ${cell(attributeCell(rule))} | ${cell(type)} | ${cell(notesCell(rule))} |`,
    );
  }
  if (table !== undefined) {
    for (const d of table.derived) {
      lines.push(
        `| *(derived from ${cell(d.from)})* | semantic | \`${d.key}\` | string | ${cell(d.notes)} |`,
      );
    }
  }
  lines.push('');
  return lines;
}

/** A summary format as text: literals as they are, fields as `<Field>` or `label=<Field>`. */
function summaryFormat(parts: readonly SummaryPart[]): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const values =
        p.values === undefined
          ? ''
          : ` (${Object.entries(p.values)
              .map(([from, to]) => `${from}→${to === '' ? '∅' : to}`)
              .join(', ')})`;
      const field = `<${p.field}${values}>`;
      return p.label === undefined ? field : `${p.label}=${field}`;
    })
    .join(' ');
}

function caseCondition(c: SeverityTable['cases'][number]): string {
  const parts: string[] = [];
  if (c.is !== undefined) parts.push(`is ${c.is.map((x) => `\`${String(x)}\``).join(', ')}`);
  if (c.not !== undefined) parts.push(`is not ${c.not.map((x) => `\`${String(x)}\``).join(', ')}`);
  if (c.prefix !== undefined) parts.push(`starts with ${c.prefix.map((x) => `\`${x}\``).join(', ')}`);
  if (c.range !== undefined) parts.push(`${c.range[0]}–${c.range[1]}`);
  if (c.nonEmpty === true) parts.push('present');
  return parts.join('; ');
}

function severityTableLines(t: SeverityTable): string[] {
  const lines = [
    `Severity: ${t.summary}.`,
    '',
    '| Field | When | SeverityNumber | Text | error.type |',
    '|---|---|---|---|---|',
  ];
  for (const c of t.cases) {
    const errorType =
      c.errorType === undefined ? '' : c.errorType === 'value' ? 'the value' : `\`${c.errorType}\``;
    lines.push(
      `| ${c.field} | ${cell(caseCondition(c))} | ${c.severity} | ${severityText(c.severity)} | ${errorType} |`,
    );
  }
  const otherwise = t.otherwise ?? 9;
  lines.push(
    `| ${t.outcome.join(', ')} | any other value | ${otherwise} | ${severityText(otherwise)} | |`,
    `| | none of them present | 0 | (unspecified) | |`,
    '',
  );
  return lines;
}

function severitySection(): string[] {
  const lines = ['## Severity', ''];
  lines.push(
    'SeverityText is only ever the bare range name (`INFO`, `WARN`, `ERROR`), so that Loki (`detected_level`) and',
    'Datadog (status) read it correctly; the SeverityNumber grades within the range.',
    '',
    '**http_requests** (and any dataset mapping a status to `http.response.status_code`): `EdgeResponseStatus`',
    '100–399 → 9 INFO; 400–499 → 13 WARN; 500–599 → 17 ERROR with `error.type` = the code. Without a status,',
    '`SecurityAction` (legacy `WAFAction`) `block`, `connectionClose` or `forceConnectionClose` → 13 WARN, else 9 INFO.',
    '',
    '**firewall_events** by `Action` (case-insensitive; unlisted actions are 9 INFO):',
    '',
    '| Action | SeverityNumber | Text |',
    '|---|---|---|',
  );
  for (const [action, n] of Object.entries(FIREWALL_ACTION_SEVERITY))
    lines.push(`| ${action} | ${n} | ${severityText(n)} |`);
  lines.push(
    '',
    '**spectrum_events** by `Status`, then by `Event` for codes not listed (`error.type` = the code when ≥ WARN):',
    '',
  );
  lines.push('| Status | SeverityNumber | Text |', '|---|---|---|');
  for (const [status, n] of SPECTRUM_STATUS_SEVERITY) lines.push(`| ${status} | ${n} | ${severityText(n)} |`);
  lines.push('', '| Event (fallback) | SeverityNumber | Text |', '|---|---|---|');
  for (const [event, n] of Object.entries(SPECTRUM_EVENT_SEVERITY))
    lines.push(`| ${event} | ${n} | ${severityText(n)} |`);
  lines.push(
    '',
    'Every other dataset has its own rule table, shown with its fields below: the first matching case gives the',
    'severity; a record with an outcome field that matches no case is INFO; a record without any outcome field,',
    'and every record of a dataset without an outcome, keeps severity unspecified (0).',
    '',
  );
  return lines;
}

/** The whole document. */
export function mappingDoc(): string {
  const lines = [
    '<!-- Generated by packages/otlp/scripts/generate-mapping-doc.ts from the field tables. Do not edit. -->',
    '# Cloudflare Logpush → OpenTelemetry mapping',
    '',
    'How `@logpush-otel/otlp` turns a Logpush record into an OpenTelemetry LogRecord. Generated from the tables the',
    'mapper uses (`packages/otlp/src/tables/` plus the schema), so it always matches the code; CI fails when it',
    'drifts (`npm run check:generated -w @logpush-otel/otlp`).',
    '',
    '## Rules',
    '',
    '- Semantic-convention names where one fits; `cloudflare.<dataset>.<snake_case>` otherwise; shared keys where',
    '  datasets join (see [How we choose keys](#how-we-choose-keys)).',
    '- One copy of each value: a field mapped to a semantic-convention key has no vendor duplicate. Legacy and current',
    '  Cloudflare names map to the same key (the current one wins when both are present).',
    '- `null`, `""` and the "not applicable" values listed per field are dropped. Arrays stay homogeneous arrays (empty',
    '  ones are dropped); objects are flattened one level as `<key>.<name>` (at most 32 keys by default; more are',
    '  counted as dropped); timestamps inside records become RFC 3339 strings with nanoseconds.',
    '- Fields not in the schema (drift) map to `cloudflare.<dataset>.<snake_case>`. Attributes added by processors',
    '  (enrichment) are copied as they are and win over a mapped attribute of the same key.',
    "- Every attribute key of a record stays distinct after Loki's normalisation (characters outside `[A-Za-z0-9_]`",
    '  become `_`).',
    '- Attribute budget (default 120; 110 with the `loki` profile): when a record has more, the lowest priority ones',
    '  are dropped and counted in `droppedAttributesCount`. Priority: 0 core (identity, status, severity inputs),',
    '  1 semantic-convention and shared keys, 2 processor attributes, 3 vendor keys, 4 flattened objects, deprecated',
    '  and legacy-only fields, fields not in the schema.',
    '- Body: `summary` (default one-liner), `original` (the raw line) or `map` (the record). EventName: the',
    "  dataset's event name. Trace and span ids stay empty (a Ray ID is not W3C trace context).",
    "- Event time: the dataset's timestamp field, exact to the nanosecond (an unknown dataset tries the usual",
    '  names). A record without one is kept, not rejected: it carries only its observed time (when it was read) and',
    '  `cloudflare.time_missing=true` (outside the attribute budget), in the sidecar and in `convert` alike. A',
    '  timestamp that is present but unreadable is an error: the line goes to the dead-letter store.',
    '- Resource: `service.name` (default `cloudflare`), `cloud.provider=cloudflare`, `cloudflare.dataset`, and',
    '  `cloudflare.account.id`, `cloudflare.zone.name` / `cloudflare.zone.id` when the record carries them; nothing',
    '  per-request (never a colo).',
    '- Profiles: `default`; `loki` (budget 110); `datadog` (no attribute named `status`, `level`, `message`,',
    '  `service`, `host`... : such processor keys get a `cloudflare.` prefix); `datadog-raw` (documented optional',
    "  mode: Cloudflare's raw field names as attributes plus `source=cloudflare`, so Datadog's own Cloudflare",
    '  pipeline and dashboards apply; reserved names such as Spectrum `Status` become `cloudflare.Status`).',
    '',
    ...HOW_WE_CHOOSE_KEYS,
    ...WHY,
    ...severitySection(),
    '## Fields per dataset',
    '',
    'Decisions: **semantic** (an OpenTelemetry semantic-convention key), **cloudflare** (a vendor key),',
    '**cloudflare (shared)** (a `cloudflare.*` key several datasets use), **resource**, **dropped** (with the',
    'reason), **event time**. The "Why / notes" column gives the reason for choices that are not obvious.',
    '',
  ];
  const seeds = ['http_requests', 'firewall_events', 'spectrum_events'];
  for (const id of [...seeds, ...datasetIds.filter((d) => !seeds.includes(d))])
    lines.push(...datasetSection(id));
  return `${lines.join('\n').trimEnd()}\n`;
}

const text = mappingDoc();
if (process.argv.includes('--check')) {
  let current: string;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = '';
  }
  if (current !== text) {
    process.stderr.write(
      `docs/mapping.md is out of date with the field tables: run \`npm run generate:mapping-doc -w @logpush-otel/otlp\`\n`,
    );
    process.exit(1);
  }
  process.stdout.write('docs/mapping.md is up to date\n');
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
