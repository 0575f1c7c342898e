// `logpush-otel run --config FILE [--once]`: runs the pipelines until SIGTERM/SIGINT (or, with --once, until
// every receiver has drained what exists).
import { parseArgs } from 'node:util';
import { Service } from '@logpush-otel/pipeline';
import type { Host } from '@logpush-otel/pipeline';
import { formatIssues, loadConfig, parseListenAddress, redactText } from '../config/index.ts';
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

Signals: SIGTERM or SIGINT stops reading, drains the batches in flight, saves checkpoints and exits 0;
a second signal exits at once with 1.

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
  const logger = createJsonLogger(config.telemetry.logLevel, process.stderr, logPrivacyScrub(config.graph));
  for (const note of config.notes) logger.info(note);

  const modes = { fileMode: config.storage.fileMode, dirMode: config.storage.dirMode };
  configurePrivateFiles({ modes, warn: (msg, fields) => logger.warn(msg, fields) });
  const store = new FileDeadLetterStore(config.storage.deadLetterDir, {
    modes,
    transform: deadLetterTransform(config.graph),
  });
  const deadLetters = countingDeadLetters(store, metrics);
  const host: Host = { logger, metrics, deadLetters };
  const readyGauge = metrics.gauge(SERVICE_METRICS.ready, 'Whether every component started (1) or not (0).');
  readyGauge.set(0);

  let service: Service;
  try {
    service = new Service(config.graph, host);
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
      logger.info('stopping: draining in-flight batches and saving checkpoints', { signal });
      stopRequested(signal);
    } else {
      logger.error('second signal: exiting without draining', { signal });
      process.exit(1);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const progress = process.stderr.isTTY ? startProgress(metrics) : undefined;
  let code = 0;
  try {
    await service.start();
    readyGauge.set(1);
    logger.info('started', {
      pipelines: config.graph.pipelines.map((p) => p.name),
      components: service.components.map((c) => c.name),
      telemetry: server?.url,
      once: options.once,
    });
    if (options.once) {
      const outcome = await Promise.race([
        service.drained().then(
          () => 'drained' as const,
          (error: unknown) => error,
        ),
        stopped.then(() => 'signal' as const),
      ]);
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
  readyGauge.set(0);
  try {
    await service.shutdown();
  } catch (error) {
    logger.error('some components did not stop cleanly', { error });
    code = 1;
  }
  progress?.stop();
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

/** A one-line progress display on a terminal: records read, acknowledged, dead-lettered. */
function startProgress(metrics: PrometheusMetrics): { stop(): void } {
  const started = Date.now();
  const draw = async (): Promise<void> => {
    const [read, acked, dead] = await Promise.all([
      sumOf(metrics, RECEIVER_METRICS.recordsRead),
      sumOf(metrics, SERVICE_METRICS.acknowledgedRecords),
      sumOf(metrics, SERVICE_METRICS.deadLetteredRecords),
    ]);
    const seconds = Math.max(1, (Date.now() - started) / 1000);
    const rate = Math.round(acked / seconds);
    process.stderr.write(`\r\x1b[Kread ${read}  acknowledged ${acked}  dead-lettered ${dead}  (${rate}/s)`);
  };
  const timer = setInterval(() => void draw().catch(() => undefined), 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}
