// The `logpush_http` receiver: a Logpush HTTP destination. A push is answered 2xx once its body is in the
// spool and fsynced; the spool is read by `logpush_file` instances that delete each file once acknowledged.
import type { Consumer, CreateSettings, Host, Receiver } from '@logpush-otel/pipeline';
import { getDataset } from '@logpush-otel/schema';
import { Refusal } from './body.ts';
import type { BodyVerdict } from './body.ts';
import type { LogpushHttpReceiverConfig } from './config.ts';
import { ExportSink } from './export-sink.ts';
import { RequestHandler } from './handler.ts';
import type { BodySink, SinkBody } from './handler.ts';
import { listen } from './server.ts';
import type { Listener } from './server.ts';
import { Spool } from './spool.ts';
import { AUTO_FOLDER, SpoolReaders } from './spool-readers.ts';
import { HttpReceiverTelemetry } from './telemetry.ts';

/** Bodies to the spool: 2xx once the file and its directories are fsynced. */
class SpoolSink implements BodySink {
  readonly #spool: Spool;
  readonly #readers: SpoolReaders;
  readonly #config: LogpushHttpReceiverConfig;
  readonly #host: () => Host;
  diskLow = false;

  constructor(spool: Spool, readers: SpoolReaders, config: LogpushHttpReceiverConfig, host: () => Host) {
    this.#spool = spool;
    this.#readers = readers;
    this.#config = config;
    this.#host = host;
  }

  requestId(now: number): string {
    return this.#spool.nextRequestId(now);
  }

  busy(): Refusal | undefined {
    if (this.#spool.usedBytes >= this.#config.max_spool_bytes)
      return new Refusal(
        429,
        'spool-full',
        `the spool holds ${this.#spool.usedBytes} bytes not yet exported (max_spool_bytes ${this.#config.max_spool_bytes}); retry later`,
      );
    if (this.diskLow)
      return new Refusal(
        503,
        'disk-low',
        `less than min_free_disk_bytes (${this.#config.min_free_disk_bytes}) free on the spool's disk; retry later`,
      );
    return undefined;
  }

  async begin(requestId: string, dataset: string): Promise<SinkBody> {
    const spool = this.#spool;
    const writer = await spool.begin(requestId);
    let counted = 0;
    const release = (): void => {
      spool.receiving(-counted);
      counted = 0;
    };
    return {
      write: async (chunk: Buffer) => {
        spool.receiving(chunk.length);
        counted += chunk.length;
        await writer.write(chunk);
      },
      commit: async (verdict: BodyVerdict) => {
        try {
          // A plain body whose last line has no terminator: add one, so the reader takes the line at once.
          if (!verdict.gzip && !verdict.endsWithNewline) await writer.write(Buffer.from('\n'));
          await writer.seal();
          await spool.folder(dataset);
          await this.#readers.ensure(this.#host(), dataset);
          await spool.commit(writer, dataset, verdict.gzip, Date.now());
        } finally {
          release();
        }
      },
      discard: async () => {
        release();
        await writer.discard();
      },
    };
  }
}

/** The receiver; see the module comment. */
export class LogpushHttpReceiver implements Receiver {
  readonly #settings: CreateSettings;
  readonly #config: LogpushHttpReceiverConfig;
  readonly #component: string;
  readonly #telemetry: HttpReceiverTelemetry;
  readonly #spool: Spool | undefined;
  readonly #readers: SpoolReaders | undefined;
  readonly #sink: BodySink;
  readonly #handler: RequestHandler;
  #host: Host | undefined;
  #listener: Listener | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #lastDiskCheck = 0;
  #lastPrune = 0;
  #started = false;
  #stopped = false;

  constructor(settings: CreateSettings, config: LogpushHttpReceiverConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#component = `receivers/${settings.id}`;
    this.#telemetry = new HttpReceiverTelemetry(settings.id, settings.metrics, settings.logger);
    if (config.ack === 'spool') {
      this.#spool = new Spool(config.spool_dir);
      this.#readers = new SpoolReaders(settings, config, next, config.spool_dir);
      this.#sink = new SpoolSink(this.#spool, this.#readers, config, () => this.#host as Host);
    } else {
      this.#sink = new ExportSink(settings, config, next);
    }
    this.#handler = new RequestHandler(config, this.#sink, this.#telemetry);
  }

  /** The URL the receiver listens on (once started). */
  get url(): string | undefined {
    return this.#listener?.url;
  }

  /** Why new bodies cannot be taken now (the spool is over its bound or the disk is low), or undefined. */
  notReadyReason(): string | undefined {
    if (!this.#started || this.#stopped) return undefined;
    return this.#sink.busy()?.message;
  }

  async start(host: Host): Promise<void> {
    if (this.#started) return;
    this.#host = host;
    if (this.#spool !== undefined && this.#readers !== undefined) {
      const folders = await this.#spool.open();
      // Bodies accepted by an earlier run and not yet acknowledged are read first.
      for (const folder of folders) {
        if (folder === AUTO_FOLDER || getDataset(folder)?.id === folder)
          await this.#readers.ensure(host, folder);
        else
          this.#settings.logger.warn('ignoring a folder in the spool that is not a dataset', {
            component: this.#component,
            folder,
          });
      }
      await this.#sweep();
      if (this.#spool.files > 0)
        this.#settings.logger.info('resuming the spool left by an earlier run', {
          component: this.#component,
          files: this.#spool.files,
          bytes: this.#spool.bytes,
        });
    }
    this.#listener = await listen(
      this.#config,
      this.#handler.handle,
      this.#settings.logger,
      this.#component,
      (reason, message) => this.#telemetry.refused(reason, reason === 'header-timeout' ? 408 : 400, message),
    );
    this.#started = true;
    this.#scheduleSweep();
    this.#settings.logger.info('listening for Logpush pushes', {
      component: this.#component,
      url: this.#listener.url,
      ack: this.#config.ack,
    });
  }

  /** With a spool: resolves once every body stored so far is read and acknowledged (for `--once`). */
  async drained(): Promise<void> {
    await this.#readers?.drained();
    await this.#sweep();
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#sweepTimer);
    // New requests get 503 and no new connections are taken; requests being received are finished.
    const finished = this.#handler.stop();
    this.#listener?.stopAccepting();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<void>((r) => (timer = setTimeout(r, this.#config.body_timeout + 1000))),
    ]);
    clearTimeout(timer);
    await this.#listener?.close();
    if (this.#sink instanceof ExportSink) await this.#sink.shutdown();
    // The spool readers drain their batches in flight and save their checkpoints; the rest waits for a restart.
    await this.#readers?.shutdown();
    await this.#sweeping;
    await this.#sweep().catch(() => undefined);
  }

  #scheduleSweep(): void {
    if (this.#stopped || this.#spool === undefined) return;
    this.#sweepTimer = setTimeout(() => {
      this.#sweeping = this.#sweep()
        .catch((error: unknown) =>
          this.#settings.logger.warn('could not look at the spool', {
            component: this.#component,
            error: (error as Error).message,
          }),
        )
        .finally(() => {
          this.#sweeping = undefined;
          this.#scheduleSweep();
        });
    }, this.#config.poll_interval);
  }

  /** Accounts for acknowledged (deleted) spool files, checks the free disk space, updates the gauges. */
  async #sweep(): Promise<void> {
    const spool = this.#spool;
    if (spool === undefined) return;
    const now = Date.now();
    for (const f of await spool.sweep()) this.#telemetry.acknowledged(Math.max(0, now - f.acceptedAt) / 1000);
    if (now - this.#lastDiskCheck >= 1000 && this.#sink instanceof SpoolSink) {
      this.#lastDiskCheck = now;
      const free = await spool.freeBytes();
      const low = free < this.#config.min_free_disk_bytes;
      if (low !== this.#sink.diskLow)
        this.#settings.logger.warn(
          low ? 'spool disk nearly full: refusing pushes' : 'spool disk has room again',
          {
            component: this.#component,
            freeBytes: free,
          },
        );
      this.#sink.diskLow = low;
    }
    if (now - this.#lastPrune >= 3_600_000) {
      this.#lastPrune = now;
      await spool.prune(now);
    }
    this.#telemetry.spool(spool.bytes, spool.files);
  }
}
