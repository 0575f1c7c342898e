import { describe, expect, it } from 'vitest';
import {
  ConfigReader,
  Service,
  createRegistry,
  validateServiceConfig,
  type Consumer,
  type Drainable,
  type ExporterFactory,
  type LogBatch,
  type ProcessorFactory,
  type ReceiverFactory,
} from '../src/index.ts';
import {
  CollectingConsumer,
  createTestHost,
  makeBatch,
  runLifecycleSuite,
  type TestHost,
} from '../src/testing.ts';

/** What happened, in order, across all components of a test. */
type Journal = string[];

/** A receiver that sends `count` entries in batches of `batchSize` when started, and can report when done. */
function receiverFactory(journal: Journal): ReceiverFactory<{ count: number; batchSize: number }> {
  return {
    type: 'numbers',
    kind: 'receiver',
    stability: 'development',
    defaultConfig: () => ({ count: 4, batchSize: 2 }),
    validate(config, path) {
      const r = new ConfigReader(config, path);
      const count = r.number('count', 4, { integer: true, min: 0 });
      const batchSize = r.number('batch_size', 2, { integer: true, min: 1 });
      return r.finish({ count, batchSize });
    },
    create(settings, config, next) {
      let done: Promise<void> = Promise.resolve();
      let stopped = false;
      const receiver: { start(): Promise<void>; shutdown(): Promise<void> } & Drainable = {
        start() {
          journal.push(`start receivers/${settings.id}`);
          done = (async () => {
            for (let i = 0; i < config.count && !stopped; i += config.batchSize)
              await next?.consume(makeBatch(Math.min(config.batchSize, config.count - i), i + 1));
          })();
          return Promise.resolve();
        },
        async shutdown() {
          stopped = true;
          await done.catch(() => undefined);
          journal.push(`shutdown receivers/${settings.id}`);
        },
        drained: () => done,
      };
      return receiver;
    },
  };
}

/** A processor that tags every entry with its id (so tests can see the order) and passes the batch on. */
const tagFactory = (journal: Journal): ProcessorFactory<{ tag: string }> => ({
  type: 'tag',
  kind: 'processor',
  stability: 'development',
  defaultConfig: () => ({ tag: '' }),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    const tag = r.string('tag', '');
    return r.finish({ tag });
  },
  create(settings, config, next) {
    let closed = false;
    return {
      start: () => {
        journal.push(`start processors/${settings.id}`);
        return Promise.resolve();
      },
      shutdown: () => {
        if (!closed) journal.push(`shutdown processors/${settings.id}`);
        closed = true;
        return Promise.resolve();
      },
      consume(batch: LogBatch) {
        if (closed) return Promise.reject(new Error('tag processor is shut down'));
        for (const e of batch.entries) {
          const seen = typeof e.attributes['tags'] === 'string' ? e.attributes['tags'] : '';
          e.attributes['tags'] = seen + (config.tag || settings.id) + ';';
        }
        return (next as Consumer).consume(batch);
      },
    };
  },
});

/** An exporter that collects in memory; the test reaches the instances through `sinks`. */
function sinkFactory(
  journal: Journal,
  sinks: Map<string, CollectingConsumer>,
): ExporterFactory<{ fail: boolean }> {
  return {
    type: 'sink',
    kind: 'exporter',
    stability: 'development',
    defaultConfig: () => ({ fail: false }),
    validate(config, path) {
      const r = new ConfigReader(config, path);
      const fail = r.boolean('fail', false);
      return r.finish({ fail });
    },
    create(settings, config) {
      const sink = new CollectingConsumer();
      if (config.fail) sink.respond = () => Promise.reject(new Error(`${settings.id} is down`));
      sinks.set(settings.id, sink);
      let closed = false;
      return {
        start: () => {
          journal.push(`start exporters/${settings.id}`);
          return Promise.resolve();
        },
        shutdown: () => {
          if (!closed) journal.push(`shutdown exporters/${settings.id}`);
          closed = true;
          return Promise.resolve();
        },
        consume: (batch: LogBatch) =>
          closed ? Promise.reject(new Error('sink is shut down')) : sink.consume(batch),
      };
    },
  };
}

function setup(config: Record<string, unknown>): {
  service: Service;
  journal: Journal;
  sinks: Map<string, CollectingConsumer>;
  host: TestHost;
} {
  const journal: Journal = [];
  const sinks = new Map<string, CollectingConsumer>();
  const registry = createRegistry([
    receiverFactory(journal),
    tagFactory(journal),
    sinkFactory(journal, sinks),
  ]);
  const result = validateServiceConfig(config, registry);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  const host = createTestHost();
  return { service: new Service(result.config, host), journal, sinks, host };
}

describe('Service', () => {
  it('is not ready while a component reporting its readiness says so', async () => {
    let healthy = false;
    const gated: ReceiverFactory<Record<string, never>> = {
      type: 'gated',
      kind: 'receiver',
      stability: 'development',
      defaultConfig: () => ({}),
      validate: (config, path) => new ConfigReader(config, path).finish({}),
      create: () => ({
        start: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
        notReadyReason: () => (healthy ? undefined : 'not healthy'),
      }),
    };
    const registry = createRegistry([gated, sinkFactory([], new Map())]);
    const result = validateServiceConfig(
      {
        receivers: { gated: null },
        exporters: { sink: null },
        pipelines: { logs: { receivers: ['gated'], exporters: ['sink'] } },
      },
      registry,
    );
    if (!result.ok) throw new Error('invalid test config');
    const service = new Service(result.config, createTestHost());
    await service.start();
    expect(service.ready).toBe(false);
    healthy = true;
    expect(service.ready).toBe(true);
    await service.shutdown();
    expect(service.ready).toBe(false);
  });

  it('starts exporters, then processors, then receivers, and stops them in the reverse order', async () => {
    const { service, journal } = setup({
      receivers: { numbers: { count: 0 } },
      processors: { 'tag/a': null, 'tag/b': null },
      exporters: { sink: null },
      pipelines: { logs: { receivers: ['numbers'], processors: ['tag/a', 'tag/b'], exporters: ['sink'] } },
    });
    await service.start();
    expect(service.ready).toBe(true);
    await service.shutdown();
    expect(service.ready).toBe(false);
    expect(journal).toEqual([
      'start exporters/sink',
      'start processors/tag/a',
      'start processors/tag/b',
      'start receivers/numbers',
      'shutdown receivers/numbers',
      'shutdown processors/tag/a',
      'shutdown processors/tag/b',
      'shutdown exporters/sink',
    ]);
  });

  it('runs processors in the listed order and delivers every entry to every exporter of the pipeline', async () => {
    const { service, sinks } = setup({
      receivers: { numbers: { count: 5, batch_size: 2 } },
      processors: { 'tag/first': null, 'tag/second': null },
      exporters: { 'sink/a': null, 'sink/b': null },
      pipelines: {
        logs: {
          receivers: ['numbers'],
          processors: ['tag/first', 'tag/second'],
          exporters: ['sink/a', 'sink/b'],
        },
      },
    });
    await service.start();
    await service.drained();
    await service.shutdown();
    for (const id of ['sink/a', 'sink/b']) {
      const entries = sinks.get(id)?.entries ?? [];
      expect(entries.map((e) => e.position.line)).toEqual([1, 2, 3, 4, 5]);
      expect(entries.map((e) => e.attributes['tags'])).toEqual(Array(5).fill('tag/first;tag/second;'));
    }
  });

  it('gives each pipeline its own copy of what a shared receiver reads', async () => {
    const { service, sinks } = setup({
      receivers: { numbers: { count: 2 } },
      processors: { 'tag/x': null, 'tag/y': null },
      exporters: { 'sink/x': null, 'sink/y': null },
      pipelines: {
        'logs/x': { receivers: ['numbers'], processors: ['tag/x'], exporters: ['sink/x'] },
        'logs/y': { receivers: ['numbers'], processors: ['tag/y'], exporters: ['sink/y'] },
      },
    });
    await service.start();
    await service.drained();
    await service.shutdown();
    expect(sinks.get('sink/x')?.entries.map((e) => e.attributes['tags'])).toEqual(['tag/x;', 'tag/x;']);
    expect(sinks.get('sink/y')?.entries.map((e) => e.attributes['tags'])).toEqual(['tag/y;', 'tag/y;']);
  });

  it('reports a batch as not delivered when one of the fanned-out exporters rejects it', async () => {
    const { service, sinks } = setup({
      receivers: { numbers: { count: 2 } },
      exporters: { 'sink/ok': null, 'sink/down': { fail: true } },
      pipelines: { logs: { receivers: ['numbers'], exporters: ['sink/ok', 'sink/down'] } },
    });
    await service.start();
    await expect(service.drained()).rejects.toThrow('sink/down is down');
    await service.shutdown();
    expect(sinks.get('sink/ok')?.entries).toHaveLength(2);
  });

  it('shares one exporter instance between pipelines that list it', async () => {
    const { service, sinks } = setup({
      receivers: { 'numbers/a': { count: 1 }, 'numbers/b': { count: 2 } },
      exporters: { sink: null },
      pipelines: {
        'logs/a': { receivers: ['numbers/a'], exporters: ['sink'] },
        'logs/b': { receivers: ['numbers/b'], exporters: ['sink'] },
      },
    });
    await service.start();
    await service.drained();
    await service.shutdown();
    expect(sinks.size).toBe(1);
    expect(sinks.get('sink')?.entries).toHaveLength(3);
  });

  it('names the component that failed to start and shuts down the ones already started', async () => {
    const journal: Journal = [];
    const sinks = new Map<string, CollectingConsumer>();
    const broken: ProcessorFactory<{ tag: string }> = {
      ...tagFactory(journal),
      create(settings, config, next) {
        const inner = tagFactory(journal).create(settings, config, next);
        return {
          ...inner,
          start: () => Promise.reject(new Error('database not found')),
          consume: (b) => inner.consume(b),
        };
      },
    };
    const registry = createRegistry([receiverFactory(journal), broken, sinkFactory(journal, sinks)]);
    const graph = validateServiceConfig(
      {
        receivers: { numbers: null },
        processors: { tag: null },
        exporters: { sink: null },
        pipelines: { logs: { receivers: ['numbers'], processors: ['tag'], exporters: ['sink'] } },
      },
      registry,
    );
    if (!graph.ok) throw new Error('invalid');
    const service = new Service(graph.config, createTestHost());
    await expect(service.start()).rejects.toThrow('processors/tag@logs failed to start: database not found');
    expect(service.state).toBe('failed');
    expect(journal).toEqual([
      'start exporters/sink',
      'shutdown receivers/numbers',
      'shutdown processors/tag',
      'shutdown exporters/sink',
    ]);
  });

  it('gives up on a component whose start hangs, naming it, after the start timeout', async () => {
    const journal: Journal = [];
    const sinks = new Map<string, CollectingConsumer>();
    const hanging: ProcessorFactory<{ tag: string }> = {
      ...tagFactory(journal),
      create(settings, config, next) {
        const inner = tagFactory(journal).create(settings, config, next);
        return {
          ...inner,
          start: () => new Promise<void>(() => undefined),
          consume: (b) => inner.consume(b),
        };
      },
    };
    const registry = createRegistry([receiverFactory(journal), hanging, sinkFactory(journal, sinks)]);
    const graph = validateServiceConfig(
      {
        receivers: { numbers: null },
        processors: { tag: null },
        exporters: { sink: null },
        pipelines: { logs: { receivers: ['numbers'], processors: ['tag'], exporters: ['sink'] } },
      },
      registry,
    );
    if (!graph.ok) throw new Error('invalid');
    const service = new Service(graph.config, createTestHost(), { startTimeoutMs: 100 });
    const started = Date.now();
    await expect(service.start()).rejects.toThrow(
      'processors/tag@logs failed to start: did not start within 100 ms',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(service.state).toBe('failed');
  });

  it('reports not ready while a component says it cannot work, with its reason', async () => {
    const journal: Journal = [];
    const sinks = new Map<string, CollectingConsumer>();
    let reason: string | undefined = 'exporters/sink: HTTP 403 from the backend';
    const base = sinkFactory(journal, sinks);
    const reporting: typeof base = {
      ...base,
      create(settings, config, next) {
        const inner = base.create(settings, config, next);
        return {
          start: (h) => inner.start(h),
          shutdown: () => inner.shutdown(),
          consume: (b) => inner.consume(b),
          notReadyReason: () => reason,
        };
      },
    };
    const registry = createRegistry([receiverFactory(journal), reporting]);
    const graph = validateServiceConfig(
      {
        receivers: { numbers: null },
        exporters: { sink: null },
        pipelines: { logs: { receivers: ['numbers'], exporters: ['sink'] } },
      },
      registry,
    );
    if (!graph.ok) throw new Error('invalid');
    const service = new Service(graph.config, createTestHost());
    await service.start();
    expect(service.ready).toBe(false);
    expect(service.notReady()).toEqual(['exporters/sink: HTTP 403 from the backend']);
    reason = undefined;
    expect(service.ready).toBe(true);
    await service.shutdown();
  });

  it('shuts down twice and without having started', async () => {
    const { service } = setup({
      receivers: { numbers: null },
      exporters: { sink: null },
      pipelines: { logs: { receivers: ['numbers'], exporters: ['sink'] } },
    });
    await service.shutdown();
    await service.shutdown();
    expect(service.state).toBe('stopped');
  });
});

describe('validateServiceConfig', () => {
  const registry = createRegistry([receiverFactory([]), tagFactory([]), sinkFactory([], new Map())]);

  it('lists every problem with its path and what was expected', () => {
    const result = validateServiceConfig(
      {
        receivers: { numbers: { count: 'many', colour: 'red' }, filelog: {} },
        processors: { tag: null },
        exporters: { sink: { fail: 'maybe' } },
        pipelines: {
          logs: { receivers: ['numbers'], processors: ['tag', 'batch'], exporters: [] },
          traces: { receivers: ['numbers'], exporters: ['sink'] },
        },
      },
      registry,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'receivers.numbers.count: expected an integer >= 0, got "many"',
      'receivers.numbers.colour: unknown key (known keys: batch_size, count)',
      'receivers.filelog: unknown receiver type "filelog" (known: numbers)',
      'exporters.sink.fail: expected true or false, got "maybe"',
      'service.pipelines.logs.processors[1]: processor "batch" is not defined under processors (defined: tag)',
      'service.pipelines.logs.exporters: expected a list of at least one exporter id',
      'service.pipelines.traces: only logs pipelines are supported, got a traces pipeline',
    ]);
  });

  it('requires at least one pipeline', () => {
    const result = validateServiceConfig(
      { receivers: { numbers: null }, exporters: { sink: null } },
      registry,
    );
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual(['service.pipelines']);
  });

  it('appends a required processor to pipelines that lack it, with the configured settings when present', () => {
    const result = validateServiceConfig(
      {
        receivers: { numbers: null },
        processors: { tag: { tag: 'configured' } },
        exporters: { sink: null },
        pipelines: { logs: { receivers: ['numbers'], exporters: ['sink'] } },
      },
      registry,
      { ensureProcessors: ['tag'] },
    );
    expect(result.ok && result.config.pipelines[0]?.processors).toEqual(['tag']);
    expect(result.ok && result.config.processors.get('tag')?.config).toEqual({ tag: 'configured' });
  });

  describe('the mapping stage', () => {
    const mapFactory: ProcessorFactory<Record<string, never>> = {
      ...tagFactory([]),
      type: 'map',
      stage: 'mapping',
      validate: (config: unknown, path: string) => new ConfigReader(config, path).finish({}),
    } as unknown as ProcessorFactory<Record<string, never>>;
    const regroup = { ...tagFactory([]), type: 'regroup', stage: 'any' } as ProcessorFactory<{ tag: string }>;
    const staged = createRegistry([
      receiverFactory([]),
      tagFactory([]),
      mapFactory,
      regroup,
      sinkFactory([], new Map()),
    ]);
    const input = (processors: unknown[]) => ({
      receivers: { numbers: null },
      processors: { tag: null, 'tag/late': null, map: null, 'map/again': null, regroup: null },
      exporters: { sink: null },
      pipelines: { logs: { receivers: ['numbers'], processors, exporters: ['sink'] } },
    });

    it('refuses a record processor after the mapping, naming both, at its place in the list', () => {
      const result = validateServiceConfig(input(['tag', 'map', 'regroup', 'tag/late']), staged);
      expect(result.ok ? [] : result.issues).toEqual([
        {
          path: 'service.pipelines.logs.processors[3]',
          message:
            '"tag/late" works on raw records, so it must run before the mapping processor "map", but it is listed after it: move "tag/late" before "map"',
        },
      ]);
    });

    it('refuses a second mapping, and accepts any-stage processors on either side', () => {
      const twice = validateServiceConfig(input(['map', 'map/again']), staged);
      expect(twice.ok ? [] : twice.issues.map((i) => i.path)).toEqual([
        'service.pipelines.logs.processors[1]',
      ]);
      expect(validateServiceConfig(input(['regroup', 'tag', 'map', 'regroup']), staged).ok).toBe(false); // regroup twice
      expect(validateServiceConfig(input(['regroup', 'tag', 'map']), staged).ok).toBe(true);
    });

    it('places a required mapping processor after the last record processor', () => {
      const result = validateServiceConfig(input(['regroup', 'tag', 'tag/late']), staged, {
        ensureProcessors: ['map'],
      });
      expect(result.ok && result.config.pipelines[0]?.processors).toEqual([
        'regroup',
        'tag',
        'tag/late',
        'map',
      ]);
      const early = validateServiceConfig(input(['tag', 'regroup']), staged, { ensureProcessors: ['map'] });
      expect(early.ok && early.config.pipelines[0]?.processors).toEqual(['tag', 'map', 'regroup']);
    });
  });

  it('names components configured but used by no pipeline', () => {
    const result = validateServiceConfig(
      {
        receivers: { numbers: null },
        exporters: { sink: null, 'sink/spare': null },
        pipelines: { logs: { receivers: ['numbers'], exporters: ['sink'] } },
      },
      registry,
    );
    expect(result.ok && result.config.unused).toEqual(['exporters.sink/spare']);
  });
});

runLifecycleSuite('the tag processor', (host) =>
  tagFactory([]).create(host, { tag: 'x' }, new CollectingConsumer()),
);
runLifecycleSuite('the numbers receiver', (host) =>
  receiverFactory([]).create(host, { count: 3, batchSize: 1 }, new CollectingConsumer()),
);
