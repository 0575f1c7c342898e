// Data at rest stays private, checked as a user on a machine with the common umask 022 would see it: the bin
// spawned through `sh -c 'umask 022; exec ...'`, real files, a loopback backend that refuses records with 400.
// - every file and directory the sidecar creates is owner-only (or the configured file_mode);
// - with `privacy: {preset: strict}`, neither a record the backend refused nor a malformed line leaves a full
//   client IP or a cookie value in the dead-letter file, unless `dead_letter: raw`;
// - secrets configured in every place they can appear never show up in stdout, stderr, /metrics or written files.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/logpush-otel.js', import.meta.url));

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Spawned {
  /** Resolves with the `telemetry` URL of the `started` log line. */
  readonly telemetry: Promise<string>;
  readonly done: Promise<Finished>;
}

/** Runs the bin under umask 022 with only `env` (plus PATH). */
function spawnUnderUmask(args: readonly string[], env: Record<string, string> = {}): Spawned {
  const child = spawn('/bin/sh', ['-c', 'umask 022; exec "$0" "$@"', process.execPath, bin, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onTelemetry: (url: string) => void = () => undefined;
  const telemetry = new Promise<string>((resolve) => (onTelemetry = resolve));
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    const m = /"msg":"started".*?"telemetry":"(http:\/\/[^"]+)"/.exec(stderr);
    if (m?.[1] !== undefined) onTelemetry(m[1]);
  });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { telemetry, done };
}

/** A backend answering every request with 400 and `body(req)`, after `hold` resolves. */
async function refusingBackend(
  body: (req: IncomingMessage) => string,
  hold: Promise<unknown> = Promise.resolve(),
): Promise<{ server: Server; port: number; requests: number }> {
  const state = { server: undefined as unknown as Server, port: 0, requests: 0 };
  state.server = createServer((req, res) => {
    state.requests++;
    req.resume();
    req.on('end', () => {
      void hold.then(() => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(body(req));
      });
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

/** Every file and directory under `root` with its mode bits (root itself included). */
async function modesUnder(root: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  out.set(root, (await stat(root)).mode & 0o777);
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    out.set(path, (await stat(path)).mode & 0o777);
  }
  return out;
}

/** Every file under `root`, concatenated. */
async function contentsUnder(root: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) text += await readFile(join(entry.parentPath, entry.name), 'utf8');
  return text;
}

const CLIENT_IP = '203.0.113.77';
const CLIENT_IP6 = '2001:db8:abcd:12::77';
const MALFORMED_IP = '198.51.100.23';
const COOKIE = 'c00kie-value-1234';
const MALFORMED_COOKIE = 'torn-cookie-5678';

const goodLine = JSON.stringify({
  EdgeStartTimestamp: '2026-11-22T03:10:00Z',
  RayID: '8a1b2c3d4e5f6a7b',
  ClientIP: CLIENT_IP,
  OriginIP: CLIENT_IP6,
  ClientRequestHost: 'shop.example.com',
  ClientRequestMethod: 'GET',
  ClientRequestURI: '/cart?session=abc',
  EdgeResponseStatus: 200,
  Cookies: { session: COOKIE },
});
const malformedLine = `{"EdgeStartTimestamp":"2026-11-22T03:10:01Z","ClientIP":"${MALFORMED_IP}","Cookies":{"session":"${MALFORMED_COOKIE}"},"RayID":"8a1b`;

let dir = '';
let servers: Server[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpush-otel-private-'));
  await mkdir(join(dir, 'in'));
  await writeFile(join(dir, 'in', 'http_requests.log'), `${goodLine}\n${malformedLine}\n`);
});
afterEach(async () => {
  for (const s of servers) s.close();
  servers = [];
  await rm(dir, { recursive: true, force: true });
});

function config(port: number, privacy: string): string {
  return `
receivers:
  logpush_file:
    directory: in
    dataset: http_requests
    poll_interval: 100ms
processors:
  privacy:
${privacy}
exporters:
  otlp:
    endpoint: http://127.0.0.1:${port}
    retry_on_failure: { enabled: false }
  file:
    path: out/records/logs.jsonl
service:
  pipelines:
    logs:
      receivers: [logpush_file]
      processors: [privacy]
      exporters: [otlp, file]
  telemetry:
    metrics:
      address: 127.0.0.1:0
`;
}

async function runOnce(text: string): Promise<Finished> {
  await writeFile(join(dir, 'config.yaml'), text);
  return spawnUnderUmask(['run', '--config', join(dir, 'config.yaml'), '--once']).done;
}

interface Letter {
  component: string;
  reason: string;
  source: string;
  line: number | null;
  offset: number | null;
  raw: string;
}

async function deadLetters(): Promise<Letter[]> {
  const root = join(dir, '.logpush-otel', 'dead-letters');
  const text = await contentsUnder(root);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Letter);
}

describe('files the sidecar creates under umask 022', () => {
  it('are owner-only: checkpoints, journal, dead letters, file exporter output and their directories', async () => {
    const backend = await refusingBackend(() => `refused a record from ${CLIENT_IP}`);
    servers.push(backend.server);
    const run = await runOnce(config(backend.port, '    preset: strict'));
    expect(run.code, run.stderr).toBe(3);
    const modes = new Map([
      ...(await modesUnder(join(dir, '.logpush-otel'))),
      ...(await modesUnder(join(dir, 'out'))),
    ]);
    const names = [...modes.keys()].map((p) => p.slice(dir.length + 1)).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        '.logpush-otel/checkpoints',
        '.logpush-otel/checkpoints/logpush_file.checkpoints.json.journal',
        '.logpush-otel/dead-letters',
        expect.stringMatching(/^\.logpush-otel\/dead-letters\/dead-letters-\d{4}-\d\d-\d\d\.ndjson$/),
        'out',
        'out/records',
        'out/records/logs.jsonl',
      ]),
    );
    const readable = [...modes].filter(([, mode]) => (mode & 0o077) !== 0);
    expect(readable.map(([p, m]) => `${p} ${m.toString(8)}`)).toEqual([]);
    for (const [path, mode] of modes) expect(mode & 0o700, path).toBeGreaterThanOrEqual(0o600);
  });

  it('include the rejected lines `convert --errors FILE` writes', async () => {
    const errors = join(dir, 'rejected.ndjson');
    const run = await spawnUnderUmask(['convert', '--errors', errors, join(dir, 'in', 'http_requests.log')])
      .done;
    expect(run.code, run.stderr).toBe(3);
    expect(await readFile(errors, 'utf8')).toContain(MALFORMED_COOKIE);
    expect((await stat(errors)).mode & 0o777).toBe(0o600);
  });

  it('follow file_mode / dir_mode, and an existing world-readable file keeps its mode with one warning', async () => {
    const backend = await refusingBackend(() => 'no');
    servers.push(backend.server);
    await mkdir(join(dir, 'shared'), { mode: 0o755 });
    await writeFile(join(dir, 'shared', 'old.jsonl'), '', { mode: 0o644 });
    const text = config(backend.port, '    preset: strict')
      .replace(
        'path: out/records/logs.jsonl',
        'path: out/group/logs.jsonl\n    file_mode: "0640"\n    dir_mode: "0750"',
      )
      .replace('  file:\n', '  file/old:\n    path: shared/old.jsonl\n  file:\n')
      .replace('exporters: [otlp, file]', 'exporters: [otlp, file, file/old]');
    const run = await runOnce(text);
    expect(run.code, run.stderr).toBe(3);
    expect((await stat(join(dir, 'out', 'group'))).mode & 0o777).toBe(0o750);
    expect((await stat(join(dir, 'out', 'group', 'logs.jsonl'))).mode & 0o777).toBe(0o640);
    expect((await stat(join(dir, 'shared', 'old.jsonl'))).mode & 0o777).toBe(0o644);
    const warnings = run.stderr.split('\n').filter((l) => l.includes('readable by every local user'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(join(dir, 'shared', 'old.jsonl'));
  });

  it('refuses modes with bits for other users unless allow_world_readable: true', async () => {
    const base = config(1, '    preset: strict');
    await writeFile(
      join(dir, 'config.yaml'),
      `${base}storage:\n  file_mode: "0644"\n  dir_mode: 0750\n`.replace(
        'path: out/records/logs.jsonl',
        'path: out/logs.jsonl\n    file_mode: "0400"',
      ),
    );
    const bad = await spawnUnderUmask(['validate', '--config', join(dir, 'config.yaml')]).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'storage.file_mode: expected no permissions for other users (they would read record data), got "0644"; set allow_world_readable: true to allow it',
    );
    expect(bad.stderr).toContain(
      'storage.dir_mode: expected an octal mode in quotes such as "0640" (unquoted, YAML reads 0640 as the decimal number 640), got 750',
    );
    expect(bad.stderr).toContain(
      'exporters.file.file_mode: expected the owner to keep read and write (0600), or the sidecar cannot use it, got "0400"',
    );
    await writeFile(
      join(dir, 'config.yaml'),
      `${base}storage:\n  file_mode: "0644"\n  dir_mode: "0755"\n  allow_world_readable: true\n`,
    );
    const ok = await spawnUnderUmask(['validate', '--config', join(dir, 'config.yaml')]).done;
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('  storage modes: files 0644, directories 0755');
  });
});

describe('dead letters with privacy: {preset: strict}', () => {
  it('hold the record after privacy and a scrubbed malformed line: no full client IP, no cookie value', async () => {
    const backend = await refusingBackend(() => `cannot store record of client ${CLIENT_IP}`);
    servers.push(backend.server);
    const run = await runOnce(config(backend.port, '    preset: strict'));
    expect(run.code, run.stderr).toBe(3);
    const text = await contentsUnder(join(dir, '.logpush-otel', 'dead-letters'));
    for (const secret of [CLIENT_IP, CLIENT_IP6, MALFORMED_IP, COOKIE, MALFORMED_COOKIE])
      expect(text).not.toContain(secret);

    // The sidecar's own log repeats the backend's message: the same pass applies there.
    expect(run.stderr).toContain('cannot store record of client 203.0.113.0');
    for (const secret of [CLIENT_IP, MALFORMED_IP, COOKIE, MALFORMED_COOKIE])
      expect(run.stderr).not.toContain(secret);

    const letters = await deadLetters();
    const refused = letters.find((l) => l.component === 'exporters/otlp');
    const malformed = letters.find((l) => l.component === 'receivers/logpush_file');
    const source = join(dir, 'in', 'http_requests.log');
    // The refused record: after privacy, with the reason and the position of the raw line.
    expect(refused).toMatchObject({ source, line: 1, offset: 0 });
    expect(refused?.reason).toContain('HTTP 400');
    expect(refused?.reason).toContain('203.0.113.0');
    const record = JSON.parse(refused?.raw ?? '{}') as Record<string, unknown>;
    expect(record['ClientIP']).toBe('203.0.113.0');
    expect(record['OriginIP']).toBe('2001:db8:abcd::');
    expect(record['Cookies']).toBeUndefined();
    expect(record['ClientRequestURI']).toBe('/cart?session=REDACTED');
    expect(record['RayID']).toBe('8a1b2c3d4e5f6a7b');
    // The malformed line: the same IP rule, the cookie value replaced, the rest as read.
    expect(malformed).toMatchObject({ source, line: 2, offset: goodLine.length + 1 });
    expect(malformed?.raw).toBe(
      '{"EdgeStartTimestamp":"2026-11-22T03:10:01Z","ClientIP":"198.51.100.0","Cookies":"REDACTED","RayID":"8a1b',
    );
  });

  it('keep the raw lines for exact replay with dead_letter: raw', async () => {
    const backend = await refusingBackend(() => 'refused');
    servers.push(backend.server);
    const run = await runOnce(config(backend.port, '    preset: strict\n    dead_letter: raw'));
    expect(run.code, run.stderr).toBe(3);
    const letters = await deadLetters();
    expect(letters.find((l) => l.component === 'exporters/otlp')?.raw).toBe(goodLine);
    expect(letters.find((l) => l.component === 'receivers/logpush_file')?.raw).toBe(malformedLine);
    // What went to the other exporter is still private.
    const exported = await readFile(join(dir, 'out', 'records', 'logs.jsonl'), 'utf8');
    expect(exported).not.toContain(CLIENT_IP);
    expect(exported).not.toContain(COOKIE);
  });
});

describe('secrets', () => {
  const secrets = {
    BEARER: 'bearer-tok-9f8e7d6c5b4a',
    DD_KEY: 'ddkey-0a1b2c3d4e5f6071',
    URL_PASSWORD: 'url-pass-5566778899',
    URL_TOKEN: 'url-token-1122334455',
    URL_APIKEY: 'url-apikey-abcdefabcdef',
    URL_SIG: 'url-sig-99887766554433',
    HASH_KEY: 'hmac-key-0123456789abcdef',
    EXTRA: 'otel-env-header-77665544',
  };
  const env = { ...secrets, OTEL_EXPORTER_OTLP_HEADERS: `x-extra-key=${secrets.EXTRA}` };
  const values = Object.values(secrets);
  const leaked = (text: string): string[] => values.filter((s) => text.includes(s));

  function secretConfig(port: number): string {
    return `
receivers:
  logpush_file:
    directory: in
    dataset: http_requests
    poll_interval: 100ms
processors:
  privacy:
    preset: default
    ip:
      mode: hash
      hash_key_env: HASH_KEY
exporters:
  otlp:
    endpoint: http://svc:\${env:URL_PASSWORD}@127.0.0.1:${port}/?token=\${env:URL_TOKEN}&api_key=\${env:URL_APIKEY}&sig=\${env:URL_SIG}
    headers:
      Authorization: Bearer \${env:BEARER}
      dd-api-key: \${env:DD_KEY}
    retry_on_failure: { enabled: false }
service:
  pipelines:
    logs:
      receivers: [logpush_file]
      processors: [privacy]
      exporters: [otlp]
  telemetry:
    metrics:
      address: 127.0.0.1:0
`;
  }

  it('never reach validate output, config errors, logs, /metrics or written files', async () => {
    // A backend that echoes the credentials it was sent, and answers only after /metrics was read.
    let scraped: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => (scraped = resolve));
    const backend = await refusingBackend(
      (req) =>
        `bad request with ${String(req.headers['authorization'])} and ${String(req.headers['dd-api-key'])}` +
        ` at ${req.url ?? ''}`,
      hold,
    );
    servers.push(backend.server);
    const file = join(dir, 'config.yaml');
    await writeFile(file, secretConfig(backend.port));
    const printed: string[] = [];

    const valid = await spawnUnderUmask(['validate', '--config', file], env).done;
    expect(valid.code, valid.stderr).toBe(0);
    printed.push(valid.stdout, valid.stderr);

    // Secrets where validation complains about them.
    await writeFile(
      join(dir, 'bad.yaml'),
      secretConfig(backend.port)
        .replace(/endpoint: .*/, 'endpoint: svc:${env:URL_PASSWORD}@127.0.0.1:4318/?token=${env:URL_TOKEN}')
        .replace(/headers:\n.*\n.*\n/, 'headers: Bearer ${env:BEARER}\n')
        .replace('hash_key_env: HASH_KEY', 'hash_key_env: HASH_KEY\n      ipv4_prefix: ${env:HASH_KEY}')
        .replace('receivers:\n', 'receivers:\n  http:\n    secret: ${env:URL_PASSWORD}\n')
        .replace(
          'exporters:\n',
          `exporters:\n  s3:\n    access_key_id: \${env:URL_SIG}\n    secret_access_key: \${env:HASH_KEY}\n`,
        ),
    );
    const invalid = await spawnUnderUmask(['validate', '--config', join(dir, 'bad.yaml')], {
      ...env,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization:Bearer ${secrets.EXTRA}`,
    }).done;
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('exporters.otlp.endpoint: expected an http(s) URL');
    expect(invalid.stderr).toContain('OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs');
    expect(invalid.stderr).toContain('exporters.otlp.headers: expected a mapping of names to strings');
    printed.push(invalid.stdout, invalid.stderr);

    const running = spawnUnderUmask(['run', '--config', file, '--once'], env);
    const telemetry = await running.telemetry;
    const metrics = await (await fetch(`${telemetry}/metrics`)).text();
    expect(metrics).toContain('logpush_otel_ready 1');
    printed.push(metrics);
    scraped();
    const run = await running.done;
    expect(run.code, run.stderr).toBe(3);
    expect(backend.requests).toBeGreaterThan(0);
    expect(run.stderr).toContain('the backend refused the request for good: HTTP 400');
    expect(run.stderr).toContain('http://REDACTED@127.0.0.1');
    printed.push(run.stdout, run.stderr, await contentsUnder(join(dir, '.logpush-otel')));

    expect(leaked(printed.join('\n'))).toEqual([]);
  });
});
