// The `file` exporter: one OTLP/JSON ExportLogsServiceRequest per line (like the OpenTelemetry Collector's file
// exporter), appended to a file and fsynced per batch before consume() resolves; optional rotation by size.
import { existsSync } from 'node:fs';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { encodeLogsJson } from '@logpush-otel/otlp';
import type {
  Counter,
  CreateSettings,
  Exporter,
  ExporterFactory,
  Host,
  MappedBatch,
  ValidationResult,
} from '@logpush-otel/pipeline';
import { ConfigReader } from '@logpush-otel/pipeline';
import { EXPORTER_METRICS } from './metric-names.ts';
import { PRIVATE_MODES, formatMode, openPrivateFile, readModeSettings } from '../storage/private-files.ts';

/** Resolved configuration of the `file` exporter. */
export interface FileExporterConfig {
  /** File the lines are appended to (its directory is created). */
  readonly path: string;
  /** fsync after every batch (default true): consume() resolves only once the batch is on disk. */
  readonly fsync: boolean;
  readonly rotation: {
    /** Rotate when the file would grow past this many bytes; 0 = never. */
    readonly max_size: number;
    /** Rotated files kept (oldest deleted first); 0 = keep all. */
    readonly max_backups: number;
  };
  /** Mode of the files it creates, octal text (default `0600`): `0640` lets a group read them. */
  readonly file_mode: string;
  /** Mode of the directories it creates, octal text (default `0700`). */
  readonly dir_mode: string;
  /** Allow modes with bits for other users (default false: they would read record data). */
  readonly allow_world_readable: boolean;
}

function defaultFileExporterConfig(): FileExporterConfig {
  return {
    path: '',
    fsync: true,
    rotation: { max_size: 0, max_backups: 0 },
    file_mode: formatMode(PRIVATE_MODES.fileMode),
    dir_mode: formatMode(PRIVATE_MODES.dirMode),
    allow_world_readable: false,
  };
}

function validateFileExporterConfig(config: unknown, path: string): ValidationResult<FileExporterConfig> {
  const d = defaultFileExporterConfig();
  const r = new ConfigReader(config, path);
  const file = r.string('path', d.path).trim();
  if (file === '')
    r.issue('path', 'expected the file to write OTLP/JSON lines to, e.g. ./out/logs.jsonl, got nothing');
  const rotation = r.section('rotation');
  const modes = readModeSettings(r);
  return r.finish({
    path: file,
    fsync: r.boolean('fsync', d.fsync),
    rotation: {
      max_size: rotation.byteSize('max_size', d.rotation.max_size),
      max_backups: rotation.number('max_backups', d.rotation.max_backups, { min: 0, integer: true }),
    },
    file_mode: formatMode(modes.fileMode),
    dir_mode: formatMode(modes.dirMode),
    allow_world_readable: r.boolean('allow_world_readable', d.allow_world_readable),
  });
}

/**
 * Name of a rotated file: `<name>-<UTC time>.<ext>`, e.g. `logs-2026-11-22T03-10-00.123Z.jsonl` (`sequence` > 0 adds
 * `.<n>` before the extension, for a second rotation within the same millisecond).
 */
export function rotatedName(file: string, at: Date, sequence = 0): string {
  const ext = extname(file);
  const stem = basename(file, ext);
  const suffix = sequence === 0 ? '' : `.${sequence}`;
  return join(dirname(file), `${stem}-${at.toISOString().replace(/:/g, '-')}${suffix}${ext}`);
}

/** Appends each batch as one OTLP/JSON line. Create it with {@link fileExporterFactory}. */
export class FileExporter implements Exporter {
  readonly #settings: CreateSettings;
  readonly #config: FileExporterConfig;
  #handle: FileHandle | undefined;
  #size = 0;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #sent: Counter;
  readonly #bytes: Counter;

  constructor(settings: CreateSettings, config: FileExporterConfig) {
    this.#settings = settings;
    this.#config = config;
    const labels = ['exporter'];
    this.#sent = settings.metrics.counter(
      EXPORTER_METRICS.sentRecords,
      'Records acknowledged by the backend',
      labels,
    );
    this.#bytes = settings.metrics.counter(
      EXPORTER_METRICS.sentBytes,
      'Request bytes sent on the wire (compressed)',
      labels,
    );
  }

  /** Opens (creates) the file. */
  async start(_host: Host): Promise<void> {
    await this.#open();
  }

  /** Appends the batch as one line; resolves once written (and fsynced when `fsync` is on). Writes are serialised. */
  consume(batch: MappedBatch): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`exporters/${this.#settings.id} is shut down`));
    if (batch.entries.length === 0) return Promise.resolve();
    const line = `${encodeLogsJson(batch.entries)}\n`;
    const run = this.#tail.then(() => this.#write(line, batch.entries.length));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending writes and closes the file; safe to call twice and before start. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    await this.#tail;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle;
    const handle = await openPrivateFile(this.#config.path, 'a', {
      mode: parseInt(this.#config.file_mode, 8),
      dirMode: parseInt(this.#config.dir_mode, 8),
    });
    this.#size = (await handle.stat()).size;
    this.#handle = handle;
    return handle;
  }

  async #write(line: string, records: number): Promise<void> {
    const bytes = Buffer.from(line, 'utf8');
    if (
      this.#config.rotation.max_size > 0 &&
      this.#size > 0 &&
      this.#size + bytes.length > this.#config.rotation.max_size
    ) {
      await this.#rotate();
    }
    const handle = await this.#open();
    await handle.write(bytes);
    if (this.#config.fsync) await handle.sync();
    this.#size += bytes.length;
    this.#sent.inc(records, { exporter: this.#settings.id });
    this.#bytes.inc(bytes.length, { exporter: this.#settings.id });
  }

  async #rotate(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) {
      if (this.#config.fsync) await handle.sync();
      await handle.close();
    }
    const now = new Date();
    let target = rotatedName(this.#config.path, now);
    // Never overwrite an earlier rotated file (two rotations within one millisecond).
    for (let n = 1; existsSync(target); n++) target = rotatedName(this.#config.path, now, n);
    await rename(this.#config.path, target);
    this.#size = 0;
    if (this.#config.rotation.max_backups > 0) await this.#prune();
  }

  async #prune(): Promise<void> {
    const dir = dirname(this.#config.path);
    const ext = extname(this.#config.path);
    const prefix = `${basename(this.#config.path, ext)}-`;
    const rotated = (await readdir(dir))
      .filter(
        (n) => n.startsWith(prefix) && n.endsWith(ext) && /\d{4}-\d\d-\d\dT/.test(n.slice(prefix.length)),
      )
      .map((name) => {
        // Oldest first: by time, then by the `.<n>` sequence of same-millisecond rotations.
        const m = /^(.*Z)(?:\.(\d+))?$/.exec(name.slice(prefix.length, name.length - ext.length));
        return { name, key: `${m?.[1] ?? name}#${(m?.[2] ?? '0').padStart(8, '0')}` };
      })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => r.name);
    const excess = rotated.slice(0, Math.max(0, rotated.length - this.#config.rotation.max_backups));
    for (const name of excess) {
      const full = join(dir, name);
      if ((await stat(full)).isFile()) await unlink(full);
    }
  }
}

/**
 * Factory of the `file` exporter: OTLP/JSON lines (one ExportLogsServiceRequest per batch) to `path`, fsynced per
 * batch unless `fsync: false`, rotated by `rotation.max_size` keeping `rotation.max_backups` files.
 */
export const fileExporterFactory: ExporterFactory<FileExporterConfig> = {
  type: 'file',
  kind: 'exporter',
  stability: 'beta',
  defaultConfig: defaultFileExporterConfig,
  validate: validateFileExporterConfig,
  create: (settings, config) => new FileExporter(settings, config),
};
