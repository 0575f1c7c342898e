// `logpush-otel run --config FILE [--once]`: runs the pipelines until SIGTERM/SIGINT (or, with --once, until
// every receiver has drained what exists).
import { parseArgs } from 'node:util';
import { Service } from '@logpush-otel/pipeline';
import type { Host } from '@logpush-otel/pipeline';
import { formatIssues, loadConfig, parseListenAddress, redactText } from '../config/index.ts';
import type { SidecarConfig } from '../config/index.ts';
import { preflight } from '../config/preflight.ts';
import { FileDeadLetterStore } from '../dead-letter.ts';
import { deadLetterTransform, logPrivacyScrub } from '../dead-letter-privacy.ts';
import { createSidecarRegistry } from '../registry.ts';
import { startTelemetryServer } from '../service/http-server.ts';
import type { TelemetryServer } from '../service/http-server.ts';
import { countingDeadLetters, instrumentExporters } from '../service/instrument.ts';
import { createJsonLogger } from '../service/logger.ts';
import { RECEIVER_METRICS, SERVICE_METRICS } from '../service/metric-names.ts';
import { PrometheusMetrics } from '../service/metrics.ts';
import { configurePrivateFiles } from '../storage/private-files.ts';
import { readyGauge } from '../service/metrics-table.ts';
import { registerProcessMetrics } from '../service/process-metrics.ts';
import { inputBytes, sinkAbove, startProgressBar } from '../service/progress.ts';
import type { ProgressBar } from '../service/progress.ts';
import { attachWorkers } from '../workers/wiring.ts';

export const summary = 'run the pipelines of a configuration file (tail Logpush files, export over OTLP)';

export const usage = `Usage: logpush-otel run --config FILE [--once]

Runs the pipelines of FILE: receivers read Logpush records, processors enrich and map them, exporters deliver
them. Positions are saved only after the exporters acknowledged the records. Logs its own messages as JSON
lines on stderr; serves /healthz, /readyz and /metrics on service.telemetry.metrics.address
(default 127.0.0.1:8888).

Options:
  -c, --config FILE   the configuration file (required; see \`logpush-otel validate --help\`)
      --once          read what exists, wait until all of it is acknowledged, then exit (backfills)
  -h, --help          show this help

Signals: SIGTERM or SIGINT stops reading and gives the batches in flight service.shutdown_timeout (default
10s) to be acknowledged; then retries are abandoned (those records are read again on the next start), the
acknowledged positions are saved and the process exits 0. A second signal exits at once with 1.

Exit codes: 0 done, 1 failure (a component failed to start or stop), 2 invalid configuration or usage,
3 (--once) finished, but some input was rejected and written to the dead-letter directory.
`;

interface Options {
  readonly config: string;
  readonly once: boolean;
}

function parse(argv: readonly string[]): Options | string {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string', short: 'c' }, once: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
    if (values.config === undefined || values.config === '') return '--config FILE is required';
    return { config: values.config, once: values.once };
  } catch (error) {
    return (error as Error).message;
  }
}

async function sumOf(metrics: PrometheusMetrics, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const data = await metric.get();
  return data.values.reduce((sum, v) => sum + v.value, 0);
}

async function byLabel(
  metrics: PrometheusMetrics,
  name: string,
  label: string,
): Promise<Record<string, number>> {
  const metric = metrics.registry.getSingleMetric(name);
  const out: Record<string, number> = {};
  if (metric === undefined) return out;
  for (const v of (await metric.get()).values) {
    const key = String(v.labels[label] ?? '');
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

export async function run(argv: readonly string[]): Promise<number> {
  const options = parse(argv);
  if (typeof options === 'string') {
    process.stderr.write(`logpush-otel run: ${options}\n\n${usage}`);
    return 2;
  }
  const metrics = new PrometheusMetrics();
  registerProcessMetrics(metrics);
  const registry = instrumentExporters(createSidecarRegistry(), metrics);
  const loaded = await loadConfig(options.config, { registry });
  if (!loaded.ok) {
    const n = loaded.issues.length;
    process.stderr.write(
      `logpush-otel run: ${options.config} is not a valid configuration (${n} problem${n === 1 ? '' : 's'}):\n` +
        `${formatIssues(loaded.issues).replace(/^/gm, '  ')}\n`,
    );
    return 2;
  }
  const config = loaded.config;
  const problems = await preflight(config, { databases: false });
  if (problems.length > 0) {
    const n = problems.length;
    process.stderr.write(
      `logpush-otel run: ${options.config} cannot run on this machine (${n} problem${n === 1 ? '' : 's'}):\n` +
        `${formatIssues(problems).replace(/^/gm, '  ')}\n`,
    );
    return 2;
  }
  let bar: ProgressBar | undefined;
  const logger = createJsonLogger(
    config.telemetry.logLevel,
    sinkAbove(() => bar),
    logPrivacyScrub(config.graph),
  );
  for (const note of config.notes) logger.info(note);

  const modes = { fileMode: config.storage.fileMode, dirMode: config.storage.dirMode };
  configurePrivateFiles({ modes, warn: (msg, fields) => logger.warn(msg, fields) });
  const store = new FileDeadLetterStore(config.storage.deadLetterDir, {
    modes,
    transform: deadLetterTransform(config.graph),
  });
  const deadLetters = countingDeadLetters(store, metrics);
  const host: Host = { logger, metrics, deadLetters };
  const ready = readyGauge(metrics);
  ready.set(0);

  let service: Service;
  try {
    service = new Service(config.graph, host, { startTimeoutMs: config.startTimeoutMs });
    attachWorkers(service, config.graph, logger);
  } catch (error) {
    logger.error('could not create the components', { error });
    await store.close();
    return 1;
  }

  let healthy = true;
  let server: TelemetryServer | undefined;
  if (config.telemetry.address !== '') {
    const address = parseListenAddress(config.telemetry.address);
    try {
      if (address === undefined) throw new Error(`invalid address ${config.telemetry.address}`);
      server = await startTelemetryServer(address.host, address.port, {
        healthy: () => healthy,
        ready: () => service.ready,
        notReadyReasons: () => service.notReady(),
        metrics: async () => ({ contentType: metrics.contentType, body: redactText(await metrics.text()) }),
      });
    } catch (error) {
      logger.error('could not serve the telemetry endpoint', { address: config.telemetry.address, error });
      await service.shutdown().catch(() => undefined);
      await store.close();
      return 1;
    }
  }

  // Stop on the first SIGTERM/SIGINT; exit at once on the second.
  let stopRequested: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      logger.info('stopping: draining in-flight batches and saving checkpoints', {
        signal,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
      });
      stopRequested(signal);
    } else {
      logger.error('second signal: exiting without draining', { signal });
      process.exit(1);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let code = 0;
  try {
    await service.start();
    ready.set(1);
    logger.info('started', {
      pipelines: config.graph.pipelines.map((p) => p.name),
      components: service.components.map((c) => c.name),
      telemetry: server?.url,
      once: options.once,
    });
    if (options.once) {
      const progress = await startOnceProgress(config, metrics, (b) => (bar = b));
      const outcome = await Promise.race([
        service.drained().then(
          () => 'drained' as const,
          (error: unknown) => error,
        ),
        stopped.then(() => 'signal' as const),
      ]);
      progress?.stop();
      bar = undefined;
      if (outcome === 'drained') logger.info('everything present was read and acknowledged; stopping');
      else if (outcome !== 'signal') {
        logger.error('could not finish reading', { error: outcome });
        healthy = false;
        code = 1;
      }
    } else {
      await stopped;
    }
  } catch (error) {
    logger.error('could not start', { error });
    healthy = false;
    code = 1;
  }
  ready.set(0);
  // Batches in flight get shutdown_timeout to be acknowledged; then the exporters abandon their retries (the
  // receivers keep only acknowledged positions, so those records are read again on the next start).
  const grace = setTimeout(() => {
    logger.warn('shutdown_timeout passed: abandoning retries; unacknowledged records will be read again', {
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
    for (const c of service.byKind('exporter')) void c.component.shutdown().catch(() => undefined);
  }, config.shutdownTimeoutMs);
  try {
    await service.shutdown();
  } catch (error) {
    logger.error('some components did not stop cleanly', { error });
    code = 1;
  } finally {
    clearTimeout(grace);
  }
  bar?.stop();
  bar = undefined;
  await store
    .close()
    .catch((error: unknown) => logger.error('could not close the dead-letter store', { error }));
  const [read, acknowledged] = await Promise.all([
    sumOf(metrics, RECEIVER_METRICS.recordsRead),
    byLabel(metrics, SERVICE_METRICS.acknowledgedRecords, 'exporter'),
  ]);
  logger.info('stopped', {
    recordsRead: read,
    recordsAcknowledged: acknowledged,
    deadLettered: deadLetters.written,
  });
  await server?.close();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  if (code === 0 && options.once && deadLetters.written > 0) code = 3;
  // Whatever a component left behind (a stray timer, a socket) must not keep a stopped sidecar alive.
  setTimeout(() => {
    logger.warn('exiting: something kept the process alive after shutdown');
    process.exit(code);
  }, 2_000).unref();
  return code;
}

/**
 * On a terminal, a progress bar for `--once`: the decompressed bytes of the files the receivers select, against
 * the bytes read, with records per second and ETA. `attach` receives the bar (the logger prints above it).
 */
async function startOnceProgress(
  config: SidecarConfig,
  metrics: PrometheusMetrics,
  attach: (bar: ProgressBar) => void,
): Promise<{ stop(): void } | undefined> {
  if (process.stderr.isTTY !== true) return undefined;
  let total = 0;
  for (const [id, spec] of config.graph.receivers) {
    if (id !== 'logpush_file' && !id.startsWith('logpush_file/')) continue;
    const c = spec.config as { directory: string; include: string[]; exclude: string[] };
    total += await inputBytes(c.directory, c.include, c.exclude);
  }
  const bar = startProgressBar(total);
  if (bar === undefined) return undefined;
  attach(bar);
  const draw = async (): Promise<void> => {
    const [bytes, records] = await Promise.all([
      sumOf(metrics, RECEIVER_METRICS.bytesRead),
      sumOf(metrics, RECEIVER_METRICS.recordsRead),
    ]);
    bar.update(bytes, records);
  };
  const timer = setInterval(() => void draw().catch(() => undefined), 250);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      bar.stop();
    },
  };
}
