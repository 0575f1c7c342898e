// The `debug` exporter: a readable console summary of what flows through a pipeline, for the built-in demo and
// for troubleshooting. basic: one line per batch with counts; normal: one line per record (time, severity, event
// name, a few key attributes); detailed: every attribute and the resource too.
import type { Writable } from 'node:stream';
import { formatRfc3339Nano } from '@logpush-otel/schema';
import type {
  AnyValue,
  CreateSettings,
  Exporter,
  ExporterFactory,
  Host,
  MappedBatch,
  MappedEntry,
  ValidationResult,
} from '@logpush-otel/pipeline';
import { ConfigReader, Double } from '@logpush-otel/pipeline';

/** Resolved configuration of the `debug` exporter. */
export interface DebugExporterConfig {
  readonly verbosity: 'basic' | 'normal' | 'detailed';
  readonly output: 'stderr' | 'stdout';
}

function defaultDebugExporterConfig(): DebugExporterConfig {
  return { verbosity: 'basic', output: 'stderr' };
}

function validateDebugExporterConfig(config: unknown, path: string): ValidationResult<DebugExporterConfig> {
  const d = defaultDebugExporterConfig();
  const r = new ConfigReader(config, path);
  return r.finish({
    verbosity: r.oneOf('verbosity', ['basic', 'normal', 'detailed'] as const, d.verbosity),
    output: r.oneOf('output', ['stderr', 'stdout'] as const, d.output),
  });
}

/** Attributes shown on the one-line form, in this order, when present. */
const KEY_ATTRIBUTES = [
  'http.request.method',
  'server.address',
  'url.path',
  'http.response.status_code',
  'client.address',
  'cloudflare.security.action',
  'cloudflare.ray_id',
] as const;

/** A value as short text: strings as they are (quoted when they contain spaces), lists and maps as JSON. */
export function formatValue(value: AnyValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return /[\s"]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Double) return String(value.value);
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Double ? v.value : v,
  );
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function timeOf(entry: MappedEntry): string {
  const t = entry.log.timeUnixNano ?? entry.timeUnixNano;
  return t === undefined ? '-' : formatRfc3339Nano(t);
}

/** One line for a record: time, severity, event name, key attributes, body. */
export function formatRecordLine(entry: MappedEntry): string {
  const log = entry.log;
  const parts = [timeOf(entry), (log.severityText || '-').padEnd(5), log.eventName || entry.dataset];
  for (const key of KEY_ATTRIBUTES) {
    const v = log.attributes[key];
    if (v !== undefined) parts.push(`${key}=${cut(formatValue(v), 80)}`);
  }
  if (typeof log.body === 'string' && log.body !== '') parts.push(`| ${cut(log.body, 120)}`);
  return parts.join(' ');
}

/** Counts per dataset, e.g. `http_requests=500 firewall_events=12`. */
function datasetCounts(entries: readonly MappedEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.dataset, (counts.get(e.dataset) ?? 0) + 1);
  return [...counts].map(([d, n]) => `${d}=${n}`).join(' ');
}

/** Formats a batch as the debug exporter prints it at `verbosity` (lines end with a newline). */
export function formatBatch(
  id: string,
  entries: readonly MappedEntry[],
  verbosity: DebugExporterConfig['verbosity'],
): string {
  const header = `[${id}] ${entries.length} record${entries.length === 1 ? '' : 's'} (${datasetCounts(entries)})\n`;
  if (verbosity === 'basic') return header;
  let out = header;
  let lastResource = '';
  for (const entry of entries) {
    if (verbosity === 'detailed' && entry.resource.key !== lastResource) {
      lastResource = entry.resource.key;
      const attrs = Object.entries(entry.resource.attributes).map(([k, v]) => `${k}=${formatValue(v)}`);
      out += `  resource: ${attrs.join(' ')}\n`;
    }
    out += `  ${formatRecordLine(entry)}\n`;
    if (verbosity === 'detailed') {
      const log = entry.log;
      if (log.body !== null && typeof log.body !== 'string')
        out += `      body: ${cut(formatValue(log.body), 2000)}\n`;
      for (const [k, v] of Object.entries(log.attributes)) out += `      ${k}: ${formatValue(v)}\n`;
      if (log.droppedAttributesCount > 0)
        out += `      (dropped attributes: ${log.droppedAttributesCount})\n`;
    }
  }
  return out;
}

/** Prints batches to stderr or stdout. Create it with {@link debugExporterFactory}. */
export class DebugExporter implements Exporter {
  readonly #settings: CreateSettings;
  readonly #config: DebugExporterConfig;
  readonly #stream: Writable;
  #closed = false;

  constructor(settings: CreateSettings, config: DebugExporterConfig, stream?: Writable) {
    this.#settings = settings;
    this.#config = config;
    this.#stream = stream ?? (config.output === 'stdout' ? process.stdout : process.stderr);
  }

  start(_host: Host): Promise<void> {
    return Promise.resolve();
  }

  /** Prints the batch; resolves once the stream took it (waits for drain when the stream is full). */
  async consume(batch: MappedBatch): Promise<void> {
    if (this.#closed) throw new Error(`exporters/${this.#settings.id} is shut down`);
    if (batch.entries.length === 0) return;
    const text = formatBatch(this.#settings.id, batch.entries, this.#config.verbosity);
    if (!this.#stream.write(text)) {
      await new Promise<void>((resolve) => this.#stream.once('drain', resolve));
    }
  }

  shutdown(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/**
 * Factory of the `debug` exporter: `verbosity` basic (counts per batch, default), normal (one line per record) or
 * detailed (every attribute); `output` stderr (default) or stdout.
 */
export const debugExporterFactory: ExporterFactory<DebugExporterConfig> = {
  type: 'debug',
  kind: 'exporter',
  stability: 'beta',
  defaultConfig: defaultDebugExporterConfig,
  validate: validateDebugExporterConfig,
  create: (settings, config) => new DebugExporter(settings, config),
};
