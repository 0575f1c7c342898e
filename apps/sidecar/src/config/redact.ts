// Keeping secrets out of everything the sidecar prints: its log, `validate` output, configuration errors, error
// messages, dead-letter reasons and /metrics. Two mechanisms, one helper:
// - URLs are printed without credentials: userinfo and the values of credential-like query parameters (`token`,
//   `api_key`, `sig`, `X-Amz-Signature`...: the privacy processor's list) become REDACTED;
// - every value the configuration holds under a secret-like key (header values, `secret`, `hash_key`,
//   `secret_access_key`, `password`, `*_token`..., and what `*_env` keys point to) is registered when the
//   configuration is loaded and replaced wherever it would be printed, whatever shape the message has.
import { defaultSensitiveParamPatterns, defaultSensitiveParams } from '@logpush-otel/enrichment';
import { isPlainObject } from '@logpush-otel/pipeline';
import type { Env } from './env.ts';

/** What a secret becomes when printed. */
export const REDACTED = 'REDACTED';

/** Registered secrets shorter than this are not replaced (they would mangle ordinary words and numbers). */
const MIN_SECRET_LENGTH = 6;

const sensitiveNames = new Set(defaultSensitiveParams.map((p) => p.toLowerCase()));
const sensitivePatterns = defaultSensitiveParamPatterns.map((p) => new RegExp(p, 'i'));
const known = new Set<string>();
let knownSorted: string[] = [];

/** A configuration key whose value is a credential (`secret`, `hash_key`, `access_key_id`, `password`...). */
export function isSecretKey(key: string): boolean {
  return /secret|passw|token|credential|authoriz|api[_-]?key|apikey|access[_-]?key|hash[_-]?key|private[_-]?key|signature|^auth$|^key$/i.test(
    key,
  );
}

function isSensitiveParam(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // keep the name as written
  }
  const lower = decoded.toLowerCase();
  return sensitiveNames.has(lower) || sensitivePatterns.some((p) => p.test(lower));
}

/** Remembers `value` as a secret: it is replaced by REDACTED in everything {@link redactText} handles. */
export function registerSecret(value: string): void {
  const v = value.trim();
  if (v.length < MIN_SECRET_LENGTH || known.has(v)) return;
  // As written, and in the forms a URL or a JSON string would show it in.
  for (const form of [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)]) known.add(form);
  // Longest first, so a secret containing another is replaced whole.
  knownSorted = [...known].sort((a, b) => b.length - a.length);
}

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  known.clear();
  knownSorted = [];
}

/**
 * `url` without credentials: `user:password@` becomes `REDACTED@`, and the value of every credential-like query
 * parameter becomes REDACTED. Text that is not a URL goes through {@link redactText}.
 */
export function redactUrl(url: string | URL): string {
  const text = typeof url === 'string' ? url : url.href;
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)([^?#\s]*)(\?[^#\s]*)?(#\S*)?$/i.exec(text);
  if (m === null) return redactText(text);
  const [, scheme = '', authority = '', path = '', query, fragment] = m;
  const at = authority.lastIndexOf('@');
  const host = at === -1 ? authority : `${REDACTED}@${authority.slice(at + 1)}`;
  let q = query ?? '';
  if (q !== '') {
    q = `?${q
      .slice(1)
      .split('&')
      .map((part) => {
        const eq = part.indexOf('=');
        return eq > 0 && isSensitiveParam(part.slice(0, eq)) ? `${part.slice(0, eq)}=${REDACTED}` : part;
      })
      .join('&')}`;
  }
  return replaceKnown(`${scheme}${host}${path}${q}${fragment ?? ''}`);
}

function replaceKnown(text: string): string {
  let out = text;
  for (const secret of knownSorted) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token|ApiKey)\s+[A-Za-z0-9._~+/=-]{6,}/g;
/** `?name=value` / `&name=value` outside a recognisable URL (the value of a sensitive name is replaced). */
const QUERY_PARAM = /([?&])([^=&\s"'#?]+)=([^&\s"'#]*)/g;
/** `user:password@host` without a scheme (an endpoint written without `http://`). */
const BARE_USERINFO = /(?<![\w.:/@-])[\w.%~-]+:[^\s/@"']+@(?=[\w[])/g;

/**
 * `text` safe to print: URLs in it without credentials ({@link redactUrl}), `Bearer <token>` style credentials
 * and every registered secret replaced by REDACTED.
 */
export function redactText(text: string): string {
  if (text === '') return text;
  const urls = text
    .replace(URL_IN_TEXT, (u) => {
      // Punctuation after a URL belongs to the sentence (`failed: ...`, `(see http://h/).`).
      const tail = /[.,:;!?)\]]+$/.exec(u)?.[0] ?? '';
      return redactUrl(u.slice(0, u.length - tail.length)) + tail;
    })
    .replace(BARE_USERINFO, `${REDACTED}@`)
    .replace(QUERY_PARAM, (whole, sep: string, name: string, value: string) =>
      isSensitiveParam(name) ? `${sep}${name}=${REDACTED}${/[.,:;!?)\]]+$/.exec(value)?.[0] ?? ''}` : whole,
    );
  return replaceKnown(urls.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`));
}

/**
 * Registers the secrets of a configuration document (after `${env:...}` substitution and the OTEL_* variables):
 * every value under `headers`, every value under a secret-like key ({@link isSecretKey}), the variable a
 * secret-like `*_env` key names, and the password of any URL.
 */
export function registerConfigSecrets(doc: unknown, env: Env): void {
  const walk = (node: unknown, secret: boolean, key: string): void => {
    if (typeof node === 'string') {
      if (secret) registerSecret(node);
      else if (/_env$/i.test(key) && isSecretKey(key.slice(0, -4))) registerSecret(env[node] ?? '');
      else if (node.includes('://')) registerUrlSecrets(node);
      return;
    }
    if (typeof node === 'number' || typeof node === 'bigint') {
      if (secret) registerSecret(String(node));
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) walk(item, secret, key);
      return;
    }
    if (!isPlainObject(node)) return;
    for (const [k, v] of Object.entries(node))
      walk(
        v,
        secret || k.toLowerCase() === 'headers' || (isSecretKey(k) && !/_(env|file|path)$/i.test(k)),
        k,
      );
  };
  walk(doc, false, '');
}

function registerUrlSecrets(text: string): void {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return;
  }
  if (url.password !== '') registerSecret(decodeURIComponent(url.password));
  for (const [name, value] of url.searchParams) if (isSensitiveParam(name)) registerSecret(value);
}
