import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, Service, validateServiceConfig } from '@logpush-otel/pipeline';
import type { ExporterFactory, LogBatch, ReceiverFactory } from '@logpush-otel/pipeline';
import {
  CollectingConsumer,
  createTestHost,
  makeBatch,
  makeEntry,
  runLifecycleSuite,
} from '@logpush-otel/pipeline/testing';
import { fileExporterFactory } from '../src/exporters/index.ts';
import { batchProcessorFactory, cloudflareProcessorFactory } from '../src/processors/index.ts';
import { createSidecarRegistry } from '../src/registry.ts';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function batchConfig(
  overrides: Record<string, unknown> = {},
): ReturnType<typeof batchProcessorFactory.defaultConfig> {
  const result = batchProcessorFactory.validate({ ...overrides }, 'processors.batch');
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

describe('batch processor', () => {
  it('reads its settings with units and reports bad ones with their path', () => {
    expect(
      batchConfig({ send_batch_size: 100, send_batch_max_bytes: '1MiB', timeout: '1s', max_in_flight: 2 }),
    ).toEqual({ send_batch_size: 100, send_batch_max_bytes: 1_048_576, timeout: 1000, max_in_flight: 2 });
    const bad = batchProcessorFactory.validate(
      { send_batch_size: -1, max_in_flight: 'x', size: 1 },
      'processors.batch',
    );
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual([
      'processors.batch.send_batch_size',
      'processors.batch.max_in_flight',
      'processors.batch.size',
    ]);
  });

  it('acknowledges an upstream batch only when the downstream batch holding it is acknowledged', async () => {
    const host = createTestHost('batch');
    const next = new CollectingConsumer();
    const gate = deferred();
    next.respond = () => gate.promise;
    const processor = batchProcessorFactory.create(
      host,
      batchConfig({ send_batch_size: 4, timeout: '1h' }),
      next,
    );
    await processor.start(host);
    const settled: string[] = [];
    const a = processor.consume(makeBatch(2, 1)).then(() => settled.push('a'));
    const b = processor.consume(makeBatch(2, 3)).then(() => settled.push('b'));
    await tick();
    expect(next.batches.map((x) => x.entries.length)).toEqual([4]);
    expect(settled).toEqual([]);
    expect(host.metricValue('logpush_otel_batches_in_flight', { component: 'processors/batch' })).toBe(1);
    gate.resolve();
    await Promise.all([a, b]);
    expect(settled.sort()).toEqual(['a', 'b']);
    expect(host.metricValue('logpush_otel_batches_in_flight', { component: 'processors/batch' })).toBe(0);
    await processor.shutdown();
  });

  it('passes a permanent rejection to every batch that contributed', async () => {
    const host = createTestHost('batch');
    const next = new CollectingConsumer();
    next.respond = () => Promise.reject(new PermanentError('400 Bad Request'));
    const processor = batchProcessorFactory.create(
      host,
      batchConfig({ send_batch_size: 3, timeout: '1h' }),
      next,
    );
    await processor.start(host);
    const results = await Promise.allSettled([
      processor.consume(makeBatch(1, 1)),
      processor.consume(makeBatch(2, 2)),
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'resolved'))).toEqual([
      'PermanentError',
      'PermanentError',
    ]);
    await processor.shutdown();
  });

  it('sends what it holds when shut down', async () => {
    const host = createTestHost('batch');
    const next = new CollectingConsumer();
    const processor = batchProcessorFactory.create(host, batchConfig({ timeout: '1h' }), next);
    await processor.start(host);
    const pending = processor.consume(makeBatch(5));
    await processor.shutdown();
    await pending;
    expect(next.entries).toHaveLength(5);
  });
});

describe('cloudflare processor', () => {
  it('maps every entry to a LogRecord with its resource, then hands the batch on', async () => {
    const host = createTestHost('cloudflare');
    const next = new CollectingConsumer();
    const config = cloudflareProcessorFactory.validate(
      { service_name: 'edge', resource_attributes: { 'deployment.environment.name': 'prod' } },
      'processors.cloudflare',
    );
    if (!config.ok) throw new Error(JSON.stringify(config.issues));
    const processor = cloudflareProcessorFactory.create(host, config.config, next);
    await processor.start(host);
    await processor.consume(makeBatch(2));
    const [first] = next.entries;
    expect(first?.log?.eventName).toBe('cloudflare.http_request');
    expect(first?.log?.timeUnixNano).toBe(makeEntry(1).timeUnixNano);
    expect(first?.log?.attributes['http.response.status_code']).toBe(200);
    expect(first?.resource?.attributes['service.name']).toBe('edge');
    expect(first?.resource?.attributes['deployment.environment.name']).toBe('prod');
    await processor.shutdown();
  });

  it('reports unknown settings with their path', () => {
    const result = cloudflareProcessorFactory.validate({ body: 'full', colour: 1 }, 'processors.cloudflare');
    expect(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'processors.cloudflare.body: expected one of summary, original, map, got "full"',
      expect.stringMatching(/^processors\.cloudflare\.colour: unknown key/),
    ]);
  });
});

runLifecycleSuite('the batch processor', (host) =>
  batchProcessorFactory.create(host, batchConfig(), new CollectingConsumer()),
);
runLifecycleSuite('the cloudflare processor', (host) =>
  cloudflareProcessorFactory.create(
    host,
    cloudflareProcessorFactory.defaultConfig(),
    new CollectingConsumer(),
  ),
);

describe('pipelines with fan-out to several exporters', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  /** A receiver handing over `count` entries in one batch at start; drained() tells how that went. */
  const oneShot: ReceiverFactory<Record<string, never>> = {
    type: 'one_shot',
    kind: 'receiver',
    stability: 'development',
    defaultConfig: () => ({}),
    validate: (config) => ({ ok: true, config: config as Record<string, never> }),
    create(_settings, _config, next) {
      let sent: Promise<void> = Promise.resolve();
      return {
        start: () => {
          sent = next?.consume(makeBatch(10)) ?? Promise.resolve();
          sent.catch(() => undefined);
          return Promise.resolve();
        },
        shutdown: () => sent.catch(() => undefined),
        drained: () => sent,
      };
    },
  };
  /** An exporter that is down: every batch is rejected. */
  const down: ExporterFactory<Record<string, never>> = {
    type: 'down',
    kind: 'exporter',
    stability: 'development',
    defaultConfig: () => ({}),
    validate: (config) => ({ ok: true, config: config as Record<string, never> }),
    create: () => ({
      start: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
      consume: (_batch: LogBatch) => Promise.reject(new Error('connection refused')),
    }),
  };

  async function runWith(
    exporters: Record<string, unknown>,
  ): Promise<{ drained: PromiseSettledResult<void>; lines: string[][] }> {
    dir = await mkdtemp(join(tmpdir(), 'logpush-otel-fanout-'));
    const base = createSidecarRegistry();
    const registry = {
      receivers: new Map<string, ReceiverFactory>([['one_shot', oneShot]]),
      processors: base.processors,
      exporters: new Map<string, ExporterFactory>([
        ['file', fileExporterFactory],
        ['down', down],
      ]),
    };
    const files = Object.keys(exporters)
      .filter((id) => id.startsWith('file'))
      .map((id) => join(dir, `${id.replace('/', '-')}.jsonl`));
    const sections: Record<string, unknown> = {};
    for (const [id, value] of Object.entries(exporters))
      sections[id] = id.startsWith('file') ? { path: join(dir, `${id.replace('/', '-')}.jsonl`) } : value;
    const graph = validateServiceConfig(
      {
        receivers: { one_shot: null },
        processors: { cloudflare: null },
        exporters: sections,
        pipelines: {
          logs: { receivers: ['one_shot'], processors: ['cloudflare'], exporters: Object.keys(sections) },
        },
      },
      registry,
    );
    if (!graph.ok) throw new Error(JSON.stringify(graph.issues));
    const service = new Service(graph.config, createTestHost());
    await service.start();
    const [drained] = await Promise.allSettled([service.drained()]);
    await service.shutdown();
    const lines = await Promise.all(
      files.map(async (f) => (await readFile(f, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '')),
    );
    return { drained, lines };
  }

  it('acknowledges a batch once every exporter wrote it', async () => {
    const { drained, lines } = await runWith({ 'file/a': null, 'file/b': null });
    expect(drained.status).toBe('fulfilled');
    for (const file of lines) {
      const records = file.flatMap((l) =>
        (
          JSON.parse(l) as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }
        ).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)),
      );
      expect(records).toHaveLength(10);
    }
  });

  it('reports the batch as not delivered when one exporter is down, even though another wrote it', async () => {
    const { drained, lines } = await runWith({ 'file/a': null, down: null });
    expect(drained.status).toBe('rejected');
    expect(drained.status === 'rejected' && (drained.reason as Error).message).toBe('connection refused');
    expect(lines[0]?.length).toBeGreaterThan(0);
  });
});
