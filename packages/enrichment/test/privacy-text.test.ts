// The text-level privacy pass for lines that never parsed: the same IP rule as the record-level rules, values of
// dropped keys replaced, nothing else changed; and `dead_letter: raw` keeping the line as read on the entry.
import { describe, expect, it } from 'vitest';
import type { PrivacyPolicy } from '../src/index.ts';
import { PrivacyRules, privacyPreset, scrubText } from '../src/index.ts';
import { resolvePrivacyConfig } from '../src/privacy.ts';
import { entryOf, httpRecord } from './support/entries.ts';

const strict = new PrivacyRules(privacyPreset('strict'));
const defaults = new PrivacyRules(privacyPreset('default'));

function withIp(ip: Partial<PrivacyPolicy['ip']>, base = privacyPreset('default')): PrivacyRules {
  return new PrivacyRules({ ...base, ip: { ...base.ip, ...ip } });
}

describe('scrubText', () => {
  it('truncates IPv4 and IPv6 addresses anywhere in a torn line, by the policy prefixes', () => {
    const line =
      '{"ClientIP":"203.0.113.77","OriginIP":"2001:db8:abcd:12::77","Note":"via ::ffff:198.51.100.9","Ray';
    expect(scrubText(strict, line)).toBe(
      '{"ClientIP":"203.0.113.0","OriginIP":"2001:db8:abcd::","Note":"via ::ffff:198.51.100.0","Ray',
    );
    const wide = withIp({ v4Prefix: 16, v6Prefix: 32 });
    expect(scrubText(wide, '203.0.113.77 2001:db8:abcd:12::77')).toBe('203.0.0.0 2001:db8::');
    // CSV lines have no keys, the addresses are still found.
    expect(scrubText(strict, '8a1b,203.0.113.77,GET,/x')).toBe('8a1b,203.0.113.0,GET,/x');
  });

  it('hashes with the same key and result as the record-level rule, and empties addresses in drop mode', () => {
    const key = 'a-key-of-sixteen-chars';
    const rules = withIp({ mode: 'hash', key });
    const entry = entryOf('http_requests', httpRecord());
    rules.apply(entry);
    expect(scrubText(rules, '{"ClientIP":"203.0.113.77"')).toBe(
      `{"ClientIP":"${entry.record['ClientIP'] as string}"`,
    );
    expect(scrubText(withIp({ mode: 'drop' }), 'from 203.0.113.77 and 2001:db8::1')).toBe('from  and ');
    expect(scrubText(new PrivacyRules(privacyPreset('none')), 'from 203.0.113.77')).toBe('from 203.0.113.77');
  });

  it('leaves timestamps, versions, durations and hex identifiers alone', () => {
    const text =
      '{"EdgeStartTimestamp":"2026-11-22T03:10:00Z","Ver":"1.2.3.4.5","Took":"10:00:00","Ray":"dead:beef"}';
    expect(scrubText(strict, text)).toBe(text);
  });

  it('replaces the values of keys the policy drops: objects, strings, literals, torn values', () => {
    expect(scrubText(defaults, '{"Cookies":{"session":"abc","b":{"c":"d"}},"RayID":"1"}')).toBe(
      '{"Cookies":"REDACTED","RayID":"1"}',
    );
    expect(scrubText(defaults, '{"Cookies":"session=abc; x=\\"1\\"","RayID":"1"}')).toBe(
      '{"Cookies":"REDACTED","RayID":"1"}',
    );
    expect(scrubText(defaults, '{"RayID":"1","Cookies":{"session":"ab')).toBe(
      '{"RayID":"1","Cookies":"REDACTED"',
    );
    // strict drops header maps and e-mail fields too; default keeps them but not their credential headers.
    const headers = '{"RequestHeaders":{"cookie":"s=1","accept":"*/*"},"UserEmail":"a@example.com"}';
    expect(scrubText(strict, headers)).toBe('{"RequestHeaders":"REDACTED","UserEmail":"REDACTED"}');
    expect(scrubText(defaults, headers)).toBe(
      '{"RequestHeaders":{"cookie":"REDACTED","accept":"*/*"},"UserEmail":"a@example.com"}',
    );
  });

  it('keeps the host of a URL when asked (the backend named in an error message)', () => {
    const reason = 'HTTP 400 from http://10.0.0.5:4318/v1/logs: bad record of 203.0.113.77 via [2001:db8::1]';
    expect(scrubText(strict, reason, { keepUrlHosts: true })).toBe(
      'HTTP 400 from http://10.0.0.5:4318/v1/logs: bad record of 203.0.113.0 via [2001:db8::]',
    );
    expect(scrubText(strict, reason)).toContain('http://10.0.0.0:4318');
  });
});

describe('privacy dead_letter setting', () => {
  it('keeps the line as read on the entry with dead_letter: raw, and only then', () => {
    const resolved = resolvePrivacyConfig({ preset: 'strict', dead_letter: 'raw' }, 'processors.privacy');
    expect(resolved.issues).toEqual([]);
    const raw = entryOf('http_requests', httpRecord({ Cookies: { s: 'v' } }));
    const original = raw.raw;
    new PrivacyRules(resolved.policy as PrivacyPolicy).apply(raw);
    expect(raw.originalRaw).toBe(original);
    expect(raw.raw).not.toContain('203.0.113.77');

    const priv = entryOf('http_requests', httpRecord());
    strict.apply(priv);
    expect(priv.originalRaw).toBeUndefined();
    expect(resolvePrivacyConfig({ dead_letter: 'plain' }, 'processors.privacy').issues).toEqual([
      { path: 'processors.privacy.dead_letter', message: 'expected one of private, raw, got "plain"' },
    ]);
  });
});
