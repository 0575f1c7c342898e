// Test support for component authors: a host that records what components log, count and dead-letter, a
// consumer that records what it receives, entries to feed, and the lifecycle suite every component must pass.
import { describe, expect, it } from 'vitest';
import type {
  Component,
  Consumer,
  Counter,
  CreateSettings,
  DeadLetter,
  DeadLetterStore,
  Gauge,
  Histogram,
  Host,
  Logger,
  Metrics,
} from './component.ts';
import type { LogBatch, LogEntry } from './log-entry.ts';

/** One message a {@link TestHost}'s logger received. */
export interface LoggedMessage {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A {@link Host} (and {@link CreateSettings}) that keeps everything in memory for assertions. */
export interface TestHost extends Host, CreateSettings {
  readonly messages: LoggedMessage[];
  readonly letters: DeadLetter[];
  /** Current value of a counter or gauge (summed over label sets when `labels` is omitted). */
  metricValue(name: string, labels?: Record<string, string>): number;
  /** Observations of a histogram. */
  observations(name: string): number[];
}

function labelKey(labels: Record<string, string> | undefined): string {
  if (labels === undefined) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** A host for tests: in-memory logger, metrics and dead-letter store. `id` becomes the settings' id. */
export function createTestHost(id = 'test'): TestHost {
  const messages: LoggedMessage[] = [];
  const letters: DeadLetter[] = [];
  const values = new Map<string, Map<string, number>>();
  const observed = new Map<string, number[]>();
  const log =
    (level: LoggedMessage['level']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      messages.push({ level, message, fields: fields ?? {} });
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const series = (name: string): Map<string, number> => {
    let m = values.get(name);
    if (m === undefined) {
      m = new Map<string, number>();
      values.set(name, m);
    }
    return m;
  };
  const add = (name: string, value: number, labels?: Record<string, string>): void => {
    const m = series(name);
    const key = labelKey(labels);
    m.set(key, (m.get(key) ?? 0) + value);
  };
  const metrics: Metrics = {
    counter(name): Counter {
      series(name);
      return { inc: (value = 1, labels) => add(name, value, labels) };
    },
    gauge(name): Gauge {
      series(name);
      return {
        set: (value, labels) => series(name).set(labelKey(labels), value),
        inc: (value = 1, labels) => add(name, value, labels),
        dec: (value = 1, labels) => add(name, -value, labels),
      };
    },
    histogram(name): Histogram {
      return {
        observe: (value) => {
          const list = observed.get(name) ?? [];
          list.push(value);
          observed.set(name, list);
        },
      };
    },
  };
  const deadLetters: DeadLetterStore = {
    write: (batch) => {
      letters.push(...batch);
      return Promise.resolve();
    },
  };
  return {
    id,
    logger,
    metrics,
    deadLetters,
    messages,
    letters,
    metricValue(name, labels) {
      const m = values.get(name);
      if (m === undefined) return 0;
      if (labels !== undefined) return m.get(labelKey(labels)) ?? 0;
      let sum = 0;
      for (const v of m.values()) sum += v;
      return sum;
    },
    observations: (name) => [...(observed.get(name) ?? [])],
  };
}

/** A consumer that records every batch it receives; `respond` decides each outcome (default: resolve). */
export class CollectingConsumer implements Consumer {
  readonly batches: LogBatch[] = [];
  /** Called with the batch and its 0-based index; its promise is what `consume` returns. */
  respond: (batch: LogBatch, index: number) => Promise<void> = () => Promise.resolve();

  get entries(): LogEntry[] {
    return this.batches.flatMap((b) => b.entries);
  }

  consume(batch: LogBatch): Promise<void> {
    const index = this.batches.length;
    this.batches.push(batch);
    return this.respond(batch, index);
  }
}

/** An entry for tests: an http_requests record numbered `n`, overridable field by field. */
export function makeEntry(n: number, overrides: Partial<LogEntry> = {}): LogEntry {
  const record = { RayID: `ray${n}`, EdgeResponseStatus: 200, ClientRequestPath: `/item/${n}` };
  return {
    dataset: 'http_requests',
    record,
    timeUnixNano: 1_700_000_000_000_000_000n + BigInt(n),
    observedUnixNano: 1_700_000_001_000_000_000n,
    raw: JSON.stringify(record),
    position: { source: 'test.log', line: n, offset: n * 100 },
    attributes: {},
    ...overrides,
  };
}

/** A batch of `count` entries numbered from `from`. */
export function makeBatch(count: number, from = 1): LogBatch {
  return { entries: Array.from({ length: count }, (_, i) => makeEntry(from + i)) };
}

/** Options of {@link runLifecycleSuite}. */
export interface LifecycleSuiteOptions {
  /** What `consume()` does after `shutdown()` on this component: `rejects` (the default) or documented `resolves`. */
  readonly consumeAfterShutdown?: 'rejects' | 'resolves';
  /** The batch used for `consume()` (default: one http_requests entry). */
  readonly batch?: () => LogBatch;
  /** Cleans up after each test (temp dirs...). */
  readonly cleanup?: () => void | Promise<void>;
}

/**
 * Registers (with vitest) the lifecycle tests every component must pass: create then shut down without start;
 * start, then shut down twice; and, for consumers, what `consume()` does after shutdown. `makeComponent`
 * receives a fresh {@link TestHost} and returns a new component for each test.
 */
export function runLifecycleSuite(
  name: string,
  makeComponent: (host: TestHost) => Component | Promise<Component>,
  options: LifecycleSuiteOptions = {},
): void {
  describe(`${name} lifecycle`, () => {
    const withComponent = async (body: (c: Component, host: TestHost) => Promise<void>): Promise<void> => {
      const host = createTestHost(name);
      try {
        await body(await makeComponent(host), host);
      } finally {
        await options.cleanup?.();
      }
    };

    it('can be shut down without having been started', async () => {
      await withComponent(async (c) => {
        await expect(c.shutdown()).resolves.toBeUndefined();
      });
    });

    it('starts, then shuts down twice without error', async () => {
      await withComponent(async (c, host) => {
        await c.start(host);
        await expect(c.shutdown()).resolves.toBeUndefined();
        await expect(c.shutdown()).resolves.toBeUndefined();
      });
    });

    it(`${options.consumeAfterShutdown === 'resolves' ? 'accepts' : 'refuses'} batches after shutdown when it is a consumer`, async () => {
      await withComponent(async (c, host) => {
        await c.start(host);
        await c.shutdown();
        const consume = (c as Partial<Consumer>).consume;
        if (typeof consume !== 'function') {
          // receivers take no batches; nothing can be sent to them after shutdown
          expect('consume' in c).toBe(false);
          return;
        }
        const batch = options.batch?.() ?? makeBatch(1);
        const outcome = consume.call(c, batch);
        if (options.consumeAfterShutdown === 'resolves') await expect(outcome).resolves.toBeUndefined();
        else await expect(outcome).rejects.toThrow();
      });
    });
  });
}
