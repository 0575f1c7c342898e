// The `otlp` exporter: encodes mapped entries with @logpush-otel/otlp's fast encoders, splits batches by encoded
// size, sends them with at most `concurrency` requests in flight, retries what the OTLP specification calls
// retryable (with exponential backoff and jitter, honouring Retry-After), and dead-letters what the backend refuses
// for good (non-retryable statuses, partial-success rejections). consume() resolves only once every entry is
// acknowledged by the backend or durably dead-lettered; it rejects when retrying gave up, so the source does not
// advance and reads the entries again later.
import { readFileSync } from 'node:fs';
import { decodeExportLogsResponse, encodeLogsJson, encodeLogsProto } from '@logpush-otel/otlp';
import { deadLetterRaw } from '@logpush-otel/pipeline';
import type {
  Counter,
  CreateSettings,
  DeadLetter,
  Exporter,
  Gauge,
  Histogram,
  Host,
  LogBatch,
  LogEntry,
} from '@logpush-otel/pipeline';
import { backoffDelay } from '../../backoff.ts';
import type { BodyEncoding, EncodedBatch, EncodedConsumer } from '../../workers/encoded.ts';
import { sameEncoding } from '../../workers/encoded.ts';
import type { OtlpExporterConfig } from './config.ts';
import { resolveLogsUrl } from './config.ts';
import { HttpSender } from './http-sender.ts';
import type { SendOutcome } from './http-sender.ts';
import { EXPORTER_METRICS } from '../metric-names.ts';

const VERSION = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/** Raised when an export could not be delivered (retries exhausted or disabled, or shutdown): do not advance. */
export class ExportFailedError extends Error {
  override readonly name = 'ExportFailedError';
}

/** A counting semaphore with FIFO hand-off: at most `limit` holders at once. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.#free = limit;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ExportFailedError('the exporter is shutting down'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ExportFailedError('the exporter is shutting down'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The records of a request: their number, and the records themselves when needed (dead letters). */
interface RequestRecords {
  readonly count: number;
  entries(): Promise<readonly LogEntry[]>;
}

function recordsOf(entries: readonly LogEntry[]): RequestRecords {
  return { count: entries.length, entries: () => Promise.resolve(entries) };
}

/** Test hooks: a random source for jitter (default Math.random). */
export interface OtlpExporterOptions {
  readonly random?: () => number;
}

/** The `otlp` exporter component. Create it with {@link otlpExporterFactory}. */
export class OtlpExporter implements Exporter, EncodedConsumer {
  readonly url: URL;
  /** How request bodies are encoded (workers encode to it for {@link consumeEncoded}). */
  readonly encoding: BodyEncoding;
  readonly #settings: CreateSettings;
  readonly #config: OtlpExporterConfig;
  readonly #sender: HttpSender;
  readonly #slots: Slots;
  readonly #random: () => number;
  readonly #stopping = new AbortController();
  readonly #active = new Set<Promise<unknown>>();
  #shutdown: Promise<void> | undefined;
  /** `Date.now()` before which no request is sent (the latest Retry-After a server asked for). */
  #notBefore = 0;
  readonly #labels: Record<string, string>;
  readonly #sentRecords: Counter;
  readonly #sentBytes: Counter;
  readonly #failedRecords: Counter;
  readonly #deadLettered: Counter;
  readonly #retries: Counter;
  readonly #latency: Histogram;
  readonly #inFlight: Gauge;

  constructor(settings: CreateSettings, config: OtlpExporterConfig, options: OtlpExporterOptions = {}) {
    this.#settings = settings;
    this.#config = config;
    this.url = resolveLogsUrl(config);
    this.encoding = {
      protocol: config.protocol === 'http/json' ? 'http/json' : 'http/protobuf',
      compression: config.compression,
      compressionLevel: config.compression_level,
    };
    this.#random = options.random ?? Math.random;
    this.#slots = new Slots(config.concurrency);
    this.#sender = new HttpSender({
      url: this.url,
      contentType: config.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      headers: config.headers,
      compression: config.compression,
      compressionLevel: config.compression_level,
      timeoutMs: config.timeout,
      maxSockets: config.concurrency,
      userAgent: `logpush-otel/${VERSION}`,
    });
    const m = settings.metrics;
    const names = EXPORTER_METRICS;
    this.#labels = { exporter: settings.id };
    const labelNames = ['exporter'];
    this.#sentRecords = m.counter(names.sentRecords, 'Records acknowledged by the backend', labelNames);
    this.#sentBytes = m.counter(names.sentBytes, 'Request bytes sent on the wire (compressed)', labelNames);
    this.#failedRecords = m.counter(
      names.failedRecords,
      'Records whose export gave up (to be read again)',
      labelNames,
    );
    this.#deadLettered = m.counter(
      names.deadLettered,
      'Records refused by the backend and dead-lettered',
      labelNames,
    );
    this.#retries = m.counter(names.retries, 'Export attempts retried', labelNames);
    this.#latency = m.histogram(
      names.latency,
      'Duration of one export request, seconds',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      labelNames,
    );
    this.#inFlight = m.gauge(names.inFlight, 'Export requests in flight', labelNames);
  }

  /** Nothing to start: sockets open on the first request. */
  start(_host: Host): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Exports the batch. Resolves once every entry is acknowledged by the backend or dead-lettered (refused for good);
   * rejects with {@link ExportFailedError} when delivery gave up (retries exhausted, retry disabled, shutdown),
   * and with a plain Error when entries arrive unmapped (a pipeline without the `cloudflare` processor).
   */
  async consume(batch: LogBatch): Promise<void> {
    if (this.#shutdown !== undefined) {
      throw new ExportFailedError(`exporters/${this.#settings.id} is shut down; the batch was not sent`);
    }
    const entries = batch.entries;
    if (entries.length === 0) return;
    for (const entry of entries) {
      if (entry.log === undefined || entry.resource === undefined) {
        throw new Error(
          `exporters/${this.#settings.id}: got a record without a mapped LogRecord (${entry.position.source} line ` +
            `${entry.position.line}); put the cloudflare processor before this exporter in the pipeline`,
        );
      }
    }
    try {
      await this.#track(this.#deliver(entries));
    } catch (error) {
      throw error instanceof Error ? error : new ExportFailedError(String(error));
    }
  }

  /**
   * Exports a batch a worker already encoded (see {@link EncodedBatch}), with the guarantees of `consume`. A body
   * over max_request_size, or encoded otherwise than this exporter sends, goes the `consume` way with the records
   * read again.
   */
  async consumeEncoded(batch: EncodedBatch): Promise<void> {
    if (this.#shutdown !== undefined) {
      throw new ExportFailedError(`exporters/${this.#settings.id} is shut down; the batch was not sent`);
    }
    if (batch.records === 0) return;
    const oversized = batch.encodedBytes > this.#config.max_request_size && batch.records > 1;
    if (oversized || !sameEncoding(batch.encoding, this.encoding)) {
      await this.consume({ entries: await batch.entries() });
      return;
    }
    const records: RequestRecords = { count: batch.records, entries: batch.entries };
    try {
      await this.#track(
        (async () => {
          await this.#slots.acquire();
          try {
            await this.#sendWithRetry(records, batch.wire);
          } finally {
            this.#slots.release();
          }
        })(),
      );
    } catch (error) {
      throw error instanceof Error ? error : new ExportFailedError(String(error));
    }
  }

  /** Stops taking batches, cancels retry waits (those batches reject), lets requests in flight finish. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      this.#stopping.abort();
      while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
      this.#sender.close();
    })();
    return this.#shutdown;
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#active.add(promise);
    const remove = (): void => {
      this.#active.delete(promise);
    };
    promise.then(remove, remove);
    return promise;
  }

  #encode(entries: readonly LogEntry[]): Uint8Array {
    return this.#config.protocol === 'http/json'
      ? new TextEncoder().encode(encodeLogsJson(entries))
      : encodeLogsProto(entries);
  }

  /**
   * Encodes and sends the entries while holding a concurrency slot (so at most `concurrency` encoded requests
   * exist at once). A body over max_request_size gives its slot back and goes out in parts, each with its own slot
   * (a lone oversized record goes alone: the backend decides). Rejects with the first part that failed, after all
   * parts settled.
   */
  async #deliver(entries: readonly LogEntry[]): Promise<void> {
    await this.#slots.acquire();
    let holding = true;
    try {
      const body = this.#encode(entries);
      const max = this.#config.max_request_size;
      if (body.byteLength > max && entries.length > 1) {
        this.#slots.release();
        holding = false;
        const parts = Math.min(entries.length, Math.ceil((body.byteLength / max) * 1.1));
        const size = Math.ceil(entries.length / parts);
        const slices: LogEntry[][] = [];
        for (let i = 0; i < entries.length; i += size) slices.push(entries.slice(i, i + size));
        const results = await Promise.allSettled(slices.map((slice) => this.#deliver(slice)));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
        return;
      }
      const wire = await this.#sender.prepare(body);
      await this.#sendWithRetry(recordsOf(entries), wire);
    } finally {
      if (holding) this.#slots.release();
    }
  }

  async #sendWithRetry(records: RequestRecords, wire: Uint8Array): Promise<void> {
    const retry = this.#config.retry_on_failure;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.#stopping.signal.aborted && attempt > 1) {
        this.#failedRecords.inc(records.count, this.#labels);
        throw new ExportFailedError(
          `exporters/${this.#settings.id}: shut down before the backend acknowledged the batch`,
        );
      }
      // A server's Retry-After holds every request of this exporter, also batches handed over after a give-up.
      const hold = this.#notBefore - Date.now();
      if (hold > 0) {
        await sleep(hold, this.#stopping.signal).catch((error: unknown) => {
          this.#failedRecords.inc(records.count, this.#labels);
          throw error;
        });
      }
      this.#inFlight.inc(1, this.#labels);
      const t0 = performance.now();
      let outcome: SendOutcome;
      try {
        outcome = await this.#sender.send(wire);
      } finally {
        this.#inFlight.dec(1, this.#labels);
      }
      this.#latency.observe((performance.now() - t0) / 1000, this.#labels);
      this.#sentBytes.inc(wire.byteLength, this.#labels);
      if (outcome.kind === 'success') {
        await this.#acknowledged(records, outcome.body, outcome.contentType);
        return;
      }
      if (outcome.kind === 'permanent') {
        await this.#deadLetter(records, `the backend refused the request for good: ${outcome.reason}`);
        return;
      }
      const elapsed = Date.now() - started;
      const jittered = backoffDelay(
        {
          initial: retry.initial_interval,
          max: retry.max_interval,
          multiplier: retry.multiplier,
          randomization: retry.randomization_factor,
        },
        attempt,
        this.#random,
      );
      const retryAfter = outcome.retryAfterMs;
      const wait = retryAfter !== undefined && retryAfter > 0 ? retryAfter : jittered;
      if (retryAfter !== undefined && retryAfter > 0) {
        this.#notBefore = Math.max(this.#notBefore, Date.now() + retryAfter);
      }
      const giveUp =
        !retry.enabled ||
        this.#stopping.signal.aborted ||
        (retry.max_elapsed_time > 0 && elapsed + wait > retry.max_elapsed_time);
      if (giveUp) {
        this.#failedRecords.inc(records.count, this.#labels);
        const why = !retry.enabled
          ? 'retry_on_failure is disabled'
          : this.#stopping.signal.aborted
            ? 'the exporter is shutting down'
            : `retrying would pass max_elapsed_time (${retry.max_elapsed_time} ms)`;
        this.#settings.logger.error('export failed; the records will be read again', {
          exporter: this.#settings.id,
          records: records.count,
          attempts: attempt,
          reason: outcome.reason,
        });
        throw new ExportFailedError(
          `exporters/${this.#settings.id}: gave up after ${attempt} attempt(s) over ${elapsed} ms (${why}); ` +
            `last error: ${outcome.reason}`,
        );
      }
      this.#retries.inc(1, this.#labels);
      if (attempt === 1 || attempt % 10 === 0) {
        this.#settings.logger.warn('export failed; retrying', {
          exporter: this.#settings.id,
          attempt,
          retryInMs: Math.round(wait),
          retryAfter: outcome.retryAfterMs !== undefined,
          reason: outcome.reason,
        });
      }
      await sleep(wait, this.#stopping.signal).catch((error: unknown) => {
        this.#failedRecords.inc(records.count, this.#labels);
        throw error;
      });
    }
  }

  /** A 2xx: everything delivered, unless the response carries a partial success with rejections. */
  async #acknowledged(records: RequestRecords, body: Uint8Array, contentType: string): Promise<void> {
    let rejected = 0;
    let message = '';
    if (body.byteLength > 0) {
      try {
        const response = decodeExportLogsResponse(body, contentType);
        rejected = response.rejectedLogRecords;
        message = response.errorMessage;
      } catch (error) {
        this.#settings.logger.warn('the backend accepted the request but its response could not be decoded', {
          exporter: this.#settings.id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    const total = records.count;
    if (rejected <= 0) {
      if (message !== '') {
        this.#settings.logger.warn('the backend accepted every record with a warning', {
          exporter: this.#settings.id,
          message,
        });
      }
      this.#sentRecords.inc(total, this.#labels);
      return;
    }
    // OTLP does not say which records were rejected, so every record of the request is dead-lettered (a replay
    // may duplicate the accepted ones; log.record.uid lets a backend drop those).
    const which =
      rejected >= total ? '' : ' (OTLP does not say which, so every record of the request is kept here)';
    await this.#deadLetter(
      records,
      `the backend rejected ${rejected} of ${total} records of the request (partial success)${which}: ` +
        `${message === '' ? 'no message' : message}`,
    );
    this.#sentRecords.inc(Math.max(0, total - rejected), this.#labels);
  }

  async #deadLetter(records: RequestRecords, reason: string): Promise<void> {
    const component = `exporters/${this.#settings.id}`;
    const entries = await records.entries();
    const letters: DeadLetter[] = entries.map((e) => ({
      reason,
      component,
      source: e.position.source,
      line: e.position.line,
      offset: e.position.offset,
      raw: deadLetterRaw(e),
    }));
    await this.#settings.deadLetters.write(letters);
    this.#deadLettered.inc(entries.length, this.#labels);
    this.#settings.logger.error('records dead-lettered', {
      exporter: this.#settings.id,
      records: entries.length,
      reason,
    });
  }
}
