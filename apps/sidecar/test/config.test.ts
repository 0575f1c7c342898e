import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssues, loadConfig, parseConfig, substituteEnv } from '../src/config/index.ts';
import type { Env, LoadResult, SidecarConfig } from '../src/config/index.ts';
import { createSidecarRegistry } from '../src/registry.ts';

const registry = createSidecarRegistry();

const minimal = `
receivers:
  logpush_file:
    directory: /var/log/logpush
exporters:
  otlp:
    endpoint: http://collector:4318
service:
  pipelines:
    logs:
      receivers: [logpush_file]
      exporters: [otlp]
`;

function parse(text: string, env: Env = {}): LoadResult {
  return parseConfig(text, { registry, env, baseDir: '/etc/logpush-otel', source: 'config.yaml' });
}

function ok(text: string, env: Env = {}): SidecarConfig {
  const result = parse(text, env);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result.config;
}

function problems(text: string, env: Env = {}): string[] {
  const result = parse(text, env);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

function section(
  config: SidecarConfig,
  kind: 'receivers' | 'processors' | 'exporters',
  id: string,
): Record<string, unknown> {
  const spec = config.graph[kind].get(id);
  if (spec === undefined) throw new Error(`${kind}.${id} is not configured`);
  return spec.config as Record<string, unknown>;
}

describe('configuration', () => {
  it('loads a Collector-shaped file and appends the cloudflare mapping before the exporters', () => {
    const config = ok(minimal);
    expect(config.graph.pipelines).toEqual([
      { name: 'logs', receivers: ['logpush_file'], processors: ['cloudflare'], exporters: ['otlp'] },
    ]);
    expect(config.notes).toContain(
      'service.pipelines.logs: added the cloudflare processor after the processors that read raw records',
    );
  });

  it('runs a listed cloudflare processor with its defaults when it has no section', () => {
    const config = ok(
      minimal.replace('exporters: [otlp]', 'processors: [cloudflare]\n      exporters: [otlp]'),
    );
    expect(config.graph.pipelines[0]?.processors).toEqual(['cloudflare']);
    expect(section(config, 'processors', 'cloudflare')['body']).toBe('summary');
  });

  it('uses the defaults for telemetry and storage, relative to the config file', () => {
    const config = ok(minimal);
    expect(config.telemetry).toEqual({ logLevel: 'info', address: '127.0.0.1:8888' });
    expect(config.storage).toEqual({
      directory: '/etc/logpush-otel/.logpush-otel',
      checkpointDir: '/etc/logpush-otel/.logpush-otel/checkpoints',
      deadLetterDir: '/etc/logpush-otel/.logpush-otel/dead-letters',
      fileMode: 0o600,
      dirMode: 0o700,
    });
    expect(section(config, 'receivers', 'logpush_file')['checkpoint_dir']).toBe(
      '/etc/logpush-otel/.logpush-otel/checkpoints',
    );
  });

  it('resolves relative paths of receivers and exporters against the config file', () => {
    const config = ok(
      minimal.replace('/var/log/logpush', 'logpush') +
        `\nstorage:\n  checkpoint_dir: state/cp\n  dead_letter_dir: /var/lib/dlq\n`,
    );
    expect(section(config, 'receivers', 'logpush_file')['directory']).toBe('/etc/logpush-otel/logpush');
    expect(config.storage.checkpointDir).toBe('/etc/logpush-otel/state/cp');
    expect(config.storage.deadLetterDir).toBe('/var/lib/dlq');
  });

  it('substitutes ${env:NAME} and ${env:NAME:-default}, typing whole-value numbers and booleans', () => {
    const out = substituteEnv(
      {
        a: '${env:HOST}:${env:PORT}',
        b: '${env:PORT}',
        c: '${env:MISSING:-fallback}',
        d: '${env:EMPTY:-used when empty}',
        e: 'cost: $$5',
        f: ['${env:FLAG}'],
        g: '${env:LONG_KEY}',
        h: '${env:NOT_SET}',
      },
      { HOST: 'example.com', PORT: '4318', FLAG: 'true', EMPTY: '', LONG_KEY: '12345678901234567890123' },
    );
    expect(out.value).toEqual({
      a: 'example.com:4318',
      b: 4318,
      c: 'fallback',
      d: 'used when empty',
      e: 'cost: $5',
      f: [true],
      g: '12345678901234567890123',
      h: '',
    });
    expect(out.unset).toEqual(['NOT_SET']);
  });

  it('reports ${...} forms other than ${env:NAME} with their path', () => {
    expect(problems(minimal.replace('http://collector:4318', '${OTLP_ENDPOINT}'))).toContain(
      'exporters.otlp.endpoint: expected ${env:NAME} or ${env:NAME:-default}, got "${OTLP_ENDPOINT}" (write $$ for a literal $)',
    );
  });

  it('takes the OTLP endpoint, headers, protocol, compression and timeout from OTEL_EXPORTER_OTLP_*', () => {
    const config = ok(
      minimal.replace('    endpoint: http://collector:4318\n', '    headers: { x-team: logs }\n'),
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com',
        OTEL_EXPORTER_OTLP_HEADERS: 'dd-api-key=abc%3D%3D,x-team=env',
        OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-scope-orgid=tenant-1',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      },
    );
    const otlp = section(config, 'exporters', 'otlp');
    expect(otlp['endpoint']).toBe('https://otlp.example.com');
    // the file's own header wins over the variable's; the logs-specific variable adds to the generic one
    expect(otlp['headers']).toEqual({ 'dd-api-key': 'abc==', 'x-team': 'logs', 'x-scope-orgid': 'tenant-1' });
    expect(otlp['protocol']).toBe('http/json');
    expect(otlp['compression']).toBe('none');
    expect(otlp['timeout']).toBe(2500);
  });

  it('prefers the endpoint written in the file over OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    const config = ok(minimal, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://elsewhere:4318' });
    expect(section(config, 'exporters', 'otlp')['endpoint']).toBe('http://collector:4318');
  });

  it('uses OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as the full logs URL', () => {
    const config = ok(minimal.replace('    endpoint: http://collector:4318\n', '    compression: gzip\n'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://loki:3100/otlp/v1/logs',
    });
    expect(section(config, 'exporters', 'otlp')['logs_endpoint']).toBe('http://loki:3100/otlp/v1/logs');
  });

  it('names the malformed OTEL_* variable', () => {
    expect(
      problems(minimal, {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_TIMEOUT: '10s',
        OTEL_EXPORTER_OTLP_HEADERS: 'novalue',
      }),
    ).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas, got a member without "=" (7 characters, not shown)',
      'OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json (grpc is not supported), got "grpc"',
      'OTEL_EXPORTER_OTLP_TIMEOUT: expected milliseconds (an integer), got "10s"',
    ]);
  });

  it('sets the service name and resource attributes of the mapping from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES', () => {
    const config = ok(
      minimal +
        `processors:\n  cloudflare:\n    resource_attributes: { deployment.environment.name: prod }\n`,
      {
        OTEL_SERVICE_NAME: 'edge-logs',
        OTEL_RESOURCE_ATTRIBUTES:
          'service.name=ignored,deployment.environment.name=staging,k8s.cluster.name=eu-1',
      },
    );
    const mapping = section(config, 'processors', 'cloudflare');
    expect(mapping['service_name']).toBe('edge-logs');
    expect(mapping['resource_attributes']).toEqual({
      'deployment.environment.name': 'prod',
      'k8s.cluster.name': 'eu-1',
    });
  });

  it('drops components whose enabled condition is false, from their section and from the pipelines', () => {
    const text = `
receivers:
  logpush_file: { directory: /data }
exporters:
  otlp:
    enabled: { if_env_set: OTEL_EXPORTER_OTLP_ENDPOINT }
  debug:
    enabled: { if_env_unset: OTEL_EXPORTER_OTLP_ENDPOINT }
service:
  pipelines:
    logs: { receivers: [logpush_file], exporters: [otlp, debug] }
`;
    expect(ok(text).graph.pipelines[0]?.exporters).toEqual(['debug']);
    expect(ok(text, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).graph.pipelines[0]?.exporters).toEqual([
      'otlp',
    ]);
    expect(problems(text.replace('if_env_set: OTEL_EXPORTER_OTLP_ENDPOINT', 'when: x'))).toContain(
      'exporters.otlp.enabled: expected true, false, { if_env_set: NAME } or { if_env_unset: NAME }, got a mapping',
    );
  });

  it('collects every problem with its path and what was expected', () => {
    const text = `
receivers:
  logpush_file:
    directory: /data
    start_at: middle
  kafka: {}
processors:
  batch:
    send_batch_size: 0
    timeout: soon
exporters:
  otlp:
    endpoint: foo
    compresion: gzip
service:
  pipelines:
    logs:
      receivers: [logpush_file, s3]
      processors: [batch]
      exporters: [otlp]
  telemetry:
    logs: { level: loud }
    metrics: { address: "localhost" }
extensions: {}
storage:
  directory: 5
`;
    const found = problems(text);
    expect(found).toEqual(
      expect.arrayContaining([
        'extensions: unknown key (known keys: exporters, processors, receivers, service, storage)',
        'service.telemetry.logs.level: expected one of debug, info, warn, error, got "loud"',
        'service.telemetry.metrics.address: expected host:port such as 127.0.0.1:8888 (or \'\' for none), got "localhost"',
        'storage.directory: expected a string, got 5',
        expect.stringMatching(
          /^receivers\.kafka: unknown receiver type "kafka" \(known: logpush_file, logpush_http, logpush_s3\)$/,
        ),
        'processors.batch.send_batch_size: expected an integer >= 1, got 0',
        'processors.batch.timeout: expected a duration such as 200ms, 5s or 1m, got "soon"',
        expect.stringMatching(/^exporters\.otlp\.endpoint: expected an http\(s\) URL.*got "foo"$/),
        expect.stringMatching(/^exporters\.otlp\.compresion: unknown key/),
        expect.stringMatching(
          /^service\.pipelines\.logs\.receivers\[1\]: receiver "s3" is not defined under receivers/,
        ),
      ]),
    );
    expect(found.some((p) => p.startsWith('receivers.logpush_file.start_at:'))).toBe(true);
  });

  it('lists the known types when a component type is unknown', () => {
    const found = problems(minimal.replace('  otlp:\n    endpoint: http://collector:4318', '  kafka: {}'));
    expect(found[0]).toMatch(
      /^exporters\.kafka: unknown exporter type "kafka" \(known: debug, file, otlp\)$/,
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    const found = problems('receivers:\n  logpush_file:\n    directory: [unclosed\n');
    expect(found[0]).toMatch(/^config\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('requires a pipeline', () => {
    expect(problems('receivers: {}\n')).toContain(
      'service.pipelines: expected a mapping with at least one logs pipeline, got nothing',
    );
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logpush-otel-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file and resolves paths against its directory', async () => {
    const file = join(dir, 'config.yaml');
    await writeFile(file, minimal.replace('/var/log/logpush', 'in'));
    const result = await loadConfig(file, { registry, env: {} });
    expect(result.ok && section(result.config, 'receivers', 'logpush_file')['directory']).toBe(
      join(dir, 'in'),
    );
  });

  it('says when the file does not exist', async () => {
    const result = await loadConfig(join(dir, 'nope.yaml'), { registry, env: {} });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: join(dir, 'nope.yaml'), message: 'expected a readable YAML file: no such file' },
    ]);
  });
});

describe('issue locations and messages', () => {
  const text = `receivers:
  logpush_file:
    directroy: /var/log/logpush
    poll_interval: 1000
exporters:
  otlp:
    endpoint: \${env:OTLP_URL}
service:
  pipelines:
    logs:
      receivers: [logpush_file]
      exporters: [otlp]
`;

  it('points every issue at the file, line and column of its key, in file order', () => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatIssues(result.issues).split('\n')).toEqual([
      'config.yaml:2:3: receivers.logpush_file.directory: expected the directory to read Logpush files from, got nothing',
      "config.yaml:3:5: receivers.logpush_file.directroy: unknown key; did you mean 'directory'?",
      'config.yaml:4:5: receivers.logpush_file.poll_interval: expected a duration such as 200ms, 5s or 1m, got 1000',
      'config.yaml:7:5: exporters.otlp.endpoint: expected the OTLP/HTTP base URL (e.g. http://localhost:4318, or set OTEL_EXPORTER_OTLP_ENDPOINT), got nothing (${env:OTLP_URL} is not set)',
    ]);
    expect(result.issues[1]).toMatchObject({ file: 'config.yaml', line: 3, column: 5 });
  });

  it('reads the same duration grammar in every component, 1d included', () => {
    const config = ok(
      minimal
        .replace('directory: /var/log/logpush', 'directory: /var/log/logpush\n    forget_after: 1d')
        .replace('endpoint: http://collector:4318', 'endpoint: http://collector:4318\n    timeout: 1.5m'),
    );
    expect(section(config, 'receivers', 'logpush_file')['forget_after']).toBe(86_400_000);
    expect(section(config, 'exporters', 'otlp')['timeout']).toBe(90_000);
  });

  it('suggests the close key in enrichment processors too, and names known keys when none is close', () => {
    const found = problems(
      minimal.replace(
        'exporters:\n  otlp:',
        'processors:\n  sample: { rat: 0.5 }\n  derived: { zzz: 1 }\nexporters:\n  otlp:',
      ),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        "processors.sample.rat: unknown key; did you mean 'rate'?",
        'processors.derived.zzz: unknown key (known keys: bot_threshold)',
      ]),
    );
  });
});
