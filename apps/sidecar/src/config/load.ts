// Loading the sidecar's YAML configuration: parse, substitute ${env:...}, apply OTEL_* variables, drop disabled
// components, resolve relative paths against the config file, validate everything and report every issue.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigReader, describeValue, isPlainObject, validateServiceConfig } from '@logpush-otel/pipeline';
import type { ComponentRegistry, ConfigIssue, ServiceGraph } from '@logpush-otel/pipeline';
import { substituteEnv } from './env.ts';
import type { Env } from './env.ts';
import { applyOtelEnv } from './otel-env.ts';

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
}

/** A loaded, validated configuration. */
export interface SidecarConfig {
  /** Absolute path of the file, or '<inline>'. */
  readonly source: string;
  readonly graph: ServiceGraph;
  readonly telemetry: TelemetryConfig;
  readonly storage: StorageConfig;
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
  receivers: { logpush_file: ['directory', 'checkpoint_dir'], logpush_s3: ['checkpoint_dir'] },
  exporters: { file: ['path'] },
  processors: { geoip: ['database', 'city_database', 'asn_database'], colo: ['file'] },
};

const TOP_LEVEL = ['receivers', 'processors', 'exporters', 'service', 'storage'] as const;
/** The processor every pipeline ends with: exporters need entries mapped to LogRecords. */
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
 * Appends the mapping processor to pipelines that have none, and declares it with its defaults when a pipeline
 * lists the bare `cloudflare` id without a `processors.cloudflare` section.
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
    if (!(MAPPING_PROCESSOR in processors)) processors[MAPPING_PROCESSOR] = {};
    pipeline['processors'] = [...(list as unknown[]), MAPPING_PROCESSOR];
    notes.push(`service.pipelines.${name}: appended the ${MAPPING_PROCESSOR} processor before the exporters`);
  }
}

function resolvePaths(doc: Record<string, unknown>, baseDir: string): void {
  for (const [kind, byType] of Object.entries(PATH_KEYS)) {
    const group = doc[kind];
    if (!isPlainObject(group)) continue;
    for (const [id, section] of Object.entries(group)) {
      const keys = byType[typeOf(id)];
      if (keys === undefined || !isPlainObject(section)) continue;
      for (const key of keys) {
        const v = section[key];
        if (typeof v === 'string' && v !== '' && !isAbsolute(v)) section[key] = resolve(baseDir, v);
      }
    }
  }
}

function readTelemetry(raw: unknown, issues: ConfigIssue[]): TelemetryConfig {
  const r = new ConfigReader(raw, 'service.telemetry');
  const logs = r.section('logs');
  const logLevel = logs.oneOf('level', LOG_LEVELS, 'info');
  const metrics = r.section('metrics');
  const address = metrics.string('address', '127.0.0.1:8888').trim();
  if (address !== '' && parseListenAddress(address) === undefined)
    metrics.issue(
      'address',
      `expected host:port such as 127.0.0.1:8888 (or '' for none), got ${describeValue(address)}`,
    );
  issues.push(...r.allIssues());
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

function readStorage(raw: unknown, baseDir: string, issues: ConfigIssue[]): StorageConfig {
  const r = new ConfigReader(raw, 'storage');
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const directory = abs(r.string('directory', '.logpush-otel', { nonEmpty: true }));
  const checkpointDir = abs(
    r.string('checkpoint_dir', resolve(directory, 'checkpoints'), { nonEmpty: true }),
  );
  const deadLetterDir = abs(
    r.string('dead_letter_dir', resolve(directory, 'dead-letters'), { nonEmpty: true }),
  );
  issues.push(...r.allIssues());
  return { directory, checkpointDir, deadLetterDir };
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
  if (parsed !== null && parsed !== undefined && !isPlainObject(parsed))
    return {
      ok: false,
      issues: [
        { path: source, message: `expected a mapping at the top level, got ${describeValue(parsed)}` },
      ],
    };
  const substituted = substituteEnv(parsed ?? {}, env);
  const issues: ConfigIssue[] = [...substituted.issues];
  const notes: string[] = substituted.unset.map(
    (n) => `\${env:${n}} is not set; it was replaced by an empty value`,
  );
  const doc = substituted.value as Record<string, unknown>;

  for (const key of Object.keys(doc))
    if (!(TOP_LEVEL as readonly string[]).includes(key))
      issues.push({ path: key, message: `unknown key (known keys: ${[...TOP_LEVEL].sort().join(', ')})` });
  const service = doc['service'] ?? {};
  let pipelines: unknown;
  let telemetryRaw: unknown;
  if (!isPlainObject(service)) {
    issues.push({
      path: 'service',
      message: `expected a mapping with pipelines, got ${describeValue(service)}`,
    });
  } else {
    pipelines = service['pipelines'];
    telemetryRaw = service['telemetry'];
    for (const key of Object.keys(service))
      if (key !== 'pipelines' && key !== 'telemetry')
        issues.push({ path: `service.${key}`, message: 'unknown key (known keys: pipelines, telemetry)' });
  }
  const telemetry = readTelemetry(telemetryRaw, issues);
  const storage = readStorage(doc['storage'], baseDir, issues);

  applyEnabled(doc, env, issues, notes);
  ensureMapping(doc, options.registry, notes);
  issues.push(...applyOtelEnv(doc, env));
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
  }
  const validated = validateServiceConfig(
    { receivers: doc['receivers'], processors: doc['processors'], exporters: doc['exporters'], pipelines },
    options.registry,
  );
  if (!validated.ok) issues.push(...validated.issues);
  if (issues.length > 0 || !validated.ok) return { ok: false, issues };
  for (const unused of validated.config.unused) notes.push(`${unused} is configured but used by no pipeline`);
  return { ok: true, config: { source, graph: validated.config, telemetry, storage, notes } };
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

/** Formats issues one per line: `path: message`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}
