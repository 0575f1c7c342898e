// Test support for the logpush_file receiver: real temp directories, a real dead-letter store, an in-memory
// Metrics and Logger, and a consumer whose acknowledgements the test controls.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type {
  Consumer,
  CreateSettings,
  Host,
  LogBatch,
  LogEntry,
  Logger,
  Metrics,
} from '@logpush-otel/pipeline';
import { FileDeadLetterStore } from '../../src/dead-letter.ts';
import type { DeadLetterLine } from '../../src/dead-letter.ts';
import { logpushFileReceiverFactory } from '../../src/receivers/logpush-file/index.ts';
import type { EncodedBatch } from '../../src/workers/encoded.ts';
import { WorkerPool } from '../../src/workers/pool.ts';
import type {
  LogpushFileReceiver,
  LogpushFileReceiverConfig,
} from '../../src/receivers/logpush-file/index.ts';

/**
 * With `workers` above 1, receivers started by {@link startReceiver} read in a worker pool of that size, and the
 * test consumer gets the mapped records of each encoded batch as the exporter would when it needs them (read
 * again from the file on the main thread).
 */
export const harnessMode = { workers: 1 };

export async function tempDir(prefix: string, cleanup: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(dir);
  return dir;
}

export async function removeAll(cleanup: string[]): Promise<void> {
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** One NDJSON http_requests line with a unique RayID. */
export function line(id: string, extra = ''): string {
  return `{"RayID":"${id}","EdgeStartTimestamp":1700000000123456789,"ClientIP":"192.0.2.1","ClientRequestHost":"example.com","ClientRequestMethod":"GET","EdgeResponseStatus":200${extra}}`;
}

export function lines(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => line(`${prefix}-${i}`));
}

export function ndjson(records: readonly string[]): string {
  return records.map((r) => `${r}\n`).join('');
}

export function gzipText(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'utf8'));
}

/** Metrics that keep counter and gauge values by name (labels ignored). */
export class MemoryMetrics implements Metrics {
  readonly values = new Map<string, number>();
  counter(name: string): { inc(value?: number): void } {
    return { inc: (v = 1) => this.values.set(name, (this.values.get(name) ?? 0) + v) };
  }
  gauge(name: string): { set(v: number): void; inc(v?: number): void; dec(v?: number): void } {
    return {
      set: (v) => this.values.set(name, v),
      inc: (v = 1) => this.values.set(name, (this.values.get(name) ?? 0) + v),
      dec: (v = 1) => this.values.set(name, (this.values.get(name) ?? 0) - v),
    };
  }
  histogram(): { observe(): void } {
    return { observe: () => undefined };
  }
  get(name: string): number {
    return this.values.get(name) ?? 0;
  }
}

export class MemoryLogger implements Logger {
  readonly messages: { level: string; message: string; fields: Record<string, unknown> | undefined }[] = [];
  debug(message: string, fields?: Record<string, unknown>): void {
    this.messages.push({ level: 'debug', message, fields });
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.messages.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.messages.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.messages.push({ level: 'error', message, fields });
  }
}

interface Held {
  batch: LogBatch;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A consumer that records what it was given. By default it acknowledges at once; `hold = true` keeps every
 * batch pending until the test calls `release`/`fail`; `decide` may reject a batch instead.
 */
export class TestConsumer implements Consumer {
  /** Entries of acknowledged batches, in acknowledgement order. */
  readonly delivered: LogEntry[] = [];
  /** Every batch handed to consume (acknowledged or not). */
  readonly calls: LogBatch[] = [];
  readonly held: Held[] = [];
  hold = false;
  decide: ((batch: LogBatch, call: number) => Error | undefined) | undefined;
  inFlight = 0;
  maxInFlight = 0;
  /** The re-reads of encoded batches, chained in arrival order (see `consumeEncoded`). */
  #reading: Promise<void> = Promise.resolve();

  consume(batch: LogBatch): Promise<void> {
    this.calls.push(batch);
    const error = this.decide?.(batch, this.calls.length);
    if (error !== undefined) return Promise.reject(error);
    return this.#accept(batch);
  }

  /**
   * An encoded batch (workers): decided at once, as `consume` decides, then held or acknowledged with its
   * records read again from the file (what an exporter does when it needs them).
   */
  async consumeEncoded(encoded: EncodedBatch): Promise<void> {
    const batch = { entries: [] as LogEntry[] };
    this.calls.push(batch);
    const error = this.decide?.(batch, this.calls.length);
    if (error !== undefined) throw error;
    // Held in arrival order (before the records are read again), so `release(i)` means the i-th batch sent.
    // The re-reads run one after the other: run at once, a small batch read after a big one could finish first
    // and be acknowledged first, and `delivered` would no longer follow the order the batches were sent in.
    const read = this.#reading
      .then(() => encoded.entries())
      .then((entries) => {
        batch.entries.push(...entries);
      });
    this.#reading = read.catch(() => undefined);
    await this.#accept(batch, read);
  }

  #accept(batch: LogBatch, read: Promise<void> = Promise.resolve()): Promise<void> {
    if (!this.hold) return read.then(() => void this.delivered.push(...batch.entries));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<void>((resolve, reject) => {
      this.held.push({
        batch,
        resolve: () => {
          this.inFlight--;
          read.then(() => {
            this.delivered.push(...batch.entries);
            resolve();
          }, reject);
        },
        reject: (e: Error) => {
          this.inFlight--;
          reject(e);
        },
      });
    });
  }

  /** Acknowledges the held batch at `index` (in arrival order among those still held). */
  release(index = 0): void {
    const [h] = this.held.splice(index, 1);
    h?.resolve();
  }

  releaseAll(): void {
    for (const h of this.held.splice(0)) h.resolve();
  }

  failAll(error: Error): void {
    for (const h of this.held.splice(0)) h.reject(error);
  }

  rayIds(): string[] {
    return this.delivered.map((e) => e.record['RayID'] as string);
  }
}

export interface Harness {
  receiver: LogpushFileReceiver;
  consumer: TestConsumer;
  metrics: MemoryMetrics;
  logger: MemoryLogger;
  deadLetters: FileDeadLetterStore;
  deadLetterDir: string;
  config: LogpushFileReceiverConfig;
  stop(): Promise<void>;
}

/** Creates and starts a receiver over `directory` with fast test timings and the given overrides. */
export async function startReceiver(
  directory: string,
  stateDir: string,
  overrides: Record<string, unknown> = {},
  consumer = new TestConsumer(),
  id = 'logpush_file',
): Promise<Harness> {
  const input = {
    directory,
    checkpoint_dir: join(stateDir, 'checkpoints'),
    poll_interval: '25ms',
    retry_initial_interval: '20ms',
    retry_max_interval: '100ms',
    ...overrides,
  };
  const validated = logpushFileReceiverFactory.validate(input, `receivers.${id}`);
  if (!validated.ok) throw new Error(validated.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  const metrics = new MemoryMetrics();
  const logger = new MemoryLogger();
  const deadLetterDir = join(stateDir, 'dead-letters');
  const deadLetters = new FileDeadLetterStore(deadLetterDir);
  const settings: CreateSettings = { id, logger, metrics, deadLetters };
  const receiver = logpushFileReceiverFactory.create(settings, validated.config, consumer);
  if (harnessMode.workers > 1) {
    receiver.useWorkers({
      pool: new WorkerPool(harnessMode.workers),
      mapping: {},
      mapComponent: 'processors/cloudflare',
      encoding: { protocol: 'http/protobuf', compression: 'none', compressionLevel: 0 },
      deliver: (batch: EncodedBatch) => consumer.consumeEncoded(batch),
    });
  }
  const host: Host = { logger, metrics, deadLetters };
  await receiver.start(host);
  return {
    receiver,
    consumer,
    metrics,
    logger,
    deadLetters,
    deadLetterDir,
    config: validated.config,
    async stop() {
      await receiver.shutdown();
      await deadLetters.close();
    },
  };
}

/**
 * Waits until `check` returns true, polling every 10 ms; fails with `what` after `ms` (by default 20 s: room for
 * a machine busy with other suites, still inside the 30 s test timeout).
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every dead letter written under `dir`. */
export async function readDeadLetters(dir: string): Promise<DeadLetterLine[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: DeadLetterLine[] = [];
  for (const name of names.sort()) {
    const text = await readFile(join(dir, name), 'utf8');
    // Complete lines only: a poll may see a file created but not yet (fully) written.
    for (const l of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
      if (l !== '') out.push(JSON.parse(l) as DeadLetterLine);
    }
  }
  return out;
}

/** Counts of each value. */
export function multiset(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}
