// Reads the spool with the `logpush_file` receiver: one instance per dataset folder, created through its
// factory (so checkpoints after acknowledgement, dead letters and metrics are those of the file receiver), each
// deleting a spool file once every record of it is acknowledged.
import { join } from 'node:path';
import { ConfigError } from '@logpush-otel/pipeline';
import type { Consumer, CreateSettings, Host } from '@logpush-otel/pipeline';
import { logpushFileReceiverFactory } from '../logpush-file/index.ts';
import type { LogpushFileReceiver } from '../logpush-file/index.ts';
import type { LogpushHttpReceiverConfig } from './config.ts';

/** The folder under the spool for a dataset (`auto` when detected per body). */
export const AUTO_FOLDER = 'auto';

/** The `logpush_file` instances reading the spool, by dataset folder. */
export class SpoolReaders {
  readonly #settings: CreateSettings;
  readonly #config: LogpushHttpReceiverConfig;
  readonly #next: Consumer;
  readonly #spoolDir: string;
  readonly #readers = new Map<string, Promise<LogpushFileReceiver>>();
  #closed = false;

  constructor(settings: CreateSettings, config: LogpushHttpReceiverConfig, next: Consumer, spoolDir: string) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#spoolDir = spoolDir;
  }

  /** Starts (once) the reader of `folder`; the folder must exist. */
  ensure(host: Host, folder: string): Promise<LogpushFileReceiver> {
    if (this.#closed) return Promise.reject(new Error('the spool readers are shut down'));
    const known = this.#readers.get(folder);
    if (known !== undefined) return known;
    const started = this.#start(host, folder);
    this.#readers.set(folder, started);
    started.catch(() => this.#readers.delete(folder));
    return started;
  }

  async #start(host: Host, folder: string): Promise<LogpushFileReceiver> {
    const id = `${this.#settings.id}/${folder}`;
    const c = this.#config;
    // a raw section, as a user would write it: the factory's validate fills the other defaults
    const raw = {
      directory: join(this.#spoolDir, folder),
      include: ['**/*.log.gz', '**/*.log'],
      dataset: folder,
      format: 'auto',
      start_at: 'beginning',
      poll_interval: `${c.poll_interval}ms`,
      watch: true,
      delete_after_read: true,
      max_line_bytes: c.max_line_bytes,
      batch_size: c.batch_size,
      max_in_flight_batches: c.max_in_flight_batches,
      checkpoint_dir:
        c.checkpoint_dir === '' ? join(this.#spoolDir, '.logpush-otel', 'checkpoints') : c.checkpoint_dir,
      include_file_name: false,
      include_file_path: false,
    };
    const validated = logpushFileReceiverFactory.validate(raw, `receivers.${this.#settings.id}(spool)`);
    if (!validated.ok) throw new ConfigError(validated.issues);
    const reader = logpushFileReceiverFactory.create({ ...this.#settings, id }, validated.config, this.#next);
    await reader.start(host);
    if (this.#closed) {
      await reader.shutdown();
      throw new Error('the spool readers are shut down');
    }
    return reader;
  }

  /** Resolves once every spool file present now is read and acknowledged (for `--once`). */
  async drained(): Promise<void> {
    const readers = await Promise.all([...this.#readers.values()]);
    await Promise.all(readers.map((r) => r.drained()));
  }

  /** Stops every reader: they wait (bounded) for batches in flight and save their checkpoints. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    const readers = await Promise.allSettled([...this.#readers.values()]);
    await Promise.allSettled(
      readers.map((r) => (r.status === 'fulfilled' ? r.value.shutdown() : Promise.resolve())),
    );
    this.#readers.clear();
  }
}
