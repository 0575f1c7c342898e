// The `otlp` exporter: encodes mapped entries with @logpush-otel/otlp's fast encoders, splits batches by encoded
// size, sends them with at most `concurrency` requests in flight, retries what is retryable (with exponential
// backoff and jitter, honouring Retry-After), and dead-letters only what the records caused (400 and 422 answers,
// partial-success rejections, a lone record answered 413; a bigger request answered 413 is split first). An
// answer that blames the exporter's configuration (401, 403, 407, 404...) pauses it: the batch is kept and
// retried forever with backoff up to retry_on_failure.misconfigured_max_interval, /readyz reports not ready, one
// error names the endpoint, the status and the names of the headers sent. consume() resolves only once every
// entry is acknowledged by the backend or durably dead-lettered; it rejects when retrying gave up, so the source
// does not advance and reads the entries again later.
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
  LogEntry,
  MappedBatch,
} from '@logpush-otel/pipeline';
import { backoffDelay } from '../../backoff.ts';
import type { BackoffPolicy } from '../../backoff.ts';
import type { BodyEncoding, EncodedBatch, EncodedConsumer } from '../../workers/encoded.ts';
import { sameEncoding } from '../../workers/encoded.ts';
import type { OtlpExporterConfig } from './config.ts';
import { resolveLogsUrl } from './config.ts';
import { HttpSender } from './http-sender.ts';
import { redactUrl } from '../../config/redact.ts';
import type { SendOutcome } from './http-sender.ts';
import { loadTls } from './transport.ts';
import type { TlsRequestOptions } from './transport.ts';
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

/**
 * The sender of the exporter `id`: its URL, protocol, headers, compression, TLS files (read and checked now:
 * throws an Error naming the exporter, the key and the file) and proxy.
 */
export function createHttpSender(id: string, config: OtlpExporterConfig): HttpSender {
  const url = resolveLogsUrl(config);
  let tls: TlsRequestOptions | undefined;
  if (url.protocol === 'https:') {
    try {
      tls = loadTls(config.tls);
    } catch (error) {
      throw new Error(`exporters/${id}: ${(error as Error).message}`, { cause: error });
    }
  }
  return new HttpSender({
    ...(tls === undefined ? {} : { tls }),
    proxy: config.proxy_url,
    url,
    contentType: config.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    headers: config.headers,
    compression: config.compression,
    compressionLevel: config.compression_level,
    timeoutMs: config.timeout,
    maxSockets: config.concurrency,
    userAgent: `logpush-otel/${VERSION}`,
  });
}

/**
 * Sends one empty export request (no records) with the exporter's settings and says how the backend answered:
 * `ok` true for a 2xx. For `validate --check-endpoints`.
 */
export async function probeEndpoint(
  id: string,
  config: OtlpExporterConfig,
): Promise<{ ok: boolean; message: string }> {
  const sender = createHttpSender(id, config);
  try {
    const body = config.protocol === 'http/json' ? new TextEncoder().encode('{}') : new Uint8Array(0);
    const outcome = await sender.send(await sender.prepare(body));
    if (outcome.kind === 'success')
      return { ok: true, message: `HTTP ${outcome.status} from ${redactUrl(sender.url)}` };
    return { ok: false, message: outcome.reason };
  } finally {
    sender.close();
  }
}

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
  readonly #enqueueFailed: Counter;
  readonly #retries: Counter;
  readonly #latency: Histogram;
  readonly #inFlight: Gauge;
  readonly #misconfiguredRefusals: Counter;
  readonly #pausedGauge: Gauge;
  /** Why the exporter is paused (the backend refuses its requests for a configuration reason), or undefined. */
  #paused: string | undefined;
  #pausedSince = 0;

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
    this.#sender = createHttpSender(settings.id, config);
    const m = settings.metrics;
    const names = EXPORTER_METRICS;
    this.#labels = { exporter: settings.id };
    const labelNames = ['exporter'];
    this.#sentRecords = m.counter(names.sentRecords, 'Records acknowledged by the backend', labelNames);
    this.#sentBytes = m.counter(names.sentBytes, 'Request bytes sent on the wire (compressed)', labelNames);
    this.#failedRecords = m.counter(
      names.failedRecords,
      'Records whose export failed: retrying gave up (read again later) or the backend refused them (dead-lettered)',
      labelNames,
    );
    this.#enqueueFailed = m.counter(
      names.enqueueFailed,
      'Records handed to the exporter after it shut down (not sent; read again later)',
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
    this.#misconfiguredRefusals = m.counter(
      names.misconfiguredRefusals,
      'Requests refused for a configuration reason (401, 403, 407, 404...); their records are kept and retried',
      ['exporter', 'status'],
    );
    this.#pausedGauge = m.gauge(
      names.paused,
      '1 while the backend refuses the exporter for a configuration reason (delivery paused), else 0',
      labelNames,
    );
    this.#pausedGauge.set(0, this.#labels);
  }

  /** Why this exporter cannot deliver now (see the pipeline's ReportsReadiness), or undefined when it can. */
  notReadyReason(): string | undefined {
    return this.#paused;
  }

  /** Enters (or stays in) the paused state after a refusal that blames the configuration. */
  #pause(status: number, reason: string): void {
    this.#misconfiguredRefusals.inc(1, { ...this.#labels, status: String(status) });
    const first = this.#paused === undefined;
    this.#paused = `exporters/${this.#settings.id}: ${reason}`;
    if (!first) return;
    this.#pausedSince = Date.now();
    this.#pausedGauge.set(1, this.#labels);
    const hint =
      status === 0
        ? 'check the tls settings'
        : status === 401 || status === 403
          ? 'check the API key or credentials in the headers'
          : status === 407
            ? 'check the proxy credentials (proxy_url, HTTPS_PROXY)'
            : 'check the endpoint URL (a path ending in /v1/logs belongs in logs_endpoint)';
    this.#settings.logger.error(
      'the backend refuses this exporter (configuration fault); delivery is paused and the records are kept',
      {
        exporter: this.#settings.id,
        endpoint: redactUrl(this.url),
        status,
        headers: this.#sender.headerNames,
        hint,
        retryUpToMs: this.#config.retry_on_failure.misconfigured_max_interval,
        reason,
      },
    );
  }

  #resume(): void {
    if (this.#paused === undefined) return;
    this.#paused = undefined;
    this.#pausedGauge.set(0, this.#labels);
    this.#settings.logger.info('the backend accepts this exporter again; delivery resumed', {
      exporter: this.#settings.id,
      pausedMs: Date.now() - this.#pausedSince,
    });
  }

  /** Nothing to start: sockets open on the first request. */
  start(_host: Host): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Exports the batch. Resolves once every entry is acknowledged by the backend or dead-lettered (refused for good);
   * rejects with {@link ExportFailedError} when delivery gave up (retries exhausted, retry disabled, shutdown).
   * Entries arrive mapped: the service runs the mapping before every exporter.
   */
  async consume(batch: MappedBatch): Promise<void> {
    if (this.#shutdown !== undefined) {
      this.#enqueueFailed.inc(batch.entries.length, this.#labels);
      throw new ExportFailedError(`exporters/${this.#settings.id} is shut down; the batch was not sent`);
    }
    const entries = batch.entries;
    if (entries.length === 0) return;
    try {
      await this.#track(this.#deliver(entries));
    } catch (error) {
      throw error instanceof Error ? error : new ExportFailedError(String(error));
    }
  }

  /**
   * Exports a batch a worker already encoded (see {@link EncodedBatch}), with the guarantees of `consume`: the
   * same retries, pause on a configuration refusal, dead letters. A body over max_request_size, encoded otherwise
   * than this exporter sends, or answered 413, goes the `consume` way (in parts) with the records read again.
   */
  async consumeEncoded(batch: EncodedBatch): Promise<void> {
    if (this.#shutdown !== undefined) {
      this.#enqueueFailed.inc(batch.records, this.#labels);
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
          let result: 'done' | 'split';
          try {
            result = await this.#sendWithRetry(records, batch.wire);
          } finally {
            this.#slots.release();
          }
          if (result === 'split') await this.#deliverInParts(await batch.entries(), 2);
        })(),
      );
    } catch (error) {
      throw error instanceof Error ? error : new ExportFailedError(String(error));
    }
  }

  /**
   * Stops taking batches, cancels retry waits and requests in flight (those batches reject: their records are
   * read again later). The service calls it last, once the receivers stopped; on a shutdown that outlives its
   * grace period it is called early to abandon retries.
   */
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
   * exist at once). A body over max_request_size, or one the backend answered 413, gives its slot back and goes
   * out in parts, each with its own slot (a lone oversized record goes alone: the backend decides, and a 413 for
   * it dead-letters it). Rejects with the first part that failed, after all parts settled.
   */
  async #deliver(entries: readonly LogEntry[]): Promise<void> {
    await this.#slots.acquire();
    let holding = true;
    try {
      const body = this.#encode(entries);
      const max = this.#config.max_request_size;
      let parts = 0;
      if (body.byteLength > max && entries.length > 1) {
        parts = Math.min(entries.length, Math.ceil((body.byteLength / max) * 1.1));
      } else {
        const wire = await this.#sender.prepare(body);
        const result = await this.#sendWithRetry(recordsOf(entries), wire);
        if (result === 'done') return;
        parts = 2;
      }
      this.#slots.release();
      holding = false;
      await this.#deliverInParts(entries, parts);
    } finally {
      if (holding) this.#slots.release();
    }
  }

  /** Sends `entries` in `parts` slices, each on its own; rejects with the first that failed, after all settled. */
  async #deliverInParts(entries: readonly LogEntry[], parts: number): Promise<void> {
    const size = Math.ceil(entries.length / parts);
    const slices: LogEntry[][] = [];
    for (let i = 0; i < entries.length; i += size) slices.push(entries.slice(i, i + size));
    const results = await Promise.allSettled(slices.map((slice) => this.#deliver(slice)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** Rejects with ExportFailedError (counting the records as failed) when the exporter is shutting down. */
  async #wait(ms: number, records: RequestRecords): Promise<void> {
    await sleep(ms, this.#stopping.signal).catch((error: unknown) => {
      this.#failedRecords.inc(records.count, this.#labels);
      throw error;
    });
  }

  /**
   * Sends one request until it is acknowledged or dead-lettered ('done'), or answered 413 while holding more than
   * one record ('split': the caller sends it in halves). Rejects when retrying gave up.
   */
  async #sendWithRetry(records: RequestRecords, wire: Uint8Array): Promise<'done' | 'split'> {
    const retry = this.#config.retry_on_failure;
    let started = Date.now();
    // attempts since the last success or pause (regular backoff), and of the current pause (capped apart)
    let retryAttempt = 0;
    let pausedAttempt = 0;
    const policy = (max: number): BackoffPolicy => ({
      initial: retry.initial_interval,
      max,
      multiplier: retry.multiplier,
      randomization: retry.randomization_factor,
    });
    for (let attempt = 1; ; attempt++) {
      if (this.#stopping.signal.aborted && attempt > 1) {
        this.#failedRecords.inc(records.count, this.#labels);
        throw new ExportFailedError(
          `exporters/${this.#settings.id}: shut down before the backend acknowledged the batch`,
        );
      }
      // A server's Retry-After (or a configuration refusal) holds every request of this exporter, also batches
      // handed over after a give-up.
      const hold = this.#notBefore - Date.now();
      if (hold > 0) await this.#wait(hold, records);
      this.#inFlight.inc(1, this.#labels);
      const t0 = performance.now();
      let outcome: SendOutcome;
      try {
        outcome = await this.#sender.send(wire, this.#stopping.signal);
      } finally {
        this.#inFlight.dec(1, this.#labels);
      }
      this.#latency.observe((performance.now() - t0) / 1000, this.#labels);
      this.#sentBytes.inc(wire.byteLength, this.#labels);
      if (outcome.kind === 'success') {
        this.#resume();
        await this.#acknowledged(records, outcome.body, outcome.contentType);
        return 'done';
      }
      if (outcome.kind === 'too_large' && records.count > 1) {
        this.#resume();
        this.#settings.logger.warn('the backend refused the request as too large; sending it in halves', {
          exporter: this.#settings.id,
          records: records.count,
          bytes: wire.byteLength,
        });
        return 'split';
      }
      if (outcome.kind === 'permanent' || outcome.kind === 'too_large') {
        this.#resume();
        await this.#deadLetter(records, `the backend refused the request for good: ${outcome.reason}`);
        return 'done';
      }
      if (outcome.kind === 'misconfigured') {
        // Not the records' fault: keep them and retry forever (until shutdown), with a capped backoff.
        this.#pause(outcome.status, outcome.reason);
        if (this.#stopping.signal.aborted) {
          this.#failedRecords.inc(records.count, this.#labels);
          throw new ExportFailedError(
            `exporters/${this.#settings.id}: shut down while the backend refused the exporter: ${outcome.reason}`,
          );
        }
        pausedAttempt++;
        const wait = backoffDelay(policy(retry.misconfigured_max_interval), pausedAttempt, this.#random);
        this.#notBefore = Math.max(this.#notBefore, Date.now() + wait);
        this.#retries.inc(1, this.#labels);
        await this.#wait(wait, records);
        started = Date.now();
        retryAttempt = 0;
        continue;
      }
      const elapsed = Date.now() - started;
      retryAttempt++;
      const jittered = backoffDelay(policy(retry.max_interval), retryAttempt, this.#random);
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
      await this.#wait(wait, records);
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
    this.#failedRecords.inc(entries.length, this.#labels);
    this.#settings.logger.error('records dead-lettered', {
      exporter: this.#settings.id,
      records: entries.length,
      reason,
    });
  }
}
