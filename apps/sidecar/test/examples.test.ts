// The configurations shipped in examples/ stay valid.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatIssues, loadConfig, parseConfig } from '../src/config/index.ts';
import { createSidecarRegistry } from '../src/registry.ts';

const registry = createSidecarRegistry();
const examples = (path: string): string =>
  fileURLToPath(new URL(`../../../examples/${path}`, import.meta.url));

describe('shipped examples', () => {
  it('the demo config writes to the debug and file exporters without an OTLP endpoint', async () => {
    const result = await loadConfig(examples('config.yaml'), { registry, env: {} });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    expect(result.config.graph.pipelines[0]?.exporters).toEqual(['debug', 'file']);
    expect(result.config.storage.checkpointDir).toBe(examples('.logpush-otel/checkpoints'));
  });

  it('the demo config exports over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const result = await loadConfig(examples('config.yaml'), {
      registry,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    expect(result.config.graph.pipelines[0]?.exporters).toEqual(['otlp']);
  });

  it('the container config needs OTEL_EXPORTER_OTLP_ENDPOINT and says so', async () => {
    const missing = await loadConfig(examples('docker/config.yaml'), { registry, env: {} });
    expect(missing.ok ? [] : missing.issues.map((i) => i.path)).toEqual(['exporters.otlp.endpoint']);
    // Datadog without an API key is refused up front, not turned into a stream of 403s
    const noKey = await loadConfig(examples('docker/config.yaml'), {
      registry,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.datadoghq.eu', LOGPUSH_OTEL_PROFILE: 'datadog' },
    });
    expect(noKey.ok ? [] : noKey.issues.map((i) => i.path)).toEqual(['exporters.otlp.headers']);
    const result = await loadConfig(examples('docker/config.yaml'), {
      registry,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.datadoghq.eu',
        OTEL_EXPORTER_OTLP_HEADERS: 'dd-api-key=abc',
        LOGPUSH_OTEL_PROFILE: 'datadog',
      },
    });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    expect(result.config.telemetry.address).toBe('0.0.0.0:8888');
    expect(result.config.storage.directory).toBe('/var/lib/logpush-otel');
  });

  it('the Kubernetes manifest parses and its ConfigMap holds a valid config', async () => {
    const docs = parseAllDocuments(await readFile(examples('kubernetes/sidecar.yaml'), 'utf8'));
    const objects = docs.map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as { kind: string; data?: Record<string, string> };
    });
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'Deployment']);
    const text = objects[0]?.data?.['config.yaml'] ?? '';
    const result = parseConfig(text, {
      registry,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
    });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    expect(result.config.storage.checkpointDir).toBe('/logpush/state/checkpoints');
  });

  it('the Kubernetes HTTP destination manifest parses and its ConfigMap holds a valid logpush_http config', async () => {
    const docs = parseAllDocuments(await readFile(examples('kubernetes/logpush-http.yaml'), 'utf8'));
    const objects = docs.map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as { kind: string; data?: Record<string, string> };
    });
    expect(objects.map((o) => o.kind)).toEqual([
      'ConfigMap',
      'PersistentVolumeClaim',
      'Deployment',
      'Service',
      'Ingress',
    ]);
    const text = objects[0]?.data?.['config.yaml'] ?? '';
    const missing = parseConfig(text, {
      registry,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
    });
    expect(missing.ok ? [] : missing.issues.map((i) => i.path)).toEqual(['receivers.logpush_http.secret']);
    const result = parseConfig(text, {
      registry,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', LOGPUSH_SECRET: 's3cret' },
    });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    const config = result.config.graph.receivers.get('logpush_http')?.config as { spool_dir: string };
    expect(config.spool_dir).toBe('/var/lib/logpush-otel/spool/logpush_http');
  });

  it('the sharded StatefulSet takes the shard of each replica from its pod index', async () => {
    const docs = parseAllDocuments(
      await readFile(examples('kubernetes/logpush-s3-statefulset.yaml'), 'utf8'),
    );
    const objects = docs.map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as { kind: string; data?: Record<string, string> };
    });
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Service', 'StatefulSet']);
    const text = objects[0]?.data?.['config.yaml'] ?? '';
    const result = parseConfig(text, {
      registry,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-gateway:4318',
        SHARD_INDEX: '2',
        SHARD_COUNT: '3',
        R2_ACCOUNT_ID: '0123456789abcdef0123456789abcdef',
        R2_ACCESS_KEY_ID: 'id',
        R2_SECRET_ACCESS_KEY: 'secret',
      },
    });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    const receiver = result.config.graph.receivers.get('logpush_s3')?.config as Record<string, unknown>;
    expect(receiver['shard']).toEqual({ index: 2, count: 3 });
    expect(receiver['endpoint']).toBe('https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com');
  });
});
