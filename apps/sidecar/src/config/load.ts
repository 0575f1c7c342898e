// Loading the sidecar's YAML configuration: parse, substitute ${env:...}, apply OTEL_* variables, drop disabled
// components, resolve relative paths against the config file, validate everything and report every issue.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import {
  ConfigReader,
  DEFAULT_START_TIMEOUT_MS,
  describeValue,
  formatIssue,
  isPlainObject,
  locateIssues,
  validateServiceConfig,
} from '@logpush-otel/pipeline';
import type { ComponentRegistry, ConfigIssue, ConfigSource, ServiceGraph } from '@logpush-otel/pipeline';
import { substituteEnv } from './env.ts';
import type { Env } from './env.ts';
import { applyOtelEnv } from './otel-env.ts';
import { redactText, registerConfigSecrets } from './redact.ts';
import { formatMode, readModeSettings } from '../storage/private-files.ts';
import { keyPositions } from './positions.ts';

/** Log levels of the sidecar's own messages. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `service.telemetry`: the sidecar's own logs and its HTTP endpoint. */
export interface TelemetryConfig {
  /** `service.telemetry.logs.level` (default info). */
  readonly logLevel: LogLevel;
  /**
   * `service.telemetry.metrics.address`: `host:port` serving /metrics, /healthz and /readyz (default
   * 127.0.0.1:8888; port 0 picks a free port; '' turns the endpoint off).
   */
  readonly address: string;
}

/** `storage`: where the sidecar keeps its state. Paths are absolute once loaded. */
export interface StorageConfig {
  /** `storage.directory` (default `.logpush-otel` next to the config file). */
  readonly directory: string;
  /** `storage.checkpoint_dir` (default `<directory>/checkpoints`): default of every `logpush_file` and `logpush_s3` receiver. */
  readonly checkpointDir: string;
  /** `storage.dead_letter_dir` (default `<directory>/dead-letters`): rejected lines and records. */
  readonly deadLetterDir: string;
  /** `storage.file_mode` (default 0600): mode of the dead-letter, checkpoint and spool files created. */
  readonly fileMode: number;
  /** `storage.dir_mode` (default 0700): mode of the directories created for them. */
  readonly dirMode: number;
}

/** A loaded, validated configuration. */
export interface SidecarConfig {
  /** Absolute path of the file, or '<inline>'. */
  readonly source: string;
  readonly graph: ServiceGraph;
  readonly telemetry: TelemetryConfig;
  readonly storage: StorageConfig;
  /**
   * `service.shutdown_timeout` (default 10 s): on SIGTERM/SIGINT, how long batches in flight get to be
   * acknowledged before retries are abandoned (their records are read again on the next start).
   */
  readonly shutdownTimeoutMs: number;
  /** `service.start_timeout` (default 30 s): how long one component may take to start. */
  readonly startTimeoutMs: number;
  /** Things worth telling the user that are not errors (unset variables, disabled or unused components). */
  readonly notes: readonly string[];
}

export type LoadResult = { ok: true; config: SidecarConfig } | { ok: false; issues: ConfigIssue[] };

/** Options of {@link parseConfig} and {@link loadConfig}. */
export interface LoadOptions {
  readonly registry: ComponentRegistry;
  /** Environment for `${env:...}` and OTEL_* (default `process.env`). */
  readonly env?: Env;
}

/** Keys holding file-system paths, per component type: relative values resolve against the config file. */
const PATH_KEYS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  receivers: {
    logpush_file: ['directory', 'checkpoint_dir'],
    logpush_http: ['spool_dir', 'checkpoint_dir'],
    logpush_s3: ['checkpoint_dir'],
  },
  exporters: { file: ['path'], otlp: ['tls.ca_file', 'tls.cert_file', 'tls.key_file'] },
  processors: { geoip: ['databases'], colo: ['file'] },
};

/** Default of `service.shutdown_timeout`, milliseconds. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** The processor every pipeline has (exporters need entries mapped to LogRecords); the service places it. */
export const MAPPING_PROCESSOR = 'cloudflare';

function typeOf(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}

/**
 * Removes components whose section says `enabled: false`, `enabled: { if_env_set: NAME }` with NAME unset or
 * empty, or `enabled: { if_env_unset: NAME }` with NAME set, from their section and from every pipeline. The
 * `enabled` key itself is removed from every section (factories never see it).
 */
function applyEnabled(doc: Record<string, unknown>, env: Env, issues: ConfigIssue[], notes: string[]): void {
  const disabled = new Set<string>();
  for (const kind of ['receivers', 'processors', 'exporters'] as const) {
    const group = doc[kind];
    if (!isPlainObject(group)) continue;
    for (const [id, section] of Object.entries(group)) {
      if (!isPlainObject(section) || !('enabled' in section)) continue;
      const value = section['enabled'];
      delete section['enabled'];
      const path = `${kind}.${id}.enabled`;
      let on: boolean | undefined;
      if (typeof value === 'boolean') on = value;
      else if (value === 'true' || value === 'false') on = value === 'true';
      else if (isPlainObject(value) && Object.keys(value).length === 1) {
        const [[test, name]] = Object.entries(value) as [[string, unknown]];
        const isSet = typeof name === 'string' && (env[name] ?? '') !== '';
        if (typeof name !== 'string' || (test !== 'if_env_set' && test !== 'if_env_unset')) on = undefined;
        else on = test === 'if_env_set' ? isSet : !isSet;
      }
      if (on === undefined) {
        issues.push({
          path,
          message: `expected true, false, { if_env_set: NAME } or { if_env_unset: NAME }, got ${describeValue(value)}`,
        });
        continue;
      }
      if (!on) {
        delete group[id];
        disabled.add(`${kind}:${id}`);
        notes.push(`${kind}.${id} is disabled (${JSON.stringify(value)})`);
      }
    }
  }
  if (disabled.size === 0) return;
  const pipelines = isPlainObject(doc['service']) ? doc['service']['pipelines'] : undefined;
  if (!isPlainObject(pipelines)) return;
  for (const [name, pipeline] of Object.entries(pipelines)) {
    if (!isPlainObject(pipeline)) continue;
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      const list = pipeline[kind];
      if (!Array.isArray(list)) continue;
      const kept = list.filter((id) => !(typeof id === 'string' && disabled.has(`${kind}:${id}`)));
      if (kept.length === list.length) continue;
      if (kept.length === 0 && kind !== 'processors') {
        issues.push({
          path: `service.pipelines.${name}.${kind}`,
          message: `expected at least one enabled ${kind.slice(0, -1)}, but every one listed is disabled`,
        });
      }
      pipeline[kind] = kept;
    }
  }
}

/**
 * Declares the mapping processor (with its defaults) when a pipeline lists the bare `cloudflare` id without a
 * `processors.cloudflare` section, or lists no mapping at all: validateServiceConfig then adds it to such a
 * pipeline, after its last raw-record processor and before any batch.
 */
function ensureMapping(doc: Record<string, unknown>, registry: ComponentRegistry, notes: string[]): void {
  if (!registry.processors.has(MAPPING_PROCESSOR)) return;
  const pipelines = isPlainObject(doc['service']) ? doc['service']['pipelines'] : undefined;
  if (!isPlainObject(pipelines)) return;
  for (const [name, pipeline] of Object.entries(pipelines)) {
    if (!isPlainObject(pipeline)) continue;
    const list = pipeline['processors'] ?? [];
    if (!Array.isArray(list)) continue;
    if (doc['processors'] === undefined || doc['processors'] === null) doc['processors'] = {};
    const processors = doc['processors'];
    if (!isPlainObject(processors)) return;
    // the bare id may be listed without a section: it then runs with its defaults
    if (list.includes(MAPPING_PROCESSOR) && !(MAPPING_PROCESSOR in processors))
      processors[MAPPING_PROCESSOR] = {};
    if (list.some((id) => typeof id === 'string' && typeOf(id) === MAPPING_PROCESSOR)) continue;
    // declared here so that OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES apply to it; validateServiceConfig
    // places it in the pipeline (the list stays as written, so that issue paths match the file)
    if (!(MAPPING_PROCESSOR in processors)) processors[MAPPING_PROCESSOR] = {};
    notes.push(
      `service.pipelines.${name}: added the ${MAPPING_PROCESSOR} processor after the processors that read raw records`,
    );
  }
}

function resolvePaths(doc: Record<string, unknown>, baseDir: string): void {
  for (const [kind, byType] of Object.entries(PATH_KEYS)) {
    const group = doc[kind];
    if (!isPlainObject(group)) continue;
    for (const [id, section] of Object.entries(group)) {
      const keys = byType[typeOf(id)];
      if (keys === undefined || !isPlainObject(section)) continue;
      for (const path of keys) {
        // `tls.ca_file`: a key of a nested mapping
        const parts = path.split('.');
        const key = parts.pop() ?? path;
        let holder: unknown = section;
        for (const p of parts) holder = isPlainObject(holder) ? holder[p] : undefined;
        if (!isPlainObject(holder)) continue;
        const v = holder[key];
        const abs = (p: unknown): unknown =>
          typeof p === 'string' && p !== '' && !isAbsolute(p) ? resolve(baseDir, p) : p;
        holder[key] = Array.isArray(v) ? v.map(abs) : abs(v);
      }
    }
  }
}

/** Reads `service.telemetry` with `r` (its issues stay in `r`). */
export function readTelemetry(r: ConfigReader): TelemetryConfig {
  const logs = r.section('logs');
  const logLevel = logs.oneOf('level', LOG_LEVELS, 'info');
  const metrics = r.section('metrics');
  const address = metrics.string('address', '127.0.0.1:8888').trim();
  if (address !== '' && parseListenAddress(address) === undefined)
    metrics.issue(
      'address',
      `expected host:port such as 127.0.0.1:8888 (or '' for none), got ${describeValue(address)}`,
    );
  return { logLevel, address };
}

/** Splits `host:port` (IPv6 hosts in brackets); undefined when malformed. */
export function parseListenAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(address);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : (m[2] ?? '')), port };
}

/** Reads `storage` with `r` (its issues stay in `r`); relative paths resolve against `baseDir`. */
export function readStorage(r: ConfigReader, baseDir: string): StorageConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const directory = abs(r.string('directory', '.logpush-otel', { nonEmpty: true }));
  // left out: inside `directory` (no default in the schema: it depends on where the file is)
  const within = (key: string, name: string): string => {
    const value = r.string(key, '', { nonEmpty: true });
    return value === '' ? resolve(directory, name) : abs(value);
  };
  const checkpointDir = within('checkpoint_dir', 'checkpoints');
  const deadLetterDir = within('dead_letter_dir', 'dead-letters');
  const modes = readModeSettings(r);
  return { directory, checkpointDir, deadLetterDir, fileMode: modes.fileMode, dirMode: modes.dirMode };
}

/** The top level of a configuration document, read with one ConfigReader (unknown keys are issues). */
export interface TopLevel {
  readonly reader: ConfigReader;
  readonly receivers: unknown;
  readonly processors: unknown;
  readonly exporters: unknown;
  readonly pipelines: unknown;
  readonly telemetry: TelemetryConfig;
  readonly storage: StorageConfig;
  readonly shutdownTimeoutMs: number;
  readonly startTimeoutMs: number;
}

/** Reads the top-level keys of `doc`: the component sections as they are, `service` and `storage` checked. */
export function readTopLevel(doc: unknown, baseDir: string): TopLevel {
  const reader = new ConfigReader(doc, '');
  const receivers = reader.raw('receivers');
  const processors = reader.raw('processors');
  const exporters = reader.raw('exporters');
  const service = reader.section('service');
  const pipelines = service.raw('pipelines');
  const shutdownTimeoutMs = service.duration('shutdown_timeout', DEFAULT_SHUTDOWN_TIMEOUT_MS);
  const startTimeoutMs = service.duration('start_timeout', DEFAULT_START_TIMEOUT_MS);
  const telemetry = readTelemetry(service.section('telemetry'));
  const storage = readStorage(reader.section('storage'), baseDir);
  return {
    reader,
    receivers,
    processors,
    exporters,
    pipelines,
    telemetry,
    storage,
    shutdownTimeoutMs,
    startTimeoutMs,
  };
}

/**
 * Parses and validates configuration text. `source` names the file in messages; relative paths resolve against
 * `baseDir`. Every problem is returned (YAML syntax with line and column; then every config issue with its path).
 */
export function parseConfig(
  text: string,
  options: LoadOptions & { source?: string; baseDir?: string },
): LoadResult {
  const source = options.source ?? '<inline>';
  const baseDir = options.baseDir ?? process.cwd();
  const env = options.env ?? process.env;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          path: `${source}:${pos.line}:${pos.col}`,
          message: `invalid YAML: ${e.message.split('\n')[0] ?? ''}`,
        };
      }),
    };
  }
  const parsed: unknown = document.toJS({ maxAliasCount: 100 });
  const positions = keyPositions(document, lineCounter);
  if (parsed !== null && parsed !== undefined && !isPlainObject(parsed))
    return {
      ok: false,
      issues: [
        { path: source, message: `expected a mapping at the top level, got ${describeValue(parsed)}` },
      ],
    };
  const substituted = substituteEnv(parsed ?? {}, env);
  const where: ConfigSource = {
    file: source,
    position: (path) => positions.get(path),
    unsetEnv: (path) => substituted.unsetAt.get(path) ?? [],
  };
  const issues: ConfigIssue[] = [...substituted.issues];
  const notes: string[] = substituted.unset.map(
    (n) => `\${env:${n}} is not set; it was replaced by an empty value`,
  );
  const doc = substituted.value as Record<string, unknown>;

  const top = readTopLevel(doc, baseDir);
  issues.push(...top.reader.allIssues());
  const { telemetry, storage, pipelines, shutdownTimeoutMs, startTimeoutMs } = top;

  applyEnabled(doc, env, issues, notes);
  ensureMapping(doc, options.registry, notes);
  issues.push(...applyOtelEnv(doc, env));
  // Before anything is validated or printed: every message from here on can be cleaned of them.
  registerConfigSecrets(doc, env);
  resolvePaths(doc, baseDir);
  const receivers = doc['receivers'];
  if (isPlainObject(receivers)) {
    for (const [id, section] of Object.entries(receivers)) {
      if (typeOf(id) !== 'logpush_file' && typeOf(id) !== 'logpush_s3') continue;
      if (section === null || section === undefined)
        receivers[id] = { checkpoint_dir: storage.checkpointDir };
      else if (isPlainObject(section) && (section['checkpoint_dir'] ?? '') === '')
        section['checkpoint_dir'] = storage.checkpointDir;
    }
    // logpush_http spools pushes under the storage directory, one folder per receiver.
    for (const [id, section] of Object.entries(receivers)) {
      if (typeOf(id) !== 'logpush_http') continue;
      if (section === null || section === undefined) receivers[id] = {};
      const s = receivers[id];
      if (!isPlainObject(s)) continue;
      if ((s['spool_dir'] ?? '') === '')
        s['spool_dir'] = resolve(storage.directory, 'spool', id.replace(/[^A-Za-z0-9._-]+/g, '_'));
      if ((s['checkpoint_dir'] ?? '') === '') s['checkpoint_dir'] = storage.checkpointDir;
    }
  }
  const validated = validateServiceConfig(
    { receivers: doc['receivers'], processors: doc['processors'], exporters: doc['exporters'], pipelines },
    options.registry,
    { ensureProcessors: options.registry.processors.has(MAPPING_PROCESSOR) ? [MAPPING_PROCESSOR] : [] },
  );
  if (!validated.ok) issues.push(...validated.issues);
  if (issues.length > 0 || !validated.ok) {
    // in file order; issues that are not in the file (environment variables) last
    const located = locateIssues(issues, where).map((issue, i) => ({ issue, i }));
    const line = (x: ConfigIssue): number => x.line ?? Number.MAX_SAFE_INTEGER;
    located.sort(
      (a, b) => line(a.issue) - line(b.issue) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.i - b.i,
    );
    return { ok: false, issues: located.map((x) => x.issue) };
  }
  for (const unused of validated.config.unused) notes.push(`${unused} is configured but used by no pipeline`);
  return {
    ok: true,
    config: { source, graph: validated.config, telemetry, storage, shutdownTimeoutMs, startTimeoutMs, notes },
  };
}

/** Reads, parses and validates the configuration file at `file`. A file that cannot be read is one issue. */
export async function loadConfig(file: string, options: LoadOptions): Promise<LoadResult> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error);
    return { ok: false, issues: [{ path: file, message: `expected a readable YAML file: ${reason}` }] };
  }
  return parseConfig(text, { ...options, source: path, baseDir: dirname(path) });
}

/** Formats issues one per line: `file:line:column: path: message` (the location when known), with secrets and URL
 * credentials redacted. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => redactText(formatIssue(i))).join('\n');
}

/** `storage` modes as printed by `validate`: `files 0600, directories 0700`. */
export function describeStorageModes(storage: StorageConfig): string {
  return `files ${formatMode(storage.fileMode)}, directories ${formatMode(storage.dirMode)}`;
}
