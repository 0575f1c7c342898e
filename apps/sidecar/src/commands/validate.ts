// `logpush-otel validate --config FILE`: checks a configuration without running it.
import { parseArgs } from 'node:util';
import { describeStorageModes, formatIssues, loadConfig, redactText } from '../config/index.ts';
import { createSidecarRegistry } from '../registry.ts';

export const summary = 'check a configuration file without running it';

export const usage = `Usage: logpush-otel validate --config FILE

Checks FILE (YAML, shaped like the OpenTelemetry Collector's: receivers, processors, exporters,
service.pipelines, service.telemetry, storage) as \`run\` would: \${env:NAME} substitution, the OTEL_*
environment variables, every component's settings, the pipelines. Prints OK and a summary, or every problem
with its path (e.g. exporters.otlp.endpoint: expected an http(s) URL, got "foo").

Options:
  -c, --config FILE   the configuration file (required)
  -h, --help          show this help

Exit codes: 0 valid, 2 invalid configuration or usage error.
`;

export async function run(argv: readonly string[]): Promise<number> {
  let file: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string', short: 'c' } },
      strict: true,
      allowPositionals: false,
    });
    file = values.config;
  } catch (error) {
    process.stderr.write(`logpush-otel validate: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (file === undefined || file === '') {
    process.stderr.write(`logpush-otel validate: --config FILE is required\n\n${usage}`);
    return 2;
  }
  const result = await loadConfig(file, { registry: createSidecarRegistry() });
  if (!result.ok) {
    const n = result.issues.length;
    process.stderr.write(
      `${redactText(file)}: ${n} problem${n === 1 ? '' : 's'}:\n${formatIssues(result.issues).replace(/^/gm, '  ')}\n`,
    );
    return 2;
  }
  const { graph, storage, telemetry } = result.config;
  const lines = [`OK: ${file}`];
  for (const p of graph.pipelines)
    lines.push(
      `  ${p.name}: ${p.receivers.join(', ')} -> ${p.processors.join(' -> ') || '(no processors)'} -> ${p.exporters.join(', ')}`,
    );
  lines.push(
    `  checkpoints: ${storage.checkpointDir}`,
    `  dead letters: ${storage.deadLetterDir}`,
    `  storage modes: ${describeStorageModes(storage)}`,
  );
  lines.push(
    `  telemetry: ${telemetry.address === '' ? 'off' : `http://${telemetry.address}`} (log level ${telemetry.logLevel})`,
  );
  for (const note of result.config.notes) lines.push(`  note: ${note}`);
  process.stdout.write(`${redactText(lines.join('\n'))}\n`);
  return 0;
}
