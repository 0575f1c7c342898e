// The reference services: locating (building on demand) and starting the OpenTelemetry Collector and
// VictoriaLogs on loopback, each in its own temporary directory with its log kept there.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canConnect, freePort, startProcess, waitUntil } from './processes.ts';
import type { ManagedProcess } from './processes.ts';

/** The repository root (this file is apps/integration/src/services.ts). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** Absolute paths of the built services and the versions they were built from. */
export interface ServicePaths {
  readonly otelcol: string;
  readonly victoriaLogs: string;
  /** VersityGW, the S3-compatible store of the `logpush_s3` suite. */
  readonly versitygw: string;
  readonly versions: Readonly<Record<string, string>>;
}

/** Outcome of {@link buildServices}: the paths, or why there are none. */
export type BuildOutcome =
  | { readonly ok: true; readonly paths: ServicePaths; readonly seconds: number }
  | { readonly ok: false; readonly goMissing: boolean; readonly reason: string };

/**
 * Runs integration/scripts/build-services.sh (which reuses cached binaries when the pins did not change) and
 * returns the binaries' paths. `goMissing` is true when Go is absent or too old (exit code 3).
 */
export function buildServices(): BuildOutcome {
  const started = Date.now();
  const script = join(REPO_ROOT, 'integration/scripts/build-services.sh');
  const result = spawnSync('bash', [script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error)
    return { ok: false, goMissing: false, reason: `cannot run ${script}: ${result.error.message}` };
  if (result.status !== 0) {
    return {
      ok: false,
      goMissing: result.status === 3,
      reason: `${script} exited with code ${result.status ?? result.signal ?? '?'} (its messages are above)`,
    };
  }
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    const paths = JSON.parse(lastLine) as ServicePaths;
    return { ok: true, paths, seconds: (Date.now() - started) / 1000 };
  } catch {
    return {
      ok: false,
      goMissing: false,
      reason: `${script} printed no services.json line: ${lastLine.slice(0, 200)}`,
    };
  }
}

const createdTempDirs: string[] = [];

/** Makes a fresh temporary directory named after `prefix` (listed by {@link tempDirsCreated}). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `logpush-otel-it-${prefix}-`));
  createdTempDirs.push(dir);
  return dir;
}

/** Every directory made by {@link tempDir} so far, in creation order. */
export function tempDirsCreated(): readonly string[] {
  return createdTempDirs;
}

/** A running Collector with an OTLP/HTTP receiver. */
export interface RunningCollector {
  readonly process: ManagedProcess;
  /** Base URL of the OTLP/HTTP receiver (`http://127.0.0.1:<port>`); POST to `${otlpUrl}/v1/logs`. */
  readonly otlpUrl: string;
  readonly otlpPort: number;
  readonly dir: string;
  readonly configFile: string;
}

/**
 * Writes `config` (a Collector configuration as a plain object; JSON is valid YAML) to `dir` and starts the
 * Collector on it. Resolves once it logged that everything is ready and, when `waitPort` is given, that port
 * accepts connections.
 */
export async function startCollectorWithConfig(
  paths: ServicePaths,
  dir: string,
  config: unknown,
  options: { readonly name?: string; readonly waitPort?: number; readonly timeoutMs?: number } = {},
): Promise<ManagedProcess> {
  const configFile = join(dir, 'otelcol.yaml');
  await mkdir(dir, { recursive: true });
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const proc = startProcess({
    name: options.name ?? 'otelcol',
    command: paths.otelcol,
    args: [`--config=file:${configFile}`],
    logFile: join(dir, 'otelcol.log'),
    cwd: dir,
  });
  await waitUntil(
    proc,
    'ready',
    async () =>
      proc.output().includes('Everything is ready') &&
      (options.waitPort === undefined || (await canConnect(options.waitPort))),
    options.timeoutMs ?? 30_000,
  );
  return proc;
}

/** Options of {@link startCollector}. */
export interface CollectorOptions {
  /** Reuse this directory (and its file exporter output) instead of a new one, e.g. for a restart. */
  readonly dir?: string;
  /** Reuse this port (a restart keeps the address the sidecar sends to). */
  readonly otlpPort?: number;
}

/**
 * Starts a Collector that receives OTLP/HTTP (protobuf and JSON, gzip) on 127.0.0.1 and writes every log
 * record to `<dir>/logs.jsonl` with the file exporter (one OTLP/JSON ExportLogsServiceRequest per line), with
 * the debug exporter printing a basic summary to its log.
 */
export async function startCollector(
  paths: ServicePaths,
  options: CollectorOptions = {},
): Promise<RunningCollector> {
  const dir = options.dir ?? (await tempDir('otelcol'));
  const otlpPort = options.otlpPort ?? (await freePort());
  const config = {
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
    exporters: {
      file: { path: join(dir, 'logs.jsonl'), format: 'json', flush_interval: '100ms' },
      debug: { verbosity: 'basic' },
    },
    service: {
      telemetry: { logs: { level: 'info' }, metrics: { level: 'none' } },
      pipelines: { logs: { receivers: ['otlp'], exporters: ['file', 'debug'] } },
    },
  };
  const proc = await startCollectorWithConfig(paths, dir, config, { waitPort: otlpPort });
  return {
    process: proc,
    otlpUrl: `http://127.0.0.1:${otlpPort}`,
    otlpPort,
    dir,
    configFile: join(dir, 'otelcol.yaml'),
  };
}

/** A running VictoriaLogs. */
export interface RunningVictoriaLogs {
  readonly process: ManagedProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The OTLP/HTTP logs endpoint (a full URL, POST protobuf). */
  readonly otlpLogsUrl: string;
  readonly dir: string;
}

/**
 * Starts VictoriaLogs on 127.0.0.1 with its data in a temporary directory, accepting any event time from the
 * year 1970 on (`-retentionPeriod=100y`), and resolves once /health answers OK.
 */
export async function startVictoriaLogs(paths: ServicePaths): Promise<RunningVictoriaLogs> {
  const dir = await tempDir('victoria-logs');
  const port = await freePort();
  const proc = startProcess({
    name: 'victoria-logs',
    command: paths.victoriaLogs,
    args: [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, 'data')}`,
      '-retentionPeriod=100y',
      '-loggerLevel=INFO',
    ],
    logFile: join(dir, 'victoria-logs.log'),
    cwd: dir,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(proc, 'healthy', async () => {
    const response = await fetch(`${url}/health`);
    return response.ok && (await response.text()).trim() === 'OK';
  });
  return { process: proc, url, otlpLogsUrl: `${url}/insert/opentelemetry/v1/logs`, dir };
}

/**
 * Runs a LogsQL query on VictoriaLogs and returns the matching entries (one JSON object per line).
 * `start`/`end` bound `_time` (RFC 3339 or unix seconds), as the HTTP API's parameters.
 */
export async function queryLogs(
  victoria: RunningVictoriaLogs,
  query: string,
  window: { readonly start?: string; readonly end?: string; readonly limit?: number } = {},
): Promise<Record<string, string>[]> {
  const params = new URLSearchParams({ query });
  if (window.start !== undefined) params.set('start', window.start);
  if (window.end !== undefined) params.set('end', window.end);
  if (window.limit !== undefined) params.set('limit', String(window.limit));
  const response = await fetch(`${victoria.url}/select/logsql/query`, { method: 'POST', body: params });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`LogsQL query ${JSON.stringify(query)} failed: HTTP ${response.status}: ${text}`);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, string>);
}

/** Asks VictoriaLogs to make everything ingested so far searchable (its /internal/force_flush). */
export async function flushVictoriaLogs(victoria: RunningVictoriaLogs): Promise<void> {
  const response = await fetch(`${victoria.url}/internal/force_flush`);
  if (!response.ok)
    throw new Error(`VictoriaLogs force_flush: HTTP ${response.status}: ${await response.text()}`);
}

/** Reads the paths written by the last successful build (for the benchmark, which does not rebuild). */
export async function readBuiltServices(): Promise<ServicePaths | undefined> {
  const file = join(
    process.env['LOGPUSH_OTEL_SERVICES_DIR'] ?? join(REPO_ROOT, '.reference-services'),
    'services.json',
  );
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ServicePaths;
  } catch {
    return undefined;
  }
}
