// The workers_trace_events derivation: semantic-convention attributes read from inside the record's nested
// objects (the trigger, the script version, the first exception, a fetch event's request and response).
import type { JsonValue, LogpushRecord } from '@logpush-otel/pipeline';
import { staticKeyId } from './attribute-builder.ts';
import type { AttributeBuilder } from './attribute-builder.ts';
import { KNOWN_METHODS } from './fields.ts';
import { redactQuery } from './values.ts';

const ID = {
  trigger: staticKeyId('faas.trigger'),
  version: staticKeyId('faas.version'),
  exceptionType: staticKeyId('exception.type'),
  exceptionMessage: staticKeyId('exception.message'),
  method: staticKeyId('http.request.method'),
  methodOriginal: staticKeyId('http.request.method_original'),
  url: staticKeyId('url.full'),
  status: staticKeyId('http.response.status_code'),
} as const;

/** Workers `EventType` → `faas.trigger` (the convention's values: http, timer, pubsub, datasource, other). */
export const WORKERS_TRIGGER: Readonly<Record<string, string>> = {
  fetch: 'http',
  scheduled: 'timer',
  alarm: 'timer',
  queue: 'pubsub',
  email: 'other',
  worker_rpc: 'other',
  hibernatable_web_socket: 'other',
};

type JsonObject = { readonly [key: string]: JsonValue };

function object(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
    ? value
    : undefined;
}

function nonEmptyString(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Sets the derived attributes of a workers_trace_events record (each only when its source is present). */
export function deriveWorkers(record: LogpushRecord, b: AttributeBuilder): void {
  const eventType = record.EventType;
  if (typeof eventType === 'string' && eventType !== '')
    b.set(ID.trigger, WORKERS_TRIGGER[eventType] ?? 'other');
  const version = nonEmptyString(object(record.ScriptVersion)?.id);
  if (version !== undefined) b.set(ID.version, version);
  const exceptions = record.Exceptions;
  const first = Array.isArray(exceptions) ? object(exceptions[0]) : undefined;
  const type = nonEmptyString(first?.name);
  if (type !== undefined) b.set(ID.exceptionType, type);
  const message = nonEmptyString(first?.message);
  if (message !== undefined) b.set(ID.exceptionMessage, message);
  const event = object(record.Event);
  const request = object(event?.request);
  const method = nonEmptyString(request?.method);
  if (method !== undefined) {
    if (KNOWN_METHODS.has(method)) b.set(ID.method, method);
    else {
      b.set(ID.method, '_OTHER');
      b.set(ID.methodOriginal, method);
    }
  }
  const url = nonEmptyString(request?.url);
  if (url !== undefined) {
    const q = url.indexOf('?');
    const query = q >= 0 ? redactQuery(url.slice(q + 1)) : '';
    b.set(ID.url, q < 0 ? url : query === '' ? url.slice(0, q) : `${url.slice(0, q)}?${query}`);
  }
  const status = object(event?.response)?.status;
  if (typeof status === 'number' && Number.isInteger(status) && status > 0) b.set(ID.status, status);
}
