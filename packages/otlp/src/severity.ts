// Severity per dataset (docs/mapping.md, "Severity" and "Why: severity bands"): SeverityNumber by the OTel log
// data model ranges, SeverityText only the bare range names (INFO, WARN, ERROR...) so Loki's detected_level and
// Datadog's status read it correctly. The seed datasets have their rules here; the others have a rule table next
// to their field table (tables/), evaluated by severityFromTable.
import type { JsonValue, LogpushRecord } from '@logpush-otel/pipeline';
import { staticKeyId } from './attribute-builder.ts';
import type { AttributeBuilder } from './attribute-builder.ts';
import type { SeverityCase, SeverityTable, SeverityValue } from './tables/index.ts';

/** A severity decision: number 1..24 (0 unspecified), bare text, and an optional `error.type` value. */
export interface Severity {
  readonly number: number;
  readonly text: '' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
  readonly errorType: string | undefined;
}

/** The bare range name of a SeverityNumber: 5..8 DEBUG, 9..12 INFO, 13..16 WARN, 17..20 ERROR, 21..24 FATAL. */
export function severityText(n: number): Severity['text'] {
  if (n >= 21) return 'FATAL';
  if (n >= 17) return 'ERROR';
  if (n >= 13) return 'WARN';
  if (n >= 9) return 'INFO';
  if (n >= 5) return 'DEBUG';
  return '';
}

const STATUS_ID = staticKeyId('http.response.status_code');

const UNSPECIFIED: Severity = { number: 0, text: '', errorType: undefined };
const INFO: Severity = { number: 9, text: 'INFO', errorType: undefined };
const WARN: Severity = { number: 13, text: 'WARN', errorType: undefined };

/** firewall_events `Action` (lower-cased) → SeverityNumber. Unlisted actions are INFO (9). */
export const FIREWALL_ACTION_SEVERITY: Readonly<Record<string, number>> = {
  allow: 9,
  bypass: 9,
  skip: 9,
  log: 9,
  rewrite: 9,
  unknown: 9,
  challengesolved: 9,
  jschallengesolved: 9,
  managedchallengenoninteractivesolved: 9,
  managedchallengeinteractivesolved: 9,
  challengebypassed: 9,
  jschallengebypassed: 9,
  managedchallengebypassed: 9,
  simulate: 10,
  challenge: 13,
  jschallenge: 13,
  managedchallenge: 13,
  challengefailed: 14,
  jschallengefailed: 14,
  block: 15,
  drop: 15,
  connectionclose: 15,
  forceconnectionclose: 15,
};

/** http_requests security actions that make a status-less request WARN. */
export const HTTP_WARN_ACTIONS: ReadonlySet<string> = new Set([
  'block',
  'connectionclose',
  'forceconnectionclose',
]);

/** spectrum_events `Status` → SeverityNumber; codes not listed fall back to `Event`. */
export const SPECTRUM_STATUS_SEVERITY: ReadonlyMap<number, number> = new Map<number, number>([
  [0, 9],
  [200, 9],
  [400, 13],
  [443, 13],
  [490, 13],
  [495, 13],
  [496, 13],
  [497, 13],
  [498, 13],
  [499, 13],
  [403, 15],
  [444, 17],
  [445, 17],
  [446, 17],
  [447, 17],
  [448, 17],
  [500, 17],
  [503, 17],
  [520, 17],
  [521, 17],
  [522, 17],
  [523, 17],
  [524, 17],
  [530, 17],
  [531, 17],
  [532, 17],
  [533, 17],
  [540, 17],
  [999, 17],
]);

/** spectrum_events `Event` → SeverityNumber, used when `Status` is absent or not a listed code. */
export const SPECTRUM_EVENT_SEVERITY: Readonly<Record<string, number>> = {
  connect: 9,
  disconnect: 9,
  clientFiltered: 15,
  tlsError: 13,
  resolveOrigin: 17,
  originError: 17,
};

function asNumber(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') {
    const n = Number(value);
    return Number.isInteger(n) ? n : undefined;
  }
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function httpStatusSeverity(status: number): Severity {
  if (status >= 500 && status <= 599) return { number: 17, text: 'ERROR', errorType: String(status) };
  if (status >= 400 && status <= 499) return WARN;
  return INFO;
}

function make(n: number, errorType: string | undefined): Severity {
  return { number: n, text: severityText(n), errorType };
}

function isPresent(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !Array.isArray(value) || value.length > 0;
}

function sameValue(value: JsonValue, expected: SeverityValue): boolean {
  if (typeof expected === 'string')
    return typeof value === 'string' && value.toLowerCase() === expected.toLowerCase();
  if (typeof expected === 'number') return asNumber(value) === expected;
  return value === expected || (typeof value === 'string' && value === String(expected));
}

function matches(c: SeverityCase, value: JsonValue | undefined): boolean {
  if (value === undefined || !isPresent(value)) return false;
  if (c.is !== undefined && !c.is.some((e) => sameValue(value, e))) return false;
  if (c.not?.some((e) => sameValue(value, e)) === true) return false;
  if (c.prefix !== undefined) {
    if (typeof value !== 'string') return false;
    const lower = value.toLowerCase();
    if (!c.prefix.some((p) => lower.startsWith(p.toLowerCase()))) return false;
  }
  if (c.range !== undefined) {
    const n = asNumber(value);
    if (n === undefined || n < c.range[0] || n > c.range[1]) return false;
  }
  return true;
}

function errorTypeOf(c: SeverityCase, value: JsonValue | undefined): string | undefined {
  if (c.errorType === undefined) return undefined;
  if (c.errorType !== 'value') return c.errorType;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
    ? String(value)
    : undefined;
}

/**
 * A record's severity by a dataset's rule table: the first matching case; INFO (or the table's `otherwise`) when
 * none matches but an outcome field is present; unspecified when the record carries no outcome at all.
 */
export function severityFromTable(table: SeverityTable, record: LogpushRecord): Severity {
  for (const c of table.cases) {
    const value = record[c.field];
    if (matches(c, value)) return make(c.severity, errorTypeOf(c, value));
  }
  for (const field of table.outcome) {
    if (isPresent(record[field])) return make(table.otherwise ?? 9, undefined);
  }
  return UNSPECIFIED;
}

/**
 * The severity of a record. `rule` is the compiled dataset's severity rule: a rule table (other datasets, see
 * {@link severityFromTable}), `http_requests` (EdgeResponseStatus;
 * without one, SecurityAction/WAFAction block or connection close is WARN), `firewall_events` (Action),
 * `spectrum_events` (Status, then Event), `status` (other datasets with an HTTP status: the http bands), `none`.
 */
export function severityOf(
  rule: 'http_requests' | 'firewall_events' | 'spectrum_events' | 'status' | 'none' | SeverityTable,
  record: LogpushRecord,
  attributes: Pick<AttributeBuilder, 'get'>,
): Severity {
  if (typeof rule === 'object') return severityFromTable(rule, record);
  switch (rule) {
    case 'http_requests': {
      const status = asNumber(record.EdgeResponseStatus);
      if (status !== undefined && status > 0) return httpStatusSeverity(status);
      let action = record.SecurityAction;
      if (typeof action !== 'string' || action === '') action = record.WAFAction;
      return typeof action === 'string' && HTTP_WARN_ACTIONS.has(action.toLowerCase()) ? WARN : INFO;
    }
    case 'firewall_events': {
      const action = record.Action;
      const n = typeof action === 'string' ? FIREWALL_ACTION_SEVERITY[action.toLowerCase()] : undefined;
      return n === undefined ? INFO : make(n, undefined);
    }
    case 'spectrum_events': {
      const status = asNumber(record.Status);
      let n = status === undefined ? undefined : SPECTRUM_STATUS_SEVERITY.get(status);
      if (n === undefined) {
        const event = record.Event;
        n = typeof event === 'string' ? SPECTRUM_EVENT_SEVERITY[event] : undefined;
        if (n === undefined) return status === undefined ? UNSPECIFIED : INFO;
      }
      const errorType =
        n >= 13
          ? status !== undefined
            ? String(status)
            : typeof record.Event === 'string'
              ? record.Event
              : undefined
          : undefined;
      return make(n, errorType);
    }
    case 'status': {
      const status = asNumber(attributes.get(STATUS_ID) as JsonValue | undefined);
      return status !== undefined && status > 0 ? httpStatusSeverity(status) : UNSPECIFIED;
    }
    default:
      return UNSPECIFIED;
  }
}
