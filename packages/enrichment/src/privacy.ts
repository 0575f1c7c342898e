import { isIP } from 'node:net';
import { ConfigReader } from '@logpush-otel/pipeline';
import type { AnyValue, JsonValue, LogEntry, ProcessorFactory } from '@logpush-otel/pipeline';
import { fieldKind } from './field-kinds.ts';
import { hashIp, truncateIp } from './ip.ts';
import { entryProcessor } from './processor.ts';
import { recordToJson } from './record-json.ts';

/** What happens to IP addresses. */
export type IpMode = 'keep' | 'truncate' | 'hash' | 'drop';
/** What happens to query strings: listed parameters' values replaced or removed, all values replaced, or all dropped. */
export type QueryMode = 'keep' | 'redact' | 'remove' | 'redact_all' | 'drop';

/** A resolved privacy policy (what the `privacy` processor runs). */
export interface PrivacyPolicy {
  ip: {
    mode: IpMode;
    v4Prefix: number;
    v6Prefix: number;
    /** HMAC key for `hash` mode. */
    key?: string;
    /** Field names treated as IP fields besides those the name rule finds (`ClientIP`, `OriginIP`, `SourceIP`...). */
    fields: readonly string[];
  };
  query: {
    mode: QueryMode;
    /** Parameter names (case-insensitive) for `redact` and `remove`. */
    params: readonly string[];
    /** Parameter name patterns for `redact` and `remove`. */
    patterns: readonly RegExp[];
    replacement: string;
    /** Field names holding URLs besides those the name rule finds (`ClientRequestURI`, `ClientRequestQuery`...). */
    fields: readonly string[];
  };
  /** Fields removed from every record. */
  dropFields: readonly string[];
  dropFieldPatterns: readonly RegExp[];
  /** Replace `entry.raw` with the scrubbed record as JSON when a rule changed something (default true). */
  rewriteRaw: boolean;
  /**
   * What dead letters hold: `private` (default) the record after these rules, and lines that never parsed after
   * a text-level pass; `raw` the line as read, for an exact replay (the entry keeps it as `originalRaw`).
   */
  deadLetter?: 'private' | 'raw';
}

/** Query parameters that carry credentials (the semconv redaction list plus common token names). */
export const defaultSensitiveParams: readonly string[] = [
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Goog-Credential',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'auth',
  'authorization',
  'api_key',
  'apikey',
  'api-key',
  'key',
  'secret',
  'client_secret',
  'password',
  'passwd',
  'pwd',
  'session',
  'sessionid',
  'jwt',
  'code',
  'email',
];
/** Parameter name patterns that carry credentials. */
export const defaultSensitiveParamPatterns: readonly string[] = ['token$', 'secret', 'passw', '^auth'];

/** Fields the `strict` preset removes: cookies, header maps, request content and personal identifiers. */
export const strictDropFields: readonly string[] = [
  'Cookies',
  'RequestHeaders',
  'ResponseHeaders',
  'Headers',
  'AddedHeaders',
  'SetHeaders',
  'DeletedHeaders',
  'Metadata',
  'WAFMatchedVar',
  'FraudUserID',
  'Payload',
];
/** Field name patterns the `strict` preset removes (e-mail addresses and user names). */
export const strictDropFieldPatterns: readonly string[] = ['Email$', 'EmailAddress$', '^(User|Actor)Name$'];

/** The named policies: `none` changes nothing, `default` and `strict` are documented in the README. */
export function privacyPreset(name: 'none' | 'default' | 'strict'): PrivacyPolicy {
  const patterns = defaultSensitiveParamPatterns.map((p) => new RegExp(p, 'i'));
  switch (name) {
    case 'none':
      return {
        ip: { mode: 'keep', v4Prefix: 24, v6Prefix: 48, fields: [] },
        query: { mode: 'keep', params: [], patterns: [], replacement: 'REDACTED', fields: [] },
        dropFields: [],
        dropFieldPatterns: [],
        rewriteRaw: true,
      };
    case 'default':
      return {
        ip: { mode: 'truncate', v4Prefix: 24, v6Prefix: 48, fields: [] },
        query: {
          mode: 'redact',
          params: defaultSensitiveParams,
          patterns,
          replacement: 'REDACTED',
          fields: [],
        },
        dropFields: ['Cookies'],
        dropFieldPatterns: [],
        rewriteRaw: true,
      };
    case 'strict':
      return {
        ip: { mode: 'truncate', v4Prefix: 24, v6Prefix: 48, fields: [] },
        query: {
          mode: 'redact_all',
          params: defaultSensitiveParams,
          patterns,
          replacement: 'REDACTED',
          fields: [],
        },
        dropFields: strictDropFields,
        dropFieldPatterns: strictDropFieldPatterns.map((p) => new RegExp(p)),
        rewriteRaw: true,
      };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** A compiled query rule. */
class QueryScrubber {
  readonly mode: QueryMode;
  readonly #names: Set<string>;
  readonly #patterns: readonly RegExp[];
  readonly #replacement: string;

  constructor(query: PrivacyPolicy['query']) {
    this.mode = query.mode;
    this.#names = new Set(query.params.map((p) => p.toLowerCase()));
    this.#patterns = query.patterns;
    this.#replacement = encodeURIComponent(query.replacement);
  }

  #sensitive(rawName: string): boolean {
    const name = safeDecode(rawName).toLowerCase();
    return this.#names.has(name) || this.#patterns.some((p) => p.test(name));
  }

  /** `query` (without the leading `?`) scrubbed per the rule. */
  scrubQuery(query: string): string {
    if (this.mode === 'keep' || query === '') return query;
    if (this.mode === 'drop') return '';
    const out: string[] = [];
    for (const part of query.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      if (this.mode === 'redact_all') {
        out.push(eq < 0 ? this.#replacement : `${name}=${this.#replacement}`);
      } else if (this.#sensitive(name)) {
        if (this.mode === 'redact') out.push(eq < 0 ? name : `${name}=${this.#replacement}`);
      } else {
        out.push(part);
      }
    }
    return out.join('&');
  }

  /** A URL or request target with its query string scrubbed (fragment kept; `user:pass@` removed). */
  scrubUrl(url: string): string {
    let u = url;
    const scheme = u.indexOf('://');
    if (scheme > 0) {
      const hostStart = scheme + 3;
      let hostEnd = u.length;
      for (const ch of ['/', '?', '#']) {
        const i = u.indexOf(ch, hostStart);
        if (i >= 0 && i < hostEnd) hostEnd = i;
      }
      const at = u.lastIndexOf('@', hostEnd);
      if (at >= hostStart) u = u.slice(0, hostStart) + u.slice(at + 1);
    }
    if (this.mode === 'keep') return u;
    const q = u.indexOf('?');
    if (q < 0) return u;
    const hash = u.indexOf('#', q);
    const end = hash < 0 ? u.length : hash;
    const scrubbed = this.scrubQuery(u.slice(q + 1, end));
    return `${u.slice(0, scrubbed === '' ? q : q + 1)}${scrubbed}${u.slice(end)}`;
  }

  /** A bare query-string field (ClientRequestQuery), with or without its leading `?`. */
  scrubQueryField(value: string): string {
    if (value.startsWith('?')) {
      const s = this.scrubQuery(value.slice(1));
      return s === '' ? '' : `?${s}`;
    }
    return this.scrubQuery(value);
  }
}

type Action = 'keep' | 'drop' | 'ip' | 'url' | 'query' | 'headers';

const IP_HEADERS = new Set([
  'x-forwarded-for',
  'cf-connecting-ip',
  'true-client-ip',
  'x-real-ip',
  'forwarded',
  'cf-connecting-ipv6',
]);
const URL_HEADERS = new Set(['referer', 'location', 'content-location', 'origin']);
/** Header names whose values are credentials: removed by every policy that changes anything. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'cookie',
  'set-cookie',
  'authorization',
  'proxy-authorization',
]);

/** Applies a {@link PrivacyPolicy} to records; create once, use for many records. */
export class PrivacyRules {
  readonly policy: PrivacyPolicy;
  readonly #query: QueryScrubber;
  readonly #actions = new Map<string, Action>();
  readonly #ipFields: Set<string>;
  readonly #urlFields: Set<string>;
  readonly #dropFields: Set<string>;

  constructor(policy: PrivacyPolicy) {
    if (policy.ip.mode === 'hash' && (policy.ip.key === undefined || policy.ip.key === '')) {
      throw new Error('privacy: ip.mode hash expected a key (hash_key or hash_key_env), got none');
    }
    this.policy = policy;
    this.#query = new QueryScrubber(policy.query);
    this.#ipFields = new Set(policy.ip.fields);
    this.#urlFields = new Set(policy.query.fields);
    this.#dropFields = new Set(policy.dropFields);
  }

  #action(key: string): Action {
    let a = this.#actions.get(key);
    if (a !== undefined) return a;
    if (this.#dropFields.has(key) || this.policy.dropFieldPatterns.some((p) => p.test(key))) a = 'drop';
    else if (this.#ipFields.has(key)) a = 'ip';
    else if (this.#urlFields.has(key)) a = 'url';
    else {
      const kind = fieldKind(key);
      a =
        kind === 'ip'
          ? 'ip'
          : kind === 'url'
            ? 'url'
            : kind === 'query'
              ? 'query'
              : kind === 'headers'
                ? 'headers'
                : 'keep';
    }
    if (a === 'ip' && this.policy.ip.mode === 'keep') a = 'keep';
    if ((a === 'url' || a === 'query') && this.policy.query.mode === 'keep') a = 'keep';
    if (this.#actions.size < 10_000) this.#actions.set(key, a);
    return a;
  }

  /** One IP value scrubbed: truncated or hashed; non-IP text is hashed in hash mode and kept otherwise. */
  scrubIp(value: string): string {
    const ip = this.policy.ip;
    if (value === '' || ip.mode === 'keep') return value;
    if (ip.mode === 'hash') return hashIp(value, ip.key ?? '');
    const slash = value.indexOf('/');
    if (slash > 0) {
      const t = truncateIp(value.slice(0, slash), { v4: ip.v4Prefix, v6: ip.v6Prefix });
      if (t === undefined) return value;
      const bits = Number(value.slice(slash + 1));
      const max = isIP(t) === 4 ? ip.v4Prefix : ip.v6Prefix;
      return `${t}/${Number.isInteger(bits) ? Math.min(bits, max) : max}`;
    }
    if (value.includes(','))
      return value
        .split(',')
        .map((part) => this.scrubIp(part.trim()))
        .join(', ');
    return truncateIp(value, { v4: ip.v4Prefix, v6: ip.v6Prefix }) ?? value;
  }

  #scrubValue(action: 'ip' | 'url' | 'query', v: JsonValue): JsonValue {
    const one = (s: string): string =>
      action === 'ip'
        ? this.scrubIp(s)
        : action === 'url'
          ? this.#query.scrubUrl(s)
          : this.#query.scrubQueryField(s);
    if (typeof v === 'string') return one(v);
    if (Array.isArray(v)) return v.map((item) => (typeof item === 'string' ? one(item) : item));
    return v;
  }

  /** One header after the rules: undefined when it must go (credentials), else its (scrubbed) value. */
  #header(name: string, value: JsonValue): JsonValue | undefined {
    const n = name.trim().toLowerCase();
    if (SECRET_HEADERS.has(n) && (this.policy.query.mode !== 'keep' || this.policy.ip.mode !== 'keep'))
      return undefined;
    if (IP_HEADERS.has(n) && this.policy.ip.mode !== 'keep') {
      return this.policy.ip.mode === 'drop' ? undefined : this.#scrubValue('ip', value);
    }
    if (URL_HEADERS.has(n)) return this.#scrubValue('url', value);
    return value;
  }

  /** A `Name: value` header line after the rules, or undefined when it must go. */
  #headerLine(line: string): string | undefined {
    const colon = line.indexOf(':');
    if (colon <= 0) return line;
    const value = this.#header(line.slice(0, colon), line.slice(colon + 1).trim());
    return value === undefined
      ? undefined
      : `${line.slice(0, colon)}: ${typeof value === 'string' ? value : ''}`;
  }

  /** Header maps (`{name: value}`), header line lists and header text (`Name: value` per line). */
  #scrubHeaders(v: JsonValue): JsonValue {
    if (typeof v === 'string') {
      return v
        .split('\n')
        .map((l) => this.#headerLine(l.replace(/\r$/, '')))
        .filter((l): l is string => l !== undefined)
        .join('\n');
    }
    if (Array.isArray(v)) {
      return v
        .map((x) => (typeof x === 'string' ? this.#headerLine(x) : x))
        .filter((x): x is JsonValue => x !== undefined);
    }
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, JsonValue> = {};
    for (const [name, hv] of Object.entries(v)) {
      const scrubbed = this.#header(name, hv);
      if (scrubbed !== undefined) out[name] = scrubbed;
    }
    return out;
  }

  /**
   * Scrubs `entry` in place: its record (IP fields, URL and query fields, header maps, dropped fields), IPs that
   * earlier processors copied into `entry.attributes` (indicators), and `entry.raw` (rewritten as the scrubbed
   * record's JSON when anything changed, so `body: original` and dead letters cannot leak). Returns whether
   * anything changed.
   */
  apply(entry: LogEntry): boolean {
    const record = entry.record;
    let changed = false;
    for (const key of Object.keys(record)) {
      const action = this.#action(key);
      if (action === 'keep') continue;
      const v = record[key];
      if (v === undefined || v === null) continue;
      if (action === 'drop' || (action === 'ip' && this.policy.ip.mode === 'drop')) {
        delete record[key];
        changed = true;
        continue;
      }
      const next = action === 'headers' ? this.#scrubHeaders(v) : this.#scrubValue(action, v);
      if (!sameJson(next, v)) {
        record[key] = next;
        changed = true;
      }
    }
    if (this.policy.ip.mode !== 'keep') this.#scrubAttributes(entry);
    if (changed && this.policy.rewriteRaw) {
      if (this.policy.deadLetter === 'raw') entry.originalRaw ??= entry.raw;
      rewriteRawLazily(entry);
    }
    return changed;
  }

  #scrubAttributes(entry: LogEntry): void {
    const attrs = entry.attributes;
    for (const key of Object.keys(attrs)) {
      const v: AnyValue | undefined = attrs[key];
      if (typeof v === 'string' && isIP(v) !== 0) {
        if (this.policy.ip.mode === 'drop') delete attrs[key];
        else attrs[key] = this.scrubIp(v);
      } else if (Array.isArray(v) && v.some((x) => typeof x === 'string' && isIP(x) !== 0)) {
        const scrubbed = v
          .map((x) =>
            typeof x === 'string' && isIP(x) !== 0
              ? this.policy.ip.mode === 'drop'
                ? undefined
                : this.scrubIp(x)
              : x,
          )
          .filter((x): x is AnyValue => x !== undefined);
        attrs[key] = [...new Set(scrubbed)];
      }
    }
  }
}

/**
 * Replaces `entry.raw` with the scrubbed record's JSON, computed on first read (most pipelines never read it:
 * only `body: original` and dead letters do). Assigning `raw` later stores the assigned value.
 */
function rewriteRawLazily(entry: LogEntry): void {
  let text: string | undefined;
  Object.defineProperty(entry, 'raw', {
    configurable: true,
    enumerable: true,
    get(): string {
      text ??= recordToJson(entry.record);
      return text;
    },
    set(value: string) {
      Object.defineProperty(entry, 'raw', { value, writable: true, configurable: true, enumerable: true });
    },
  });
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameJson(x, b[i] ?? null));
  if (
    a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && sameJson(a[k] ?? null, b[k] ?? null));
  }
  return false;
}

/** Config of the `privacy` processor, as written in YAML (every key optional; the preset fills the rest). */
export interface PrivacyConfig {
  preset: 'none' | 'default' | 'strict';
  ip?: {
    mode?: IpMode;
    ipv4_prefix?: number;
    ipv6_prefix?: number;
    hash_key?: string;
    hash_key_env?: string;
    fields?: string[];
  };
  query?: {
    mode?: QueryMode;
    params?: string[];
    patterns?: string[];
    replacement?: string;
    fields?: string[];
  };
  drop_fields?: string[];
  drop_field_patterns?: string[];
  rewrite_raw?: boolean;
  /** `private` (default) or `raw`: see {@link PrivacyPolicy.deadLetter}. */
  dead_letter?: 'private' | 'raw';
  /** Resolved by validate: the policy create() runs. */
  policy?: PrivacyPolicy;
}

/** Validates a privacy config and resolves it, over its preset, into a {@link PrivacyPolicy}. */
export function resolvePrivacyConfig(
  config: unknown,
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): { policy: PrivacyPolicy | undefined; issues: { path: string; message: string }[] } {
  const r = new ConfigReader(config, path);
  const preset = r.oneOf('preset', ['none', 'default', 'strict'] as const, 'default');
  const base = privacyPreset(preset);

  const ipR = r.section('ip');
  const ipMode = ipR.oneOf('mode', ['keep', 'truncate', 'hash', 'drop'] as const, base.ip.mode);
  const v4Prefix = ipR.number('ipv4_prefix', base.ip.v4Prefix, { integer: true, min: 0, max: 32 });
  const v6Prefix = ipR.number('ipv6_prefix', base.ip.v6Prefix, { integer: true, min: 0, max: 128 });
  let key = ipR.optionalString('hash_key', { nonEmpty: true });
  const keyEnv = ipR.optionalString('hash_key_env', { nonEmpty: true });
  if (key === undefined && keyEnv !== undefined) {
    key = env[keyEnv];
    if (key === undefined || key === '') {
      ipR.issue(
        'hash_key_env',
        `expected environment variable ${keyEnv} to hold the HMAC key, but it is not set`,
      );
    }
  }
  if (ipMode === 'hash') {
    if (key === undefined && keyEnv === undefined) {
      ipR.issue(
        'mode',
        'hash expected a secret key: set hash_key_env (the environment variable holding it) or hash_key',
      );
    } else if (key !== undefined && key.length < 16) {
      ipR.issue(
        keyEnv === undefined ? 'hash_key' : 'hash_key_env',
        `expected a key of at least 16 characters, got ${key.length}`,
      );
    }
  }
  const ipFields = ipR.stringList('fields', [], { nonEmptyItems: true });

  const qR = r.section('query');
  const qMode = qR.oneOf(
    'mode',
    ['keep', 'redact', 'remove', 'redact_all', 'drop'] as const,
    base.query.mode,
  );
  const params = qR.stringList('params', base.query.params, { nonEmptyItems: true });
  const patterns = qR.has('patterns') ? qR.regexList('patterns', [], 'i') : [...base.query.patterns];
  const replacement = qR.string('replacement', base.query.replacement);
  const qFields = qR.stringList('fields', [], { nonEmptyItems: true });

  const dropFields = [...base.dropFields, ...r.stringList('drop_fields', [], { nonEmptyItems: true })];
  const dropPatterns = [...base.dropFieldPatterns, ...r.regexList('drop_field_patterns', [])];
  const rewriteRaw = r.boolean('rewrite_raw', true);
  const deadLetter = r.oneOf('dead_letter', ['private', 'raw'] as const, 'private');

  const issues = r.allIssues();
  if (issues.length > 0) return { policy: undefined, issues };
  const policy: PrivacyPolicy = {
    ip: { mode: ipMode, v4Prefix, v6Prefix, fields: ipFields, ...(key === undefined ? {} : { key }) },
    query: { mode: qMode, params, patterns, replacement, fields: qFields },
    dropFields,
    dropFieldPatterns: dropPatterns,
    rewriteRaw,
    deadLetter,
  };
  return { policy, issues: [] };
}

/** `privacy` processor: IP truncation or keyed hashing, query scrubbing, field drops (see the README for presets). */
export const privacyProcessorFactory: ProcessorFactory<PrivacyConfig> = {
  type: 'privacy',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({ preset: 'default' }),
  validate(config, path) {
    const { policy, issues } = resolvePrivacyConfig(config, path);
    if (policy === undefined) return { ok: false, issues };
    const c = (config ?? {}) as PrivacyConfig;
    return { ok: true, config: { ...c, preset: c.preset ?? 'default', policy } };
  },
  create(settings, config, next) {
    const policy = config.policy ?? resolveOrThrow(config);
    const rules = new PrivacyRules(policy);
    // Fail closed: a record the rules cannot scrub is dead-lettered (local disk), never passed on.
    return entryProcessor(
      settings,
      next,
      (entry) => {
        rules.apply(entry);
      },
      {},
      'dead-letter',
    );
  },
};

function resolveOrThrow(config: PrivacyConfig): PrivacyPolicy {
  const { policy, issues } = resolvePrivacyConfig(config, 'privacy');
  if (policy === undefined) throw new Error(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return policy;
}
