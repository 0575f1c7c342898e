// Command line for the deterministic Logpush data generator. From the repository root: `npm run -s generate -- --help`.
import { once } from 'node:events';
import { registerHooks } from 'node:module';
import { parseArgs } from 'node:util';
import {
  generateRecords,
  seedDatasets,
  timestampFormats,
  writeLogpushDirectory,
  type GenerateOptions,
  type SeedDataset,
  type TimestampFormat,
} from './generator.ts';

export const usage = `Usage: npm run -s generate -- [options]   (from the repository root)

Writes deterministic, realistic Cloudflare Logpush records (NDJSON) to stdout, or to a directory laid out
like a Logpush storage destination: DIR/{YYYYMMDD}/<start>_<end>_<hash>.log.gz

Options:
  --dataset NAME      ${seedDatasets.join(' | ')} (default http_requests)
  --count N           number of records (default 1000)
  --seed N            PRNG seed; the same options give the same bytes (default 1)
  --timestamps FMT    ${timestampFormats.join(' | ')} (default unixnano: 19-digit integers)
  --start TIME        time of the first record: RFC 3339 or unix integer (default 2024-01-01T00:00:00Z)
  --out DIR           write Logpush-style files into DIR instead of stdout
  --files N           with --out: split the records over N files (default 1)
  --gzip | --plain    with --out: gzip-compressed .log.gz (default) or plain .log files
  -h, --help          show this help

Examples:
  npm run -s generate -- --dataset http_requests --count 1000 --seed 1 > requests.ndjson
  npm run -s generate -- --dataset firewall_events --count 200 --out ./logpush --files 4
`;

class UsageError extends Error {}

function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} expects an integer >= ${min}, got "${value}"`);
  return n;
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code (0 ok, 1 failure, 2 usage). */
export async function run(argv: readonly string[]): Promise<number> {
  let options: GenerateOptions;
  let out: string | undefined;
  let files: number;
  let gzip: boolean;
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        dataset: { type: 'string' },
        count: { type: 'string' },
        seed: { type: 'string' },
        timestamps: { type: 'string' },
        start: { type: 'string' },
        out: { type: 'string' },
        files: { type: 'string' },
        gzip: { type: 'boolean' },
        plain: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      process.stdout.write(usage);
      return 0;
    }
    const dataset = values.dataset ?? 'http_requests';
    if (!(seedDatasets as readonly string[]).includes(dataset))
      throw new UsageError(`--dataset expects one of ${seedDatasets.join(', ')}, got "${dataset}"`);
    const format = values.timestamps ?? 'unixnano';
    if (!(timestampFormats as readonly string[]).includes(format))
      throw new UsageError(`--timestamps expects one of ${timestampFormats.join(', ')}, got "${format}"`);
    options = {
      dataset: dataset as SeedDataset,
      count: integer('count', values.count, 1000, 0),
      seed: integer('seed', values.seed, 1, 0),
      timestampFormat: format as TimestampFormat,
    };
    if (values.start !== undefined) {
      // Imported lazily: run as a script, the resolve hook below must be in place first.
      const { TimestampError, toUnixNano } = await import('@logpush-otel/schema');
      let start: bigint | undefined;
      try {
        start = toUnixNano(values.start);
      } catch (error) {
        if (!(error instanceof TimestampError)) throw error;
      }
      if (start === undefined || start < 0n)
        throw new UsageError(`--start expects an RFC 3339 time or a unix integer, got "${values.start}"`);
      options.startUnixNano = start;
    }
    if (values.gzip === true && values.plain === true)
      throw new UsageError('--gzip and --plain exclude each other');
    out = values.out;
    files = integer('files', values.files, 1, 1);
    gzip = values.plain !== true;
    if (out === undefined && (values.files !== undefined || values.gzip === true || values.plain === true))
      throw new UsageError('--files, --gzip and --plain need --out DIR');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`generate: ${message}\n\n${usage}`);
    return 2;
  }

  try {
    if (out !== undefined) {
      const paths = await writeLogpushDirectory(out, { ...options, files, gzip });
      for (const p of paths) process.stderr.write(`wrote ${p}\n`);
      return 0;
    }
    let chunk = '';
    for (const line of generateRecords(options)) {
      chunk += line + '\n';
      if (chunk.length >= 1 << 16) {
        if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
        chunk = '';
      }
    }
    if (chunk.length > 0 && !process.stdout.write(chunk)) await once(process.stdout, 'drain');
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`generate: ${message}\n`);
    return 1;
  }
}

if (import.meta.main) {
  // Resolve sibling @logpush-otel/* packages to their TypeScript sources (no build step needed in the repo).
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const conditions = context.conditions.includes('logpush-otel-source')
        ? context.conditions
        : ['logpush-otel-source', ...context.conditions];
      return nextResolve(specifier, { ...context, conditions });
    },
  });
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`generate: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
