// Runs the real `logpush-otel` command (apps/sidecar/bin/logpush-otel.js, TypeScript sources through Node's type
// stripping) as a child process, the way a user runs it: `logpush-otel run --config <file> --once`.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './services.ts';
import { startProcess } from './processes.ts';
import type { ExitStatus, ManagedProcess } from './processes.ts';

/** The sidecar's command-line entry point. */
export const SIDECAR_BIN = join(REPO_ROOT, 'apps/sidecar/bin/logpush-otel.js');

/** Options of {@link sidecarConfig}. */
export interface SidecarConfigOptions {
  /** The Logpush output directory to read. */
  readonly directory: string;
  /** Where checkpoints and dead letters go. */
  readonly stateDir: string;
  /** OTLP/HTTP base URL (`/v1/logs` is appended) or, with `logsEndpoint`, the full logs URL. */
  readonly endpoint: string;
  readonly logsEndpoint?: boolean;
  readonly protocol?: 'http/protobuf' | 'http/json';
  readonly compression?: 'gzip' | 'none';
  /** Records per batch of a `batch` processor; without it, the receiver's batches go straight on. */
  readonly batchSize?: number;
  /** Dataset of every file, or 'auto' (default) to detect it per file. */
  readonly dataset?: string;
  /** Mapping profile of the cloudflare processor. */
  readonly profile?: 'default' | 'loki' | 'datadog' | 'datadog-raw';
  /** Retry intervals (ms) of the OTLP exporter; short ones keep restart tests quick. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

/** A sidecar configuration (Collector-shaped) reading `directory` and exporting over OTLP/HTTP. */
export function sidecarConfig(options: SidecarConfigOptions): Record<string, unknown> {
  const endpointKey = options.logsEndpoint === true ? 'logs_endpoint' : 'endpoint';
  return {
    receivers: {
      logpush_file: {
        directory: options.directory,
        dataset: options.dataset ?? 'auto',
        start_at: 'beginning',
      },
    },
    processors: {
      ...(options.batchSize === undefined
        ? {}
        : { batch: { send_batch_size: options.batchSize, timeout: '200ms' } }),
      cloudflare: options.profile === undefined ? {} : { profile: options.profile },
    },
    exporters: {
      otlp: {
        [endpointKey]: options.endpoint,
        protocol: options.protocol ?? 'http/protobuf',
        compression: options.compression ?? 'gzip',
        retry_on_failure: {
          enabled: true,
          initial_interval: `${options.retryInitialMs ?? 200}ms`,
          max_interval: `${options.retryMaxMs ?? 1000}ms`,
          max_elapsed_time: '120s',
        },
      },
    },
    service: {
      pipelines: {
        logs: {
          receivers: ['logpush_file'],
          processors: options.batchSize === undefined ? ['cloudflare'] : ['batch', 'cloudflare'],
          exporters: ['otlp'],
        },
      },
      // No telemetry listener: several sidecars may run at once, and the suites read the backends instead.
      telemetry: { logs: { level: 'info' }, metrics: { address: '' } },
    },
    storage: { directory: options.stateDir },
  };
}

/** Writes `config` as YAML (JSON is YAML) to `<dir>/sidecar.yaml` and returns the path. */
export async function writeSidecarConfig(dir: string, config: Record<string, unknown>): Promise<string> {
  const file = join(dir, 'sidecar.yaml');
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/**
 * Starts `logpush-otel run --config <configFile> --once` (or, with `once: false`, running until SIGTERM) with
 * the current Node; output kept in `<logDir>/sidecar.log`.
 */
export function startSidecar(
  configFile: string,
  logDir: string,
  options: { readonly once?: boolean } = {},
): ManagedProcess {
  return startProcess({
    name: 'sidecar',
    command: process.execPath,
    args: [SIDECAR_BIN, 'run', '--config', configFile, ...(options.once === false ? [] : ['--once'])],
    logFile: join(logDir, 'sidecar.log'),
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
}

/**
 * Runs the sidecar to completion and resolves with its exit status; rejects (with its output) when it runs
 * longer than `timeoutMs`, after killing it.
 */
export async function runSidecarOnce(
  configFile: string,
  logDir: string,
  timeoutMs = 120_000,
): Promise<{ status: ExitStatus; process: ManagedProcess }> {
  const proc = startSidecar(configFile, logDir);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await proc.kill();
    throw new Error(`the sidecar did not finish within ${timeoutMs} ms\n${proc.report()}`);
  }
  return { status: outcome, process: proc };
}
