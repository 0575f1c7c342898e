// The standard OpenTelemetry SDK environment variables, applied to the configuration document before validation.
// Precedence: a key set in the config file wins; otherwise the environment variable; otherwise the default.
import { resolve } from 'node:path';
import { isPlainObject } from '@logpush-otel/pipeline';
import type { ConfigIssue } from '@logpush-otel/pipeline';
import type { Env } from './env.ts';
import { proxyFromEnv } from '../exporters/otlp/transport.ts';

function get(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Parses a `key1=value1,key2=value2` list (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES): keys and values
 * are trimmed and percent-decoded. A member without `=` or with an empty key is an issue at `name`.
 */
export function parseKeyValueList(text: string, name: string, issues: ConfigIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const member of text.split(',')) {
    if (member.trim() === '') continue;
    const eq = member.indexOf('=');
    const key = eq === -1 ? '' : decode(member.slice(0, eq).trim());
    if (key === '') {
      // The member is not echoed: it may be a credential written with the wrong separator (`Authorization:...`).
      issues.push({
        path: name,
        message: `expected key=value pairs separated by commas, got a member ${eq === -1 ? 'without "="' : 'with an empty key'} (${member.trim().length} characters, not shown)`,
      });
      continue;
    }
    out[key] = decode(member.slice(eq + 1).trim());
  }
  return out;
}

function typeOf(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}

/** Sections of `kind` whose type is `type`, as mutable mappings (a null section becomes `{}` in place). */
function sectionsOfType(doc: Record<string, unknown>, kind: string, type: string): Record<string, unknown>[] {
  const group = doc[kind];
  if (!isPlainObject(group)) return [];
  const out: Record<string, unknown>[] = [];
  for (const [id, value] of Object.entries(group)) {
    if (typeOf(id) !== type) continue;
    if (value === null || value === undefined) group[id] = {};
    const section = group[id];
    if (isPlainObject(section)) out.push(section);
  }
  return out;
}

const unset = (section: Record<string, unknown>, key: string): boolean =>
  section[key] === undefined || section[key] === null || section[key] === '';

/** Env-given `defaults` under the section's own mapping (its keys win); a non-mapping own value is left as is. */
function underOwn(defaults: Record<string, string>, own: unknown): unknown {
  if (isPlainObject(own)) return { ...defaults, ...own };
  return own === undefined || own === null ? defaults : own;
}

/**
 * OTEL_EXPORTER_OTLP_CERTIFICATE / _CLIENT_CERTIFICATE / _CLIENT_KEY (paths, relative to the working directory)
 * and _INSECURE fill the section's `tls` keys it leaves unset; HTTPS_PROXY / HTTP_PROXY / NO_PROXY fill
 * `proxy_url` for the section's endpoint.
 */
function applyTlsAndProxy(
  section: Record<string, unknown>,
  env: Env,
  pick: (suffix: string) => { name: string; value: string } | undefined,
  issues: ConfigIssue[],
): void {
  const own = section['tls'];
  if (own === undefined || own === null || isPlainObject(own)) {
    const tls: Record<string, unknown> = { ...(isPlainObject(own) ? own : {}) };
    const files = [
      ['CERTIFICATE', 'ca_file'],
      ['CLIENT_CERTIFICATE', 'cert_file'],
      ['CLIENT_KEY', 'key_file'],
    ] as const;
    for (const [suffix, key] of files) {
      const v = pick(suffix);
      if (v !== undefined && unset(tls, key)) tls[key] = resolve(v.value);
    }
    const insecure = pick('INSECURE');
    if (insecure !== undefined && unset(tls, 'insecure')) {
      const value = insecure.value.toLowerCase();
      if (value === 'true' || value === 'false') tls['insecure'] = value === 'true';
      else
        issues.push({
          path: insecure.name,
          message: `expected true or false, got ${JSON.stringify(insecure.value)}`,
        });
    }
    if (Object.keys(tls).length > 0) section['tls'] = tls;
  }
  if (!unset(section, 'proxy_url')) return;
  const target = [section['logs_endpoint'], section['endpoint']].find(
    (v) => typeof v === 'string' && v !== '',
  );
  let url: URL;
  try {
    url = new URL(target as string);
  } catch {
    return; // the endpoint itself is reported by validation
  }
  const proxy = proxyFromEnv(url, env);
  if (proxy !== undefined) section['proxy_url'] = proxy;
}

/**
 * Applies the OTLP exporter variables to every `otlp` exporter section and OTEL_SERVICE_NAME /
 * OTEL_RESOURCE_ATTRIBUTES to every `cloudflare` processor section of `doc` (in place), only where the section
 * does not set the key itself. `_LOGS_` variants win over the generic ones. Headers and resource attributes merge
 * key by key (the config file's keys win). Returns issues for malformed variables (path = variable name).
 */
export function applyOtelEnv(doc: Record<string, unknown>, env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pick = (suffix: string): { name: string; value: string } | undefined => {
    for (const name of [`OTEL_EXPORTER_OTLP_LOGS_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`]) {
      const value = get(env, name);
      if (value !== undefined) return { name, value };
    }
    return undefined;
  };
  const otlp = sectionsOfType(doc, 'exporters', 'otlp');
  if (otlp.length > 0) {
    const logsEndpoint = get(env, 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT');
    const endpoint = get(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    const headers = {
      ...parseKeyValueList(
        get(env, 'OTEL_EXPORTER_OTLP_HEADERS') ?? '',
        'OTEL_EXPORTER_OTLP_HEADERS',
        issues,
      ),
      ...parseKeyValueList(
        get(env, 'OTEL_EXPORTER_OTLP_LOGS_HEADERS') ?? '',
        'OTEL_EXPORTER_OTLP_LOGS_HEADERS',
        issues,
      ),
    };
    let protocol = pick('PROTOCOL');
    if (protocol !== undefined && protocol.value !== 'http/protobuf' && protocol.value !== 'http/json') {
      issues.push({
        path: protocol.name,
        message: `expected http/protobuf or http/json (grpc is not supported), got ${JSON.stringify(protocol.value)}`,
      });
      protocol = undefined;
    }
    let compression = pick('COMPRESSION');
    if (compression !== undefined && compression.value !== 'gzip' && compression.value !== 'none') {
      issues.push({
        path: compression.name,
        message: `expected gzip or none, got ${JSON.stringify(compression.value)}`,
      });
      compression = undefined;
    }
    let timeout = pick('TIMEOUT');
    if (timeout !== undefined && !/^\d+$/.test(timeout.value)) {
      issues.push({
        path: timeout.name,
        message: `expected milliseconds (an integer), got ${JSON.stringify(timeout.value)}`,
      });
      timeout = undefined;
    }
    for (const section of otlp) {
      if (unset(section, 'endpoint') && unset(section, 'logs_endpoint')) {
        if (logsEndpoint !== undefined) section['logs_endpoint'] = logsEndpoint;
        else if (endpoint !== undefined) section['endpoint'] = endpoint;
      }
      if (Object.keys(headers).length > 0) {
        section['headers'] = underOwn(headers, section['headers']);
      }
      if (protocol !== undefined && unset(section, 'protocol')) section['protocol'] = protocol.value;
      if (compression !== undefined && unset(section, 'compression'))
        section['compression'] = compression.value;
      if (timeout !== undefined && unset(section, 'timeout')) section['timeout'] = `${timeout.value}ms`;
      applyTlsAndProxy(section, env, pick, issues);
    }
  }
  const mappers = sectionsOfType(doc, 'processors', 'cloudflare');
  if (mappers.length > 0) {
    const resource = parseKeyValueList(
      get(env, 'OTEL_RESOURCE_ATTRIBUTES') ?? '',
      'OTEL_RESOURCE_ATTRIBUTES',
      issues,
    );
    const serviceName = get(env, 'OTEL_SERVICE_NAME') ?? resource['service.name'];
    delete resource['service.name'];
    for (const section of mappers) {
      if (serviceName !== undefined && unset(section, 'service_name')) section['service_name'] = serviceName;
      if (Object.keys(resource).length > 0) {
        section['resource_attributes'] = underOwn(resource, section['resource_attributes']);
      }
    }
  }
  return issues;
}
