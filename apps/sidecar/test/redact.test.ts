// The redaction helper every printer uses: URLs without credentials, configured secrets replaced wherever they
// appear, nothing else changed.
import { afterEach, describe, expect, it } from 'vitest';
import {
  clearSecrets,
  formatIssues,
  isSecretKey,
  redactText,
  redactUrl,
  registerConfigSecrets,
} from '../src/config/index.ts';
import { deadLetterTransform } from '../src/dead-letter-privacy.ts';
import { createJsonLogger } from '../src/service/logger.ts';
import { parseConfig } from '../src/config/index.ts';
import { createSidecarRegistry } from '../src/registry.ts';

afterEach(() => clearSecrets());

describe('redactUrl', () => {
  it('removes userinfo and the values of credential parameters, keeping everything else', () => {
    expect(
      redactUrl('https://user:pa55word@otlp.example.com:4318/v1/logs?tenant=a&token=t0k&api_key=k#x'),
    ).toBe('https://REDACTED@otlp.example.com:4318/v1/logs?tenant=a&token=REDACTED&api_key=REDACTED#x');
    expect(
      redactUrl(
        new URL('https://bucket.s3.amazonaws.com/o?X-Amz-Signature=abc&X-Amz-Credential=AKIA&sig=s&n=1'),
      ),
    ).toBe(
      'https://bucket.s3.amazonaws.com/o?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&sig=REDACTED&n=1',
    );
    expect(redactUrl('http://localhost:4318')).toBe('http://localhost:4318');
  });
});

describe('redactText', () => {
  it('cleans URLs, bare userinfo, loose token parameters and Bearer credentials inside messages', () => {
    expect(redactText('request to http://u:p@h:1/v1/logs?token=abc failed')).toBe(
      'request to http://REDACTED@h:1/v1/logs?token=REDACTED failed',
    );
    expect(redactText('got "svc:hunter22@collector:4318/?api_key=zz&page=2"')).toBe(
      'got "REDACTED@collector:4318/?api_key=REDACTED&page=2"',
    );
    expect(redactText('echo Authorization: Bearer eyJhbGciOi.payload.sig')).toBe(
      'echo Authorization: Bearer REDACTED',
    );
    const plain = 'exporters.otlp.endpoint: expected an http(s) URL, got "foo" at /srv/logpush (a@b.example)';
    expect(redactText(plain)).toBe(plain);
  });

  it('replaces every registered configuration secret, in plain, URL-encoded and JSON-escaped form', () => {
    registerConfigSecrets(
      {
        exporters: {
          'otlp/a': { headers: { 'dd-api-key': 'dd-0123456789', 'X-Scope-OrgID': 'tenant-one' } },
          s3: { access_key_id: 'AKIAEXAMPLE123', secret_access_key: 'wJalr/XUtnFEMI+K7MDENG"' },
          'otlp/b': { endpoint: 'https://x:p4ssw0rd-long@h/?sig=signature-value' },
        },
        receivers: { http: { secret: 'shared-secret-42', directory: '/srv/logpush', port: 8080 } },
        processors: { privacy: { ip: { hash_key_env: 'HMAC_KEY', mode: 'hash' } } },
      },
      { HMAC_KEY: 'hmac-key-from-env-0001' },
    );
    const message =
      'dd-0123456789 tenant-one AKIAEXAMPLE123 wJalr%2FXUtnFEMI%2BK7MDENG%22 "wJalr/XUtnFEMI+K7MDENG\\"" ' +
      'p4ssw0rd-long signature-value shared-secret-42 hmac-key-from-env-0001 /srv/logpush 8080 hash';
    expect(redactText(message)).toBe(
      'REDACTED REDACTED REDACTED REDACTED "REDACTED" REDACTED REDACTED REDACTED REDACTED /srv/logpush 8080 hash',
    );
  });

  it('knows which keys hold secrets', () => {
    for (const key of [
      'secret',
      'secret_access_key',
      'access_key_id',
      'hash_key',
      'password',
      'auth_token',
      'api_key',
    ])
      expect(isSecretKey(key), key).toBe(true);
    for (const key of ['directory', 'endpoint', 'dataset', 'object_key_limit', 'path'])
      expect(isSecretKey(key), key).toBe(false);
  });
});

describe('printers', () => {
  it('the log redacts every string field, nested ones and error messages included', () => {
    registerConfigSecrets({ headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' } }, {});
    const lines: string[] = [];
    const logger = createJsonLogger('debug', { write: (t: string) => lines.push(t) });
    logger.error('export failed for http://u:pw@h/?token=1', {
      error: new Error('server said Basic dXNlcjpwYXNzd29yZA=='),
      detail: { url: 'https://h/?access_token=abc' },
    });
    const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(record['msg']).toBe('export failed for http://REDACTED@h/?token=REDACTED');
    expect(record['error']).toBe('server said Basic REDACTED');
    expect(record['detail']).toEqual({ url: 'https://h/?access_token=REDACTED' });
  });

  it('config errors print no header value, even one given in the wrong shape', () => {
    const text = `
receivers:
  logpush_file: { directory: /srv/logpush }
exporters:
  otlp:
    endpoint: http://collector:4318
    headers: Bearer abcdef-123456-secret
service:
  pipelines:
    logs: { receivers: [logpush_file], exporters: [otlp] }
`;
    const result = parseConfig(text, { registry: createSidecarRegistry(), env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatIssues(result.issues)).toBe(
      '<inline>:7:5: exporters.otlp.headers: expected a mapping of names to strings, got "Bearer REDACTED"',
    );
  });

  it('dead-letter reasons lose secrets even without a privacy processor', () => {
    registerConfigSecrets({ headers: { 'x-api-key': 'key-abcdef-987654' } }, {});
    const text = `
receivers:
  logpush_file: { directory: /srv/logpush }
exporters:
  file: { path: /tmp/out.jsonl }
service:
  pipelines:
    logs: { receivers: [logpush_file], exporters: [file] }
`;
    const result = parseConfig(text, { registry: createSidecarRegistry(), env: {} });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    const transform = deadLetterTransform(result.config.graph);
    const letter = transform({
      reason: 'HTTP 401 from https://h/?token=zzz: key key-abcdef-987654 refused',
      component: 'exporters/otlp',
      source: 's',
      raw: '{"ClientIP":"203.0.113.77"}',
    });
    expect(letter.reason).toBe('HTTP 401 from https://h/?token=REDACTED: key REDACTED refused');
    expect(letter.raw).toBe('{"ClientIP":"203.0.113.77"}');
  });
});
