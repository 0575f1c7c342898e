import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DebugExporter,
  EXPORTER_METRICS,
  FileExporter,
  OtlpExporter,
  debugExporterFactory,
  fileExporterFactory,
  formatBatch,
  otlpExporterFactory,
} from '../src/exporters/index.ts';
import type { FileExporterConfig } from '../src/exporters/index.ts';
import { batch, entry } from './support/mapped.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'logpush-otel-exporters-'));
  dirs.push(d);
  return d;
}

function fileConfig(raw: Record<string, unknown>): FileExporterConfig {
  const result = fileExporterFactory.validate(raw, 'exporters.file');
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

describe('file exporter', () => {
  it('appends one OTLP/JSON ExportLogsServiceRequest per batch, one per line', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out', 'logs.jsonl');
    const host = createTestHost('file');
    const e = new FileExporter(host, fileConfig({ path }));
    await e.start(host);
    await e.consume(batch(2));
    await e.consume(batch(1, 3));
    await e.shutdown();
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    const requests = lines.slice(0, -1).map((l) => JSON.parse(l) as { resourceLogs: unknown[] });
    expect(requests).toHaveLength(2);
    const first = requests[0] as {
      resourceLogs: {
        scopeLogs: { logRecords: { timeUnixNano: string; attributes: { key: string }[] }[] }[];
      }[];
    };
    const records = first.resourceLogs[0]?.scopeLogs[0]?.logRecords ?? [];
    expect(records.map((r) => r.timeUnixNano)).toEqual(['1700000000123456790', '1700000000123456791']);
    expect(records[0]?.attributes.map((a) => a.key)).toContain('cloudflare.ray_id');
    expect(host.metricValue(EXPORTER_METRICS.sentRecords)).toBe(3);
  });

  it('rotates by size and keeps max_backups rotated files', async () => {
    const dir = await tempDir();
    const path = join(dir, 'logs.jsonl');
    const host = createTestHost('file');
    const e = new FileExporter(
      host,
      fileConfig({ path, fsync: false, rotation: { max_size: 700, max_backups: 2 } }),
    );
    await e.start(host);
    for (let i = 0; i < 6; i++) await e.consume(batch(1, i + 1));
    await e.shutdown();
    const names = (await readdir(dir)).sort();
    expect(names).toHaveLength(3);
    expect(names).toContain('logs.jsonl');
    for (const n of names) expect(n).toMatch(/^logs(-\d{4}-\d\d-\d\dT[\d-]+\.\d{3}Z(\.\d+)?)?\.jsonl$/);
  });

  it('says which key is missing or wrong', () => {
    const result = fileExporterFactory.validate(
      { fsync: 'sometimes', rotation: { max_size: 'big' } },
      'exporters.file',
    );
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual([
      'exporters.file.path',
      'exporters.file.fsync',
      'exporters.file.rotation.max_size',
    ]);
  });
});

describe('debug exporter', () => {
  it('prints counts per dataset at basic verbosity', () => {
    const entries = [...batch(2).entries, { ...entry(3), dataset: 'firewall_events' }];
    expect(formatBatch('debug', entries, 'basic')).toBe(
      '[debug] 3 records (http_requests=2 firewall_events=1)\n',
    );
  });

  it('prints one line per record with time, severity, event name and key attributes at normal verbosity', () => {
    expect(formatBatch('debug', [entry(1)], 'normal').split('\n')[1]).toBe(
      '  2023-11-14T22:13:20.123456790Z INFO  cloudflare.http_request url.path=/item/1 ' +
        'http.response.status_code=200 cloudflare.ray_id=ray1 | GET /item/1 200',
    );
  });

  it('prints the resource and every attribute at detailed verbosity', () => {
    const text = formatBatch('debug', [entry(1)], 'detailed');
    expect(text).toContain('  resource: service.name=cloudflare cloud.provider=cloudflare\n');
    expect(text).toContain('      url.path: /item/1\n');
    expect(text).toContain('      http.response.status_code: 200\n');
  });

  it('writes to the configured stream', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const config = debugExporterFactory.validate({ verbosity: 'basic' }, 'exporters.debug');
    if (!config.ok) throw new Error('invalid');
    const e = new DebugExporter(createTestHost('debug'), config.config, out);
    await e.consume(batch(4));
    expect(chunks.join('')).toBe('[debug] 4 records (http_requests=4)\n');
    expect(debugExporterFactory.validate({ verbosity: 'loud' }, 'exporters.debug')).toEqual({
      ok: false,
      issues: [
        { path: 'exporters.debug.verbosity', message: 'expected one of basic, normal, detailed, got "loud"' },
      ],
    });
  });
});

runLifecycleSuite('otlp exporter', (host) => {
  const config = otlpExporterFactory.validate({ endpoint: 'http://127.0.0.1:9' }, 'exporters.otlp');
  if (!config.ok) throw new Error('invalid');
  return new OtlpExporter(host, config.config);
});

let lifecycleDir: string | undefined;
runLifecycleSuite(
  'file exporter',
  async (host) => {
    lifecycleDir = await mkdtemp(join(tmpdir(), 'logpush-otel-file-'));
    return new FileExporter(host, fileConfig({ path: join(lifecycleDir, 'logs.jsonl') }));
  },
  {
    batch: () => batch(1),
    cleanup: async () => {
      if (lifecycleDir !== undefined) await rm(lifecycleDir, { recursive: true, force: true });
    },
  },
);

runLifecycleSuite('debug exporter', (host) => {
  const config = debugExporterFactory.validate({}, 'exporters.debug');
  if (!config.ok) throw new Error('invalid');
  return new DebugExporter(host, config.config, new PassThrough());
});
