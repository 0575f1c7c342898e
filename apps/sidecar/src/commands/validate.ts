// `logpush-otel validate --config FILE`: checks a configuration without running it.
import { parseArgs } from 'node:util';
import { describeStorageModes, formatIssues, loadConfig, redactText } from '../config/index.ts';
import { preflight } from '../config/preflight.ts';
import type { OtlpExporterConfig } from '../exporters/otlp/config.ts';
import { probeEndpoint } from '../exporters/otlp/exporter.ts';
import { createSidecarRegistry } from '../registry.ts';

export const summary = 'check a configuration file without running it';

export const usage = `Usage: logpush-otel validate --config FILE [--check-endpoints]

Checks FILE (YAML, shaped like the OpenTelemetry Collector's: receivers, processors, exporters,
service.pipelines, service.telemetry, storage) as \`run\` would: \${env:NAME} substitution, the OTEL_*
environment variables, every component's settings, the pipelines; then what \`run\` would meet on this
machine: receiver directories exist and are readable, storage and file-exporter paths are writable, MaxMind
databases load, TLS files parse. Prints OK and a summary, or every problem with its path (e.g.
exporters.otlp.endpoint: expected an http(s) URL, got "foo").

Options:
  -c, --config FILE      the configuration file (required)
      --check-endpoints  also send one empty export request per otlp exporter and report the answer
  -h, --help             show this help

Exit codes: 0 valid, 1 an endpoint check failed, 2 invalid configuration or usage error.
`;

export async function run(argv: readonly string[]): Promise<number> {
  let file: string | undefined;
  let checkEndpoints: boolean;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        'check-endpoints': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    file = values.config;
    checkEndpoints = values['check-endpoints'];
  } catch (error) {
    process.stderr.write(`logpush-otel validate: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (file === undefined || file === '') {
    process.stderr.write(`logpush-otel validate: --config FILE is required\n\n${usage}`);
    return 2;
  }
  const loaded = await loadConfig(file, { registry: createSidecarRegistry() });
  const result = loaded.ok
    ? await preflight(loaded.config).then((issues) =>
        issues.length === 0 ? loaded : { ok: false as const, issues },
      )
    : loaded;
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
  let code = 0;
  if (checkEndpoints) {
    for (const [id, spec] of graph.exporters) {
      if (id !== 'otlp' && !id.startsWith('otlp/')) continue;
      let answer: { ok: boolean; message: string };
      try {
        answer = await probeEndpoint(id, spec.config as OtlpExporterConfig);
      } catch (error) {
        answer = { ok: false, message: (error as Error).message };
      }
      lines.push(`  endpoint exporters.${id}: ${answer.ok ? 'OK' : 'FAILED'}: ${answer.message}`);
      if (!answer.ok) code = 1;
    }
  }
  process.stdout.write(`${redactText(lines.join('\n'))}\n`);
  return code;
}
