// `ack: export`: no spool. A body is kept in memory (compressed, bounded by max_body_bytes), parsed, and handed
// to the pipeline; the 2xx is sent once the exporters acknowledged every record (or they went to dead letters).
// A push not acknowledged within export_timeout is answered 503, and Logpush sends it again.
import { parseBatches } from '@logpush-otel/parser';
import { isPermanentError } from '@logpush-otel/pipeline';
import type { Consumer, CreateSettings, DeadLetter, LogEntry } from '@logpush-otel/pipeline';
import { Refusal } from './body.ts';
import type { BodyVerdict } from './body.ts';
import type { LogpushHttpReceiverConfig } from './config.ts';
import type { BodySink, SinkBody } from './handler.ts';
import { AUTO_FOLDER } from './spool-readers.ts';

/** Bodies straight to the pipeline; see the module comment. */
export class ExportSink implements BodySink {
  readonly #settings: CreateSettings;
  readonly #config: LogpushHttpReceiverConfig;
  readonly #next: Consumer;
  readonly #component: string;
  readonly #pending = new Set<Promise<unknown>>();
  #seq = 0;

  constructor(settings: CreateSettings, config: LogpushHttpReceiverConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#component = `receivers/${settings.id}`;
  }

  requestId(now: number): string {
    this.#seq = (this.#seq + 1) % 1_000_000;
    return `${now.toString(36)}${String(this.#seq).padStart(6, '0')}`;
  }

  busy(): Refusal | undefined {
    return undefined;
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async begin(requestId: string, dataset: string): Promise<SinkBody> {
    let chunks: Buffer[] = [];
    return {
      write: (chunk: Buffer) => {
        chunks.push(chunk);
        return Promise.resolve();
      },
      commit: async (_verdict: BodyVerdict) => {
        const body = Buffer.concat(chunks);
        chunks = [];
        await this.#deliver(requestId, dataset, body);
      },
      discard: () => {
        chunks = [];
        return Promise.resolve();
      },
    };
  }

  /** Waits (bounded by export_timeout) for deliveries that outlived their request. */
  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise<void>((r) => (timer = setTimeout(r, this.#config.export_timeout))),
    ]);
    clearTimeout(timer);
  }

  async #deliver(requestId: string, dataset: string, body: Buffer): Promise<void> {
    const source = `request ${requestId}`;
    const parsed = parseBatches(body, {
      source,
      dataset: dataset === AUTO_FOLDER ? 'auto' : dataset,
      maxLineBytes: this.#config.max_line_bytes,
    });
    const entries: LogEntry[] = [];
    const letters: DeadLetter[] = [];
    const observed = BigInt(Date.now()) * 1_000_000n;
    for (;;) {
      const step = await parsed.next();
      if (step.done === true) break;
      for (const r of step.value) {
        if (r.ok) {
          entries.push({
            dataset: r.dataset,
            record: r.record,
            timeUnixNano: r.timeUnixNano,
            observedUnixNano: observed,
            raw: r.raw,
            position: { source, line: r.line, offset: r.offset },
            attributes: {},
          });
        } else {
          const e = r.error;
          if (e.code === 'truncated-gzip' || e.code === 'corrupt-gzip' || e.code === 'read-error')
            throw new Refusal(400, 'invalid-gzip', `the body could not be read: ${e.reason}`);
          letters.push({
            reason: `${e.code}: ${e.reason}`,
            component: this.#component,
            source,
            line: e.line,
            offset: e.offset,
            raw: e.raw,
            ...(e.field === undefined ? {} : { field: e.field }),
          });
        }
      }
    }
    const work: Promise<unknown>[] = [];
    if (letters.length > 0) work.push(this.#settings.deadLetters.write(letters));
    for (let i = 0; i < entries.length; i += this.#config.batch_size)
      work.push(this.#consume(entries.slice(i, i + this.#config.batch_size), source));
    const all = Promise.all(work);
    this.#pending.add(all);
    void all.finally(() => this.#pending.delete(all)).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Refusal(
              503,
              'export-timeout',
              `the exporters did not acknowledge the records within export_timeout; retry later`,
            ),
          ),
        this.#config.export_timeout,
      );
    });
    try {
      await Promise.race([all, timeout]);
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw new Refusal(
        503,
        'export-failed',
        `the records were not delivered: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** `next.consume`; entries a PermanentError names go to dead letters (then they count as handled). */
  async #consume(entries: LogEntry[], source: string): Promise<void> {
    try {
      await this.#next.consume({ entries });
    } catch (error) {
      if (!isPermanentError(error)) throw error;
      const which = error.entries ?? entries.map((_, i) => i);
      const letters: DeadLetter[] = [];
      for (const i of which) {
        const e = entries[i];
        if (e === undefined) continue;
        letters.push({
          reason: error.message,
          component: this.#component,
          source,
          line: e.position.line,
          offset: e.position.offset,
          raw: e.raw,
        });
      }
      await this.#settings.deadLetters.write(letters);
    }
  }
}
