// The text-level privacy pass: for text that never became a record (a line that did not parse, a backend's error
// message), so the record-level rules of PrivacyRules cannot run. It applies what can be found in plain text by
// the same policy: IP addresses truncated or hashed by the same rule, and the values of JSON keys the policy drops
// (`Cookies`, header maps...) or that carry credentials (`cookie`, `authorization`) replaced.
import { isIP } from 'node:net';
import { SECRET_HEADERS } from './privacy.ts';
import type { PrivacyRules } from './privacy.ts';

/** What a redacted value becomes in text. */
export const TEXT_REDACTED = 'REDACTED';

/** Candidates: IPv4 dotted quads not inside a longer dotted number. */
const IPV4 = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d]|\.\d)/g;
/** Candidates: runs of hex digits, colons and dots holding at least two colons (validated by node:net). */
const IPV6 = /(?<![0-9A-Za-z_])[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*/g;
/** A JSON object key followed by its colon. */
const JSON_KEY = /"((?:[^"\\]|\\.){1,200})"\s*:\s*/g;

/** Index just past the JSON value starting at `start` (a string, object, array or literal); the end when torn. */
function endOfJsonValue(text: string, start: number): number {
  const first = text[start];
  if (first === '"') {
    for (let i = start + 1; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') return i + 1;
    }
    return text.length;
  }
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (c === '"') i = endOfJsonValue(text, i) - 1;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  let i = start;
  while (i < text.length && !',}]\n'.includes(text[i] ?? '')) i++;
  return i;
}

function keyIsRedacted(rules: PrivacyRules, key: string): boolean {
  const policy = rules.policy;
  if (policy.dropFields.includes(key) || policy.dropFieldPatterns.some((p) => p.test(key))) return true;
  const changesAnything = policy.ip.mode !== 'keep' || policy.query.mode !== 'keep';
  return changesAnything && SECRET_HEADERS.has(key.toLowerCase());
}

/** `text` with the value of every JSON key the policy removes replaced by `"REDACTED"`. */
function redactKeys(rules: PrivacyRules, text: string): string {
  let out = '';
  let from = 0;
  JSON_KEY.lastIndex = 0;
  for (let m = JSON_KEY.exec(text); m !== null; m = JSON_KEY.exec(text)) {
    if (m.index < from) continue;
    const valueStart = m.index + m[0].length;
    if (!keyIsRedacted(rules, m[1] ?? '') || valueStart >= text.length) continue;
    const end = endOfJsonValue(text, valueStart);
    out += `${text.slice(from, valueStart)}"${TEXT_REDACTED}"`;
    from = end;
    JSON_KEY.lastIndex = end;
  }
  return out + text.slice(from);
}

/** One address after the policy's IP rule ('' when the rule drops addresses). */
function scrubAddress(rules: PrivacyRules, ip: string): string {
  return rules.policy.ip.mode === 'drop' ? '' : rules.scrubIp(ip);
}

/** Whether the address at `offset` is the host of a URL (`http://10.0.0.5:4318`, `http://[::1]`, `user@host`). */
function isUrlHost(text: string, offset: number): boolean {
  const before = text.slice(Math.max(0, offset - 4), offset);
  return before.endsWith('://') || before.endsWith('://[') || before.endsWith('@');
}

function scrubIps(rules: PrivacyRules, text: string, keepUrlHosts: boolean): string {
  if (rules.policy.ip.mode === 'keep') return text;
  const v6 = text.replace(IPV6, (token: string, offset: number) => {
    if (keepUrlHosts && isUrlHost(text, offset)) return token;
    // A trailing dot or colon may belong to the sentence rather than to the address.
    for (const candidate of [token, token.replace(/\.+$/, ''), token.replace(/:$/, '')]) {
      if (isIP(candidate) === 6) return scrubAddress(rules, candidate) + token.slice(candidate.length);
    }
    return token;
  });
  return v6.replace(IPV4, (token: string, offset: number) =>
    isIP(token) !== 4 || (keepUrlHosts && isUrlHost(v6, offset)) ? token : scrubAddress(rules, token),
  );
}

/** Options of {@link scrubText}. */
export interface ScrubTextOptions {
  /**
   * Keep addresses that are the host of a URL (default false): for messages that name the sidecar's own backend
   * (`HTTP 400 from http://10.0.0.5:4318/v1/logs`), not a client.
   */
  readonly keepUrlHosts?: boolean;
}

/**
 * `text` after the text-level pass of `rules`: JSON values of keys the policy drops (and of credential headers)
 * become `"REDACTED"` (also in a torn line: up to its end), then IPv4 and IPv6 addresses anywhere are truncated
 * or hashed as the policy's IP rule says. For text that never parsed; a parsed record goes through
 * {@link PrivacyRules.apply} instead.
 */
export function scrubText(rules: PrivacyRules, text: string, options: ScrubTextOptions = {}): string {
  if (text === '') return text;
  return scrubIps(rules, redactKeys(rules, text), options.keepUrlHosts === true);
}
