// The `logpush-otel` command: dispatches to one module per subcommand (src/commands/<name>.ts), each exporting
// `run(argv): Promise<number>` (the exit code) and `usage` (its --help text).

/** Exit codes shared by every subcommand. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  someRejected: 3,
} as const;

interface CommandModule {
  readonly usage: string;
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

const commands: Record<string, () => Promise<CommandModule>> = {
  run: () => import('./commands/run.ts'),
  convert: () => import('./commands/convert.ts'),
  validate: () => import('./commands/validate.ts'),
};

async function topLevelUsage(): Promise<string> {
  const lines = ['Usage: logpush-otel <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const mod = await load();
    lines.push(`  ${name.padEnd(10)} ${mod.summary}`);
  }
  lines.push('', 'Run `logpush-otel <command> --help` for the options of a command.');
  return lines.join('\n') + '\n';
}

/**
 * Runs the `logpush-otel` command with `argv` (without node and script) and sets `process.exitCode`.
 * Never throws for bad input: usage errors print a message and exit 2.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await topLevelUsage());
    process.exitCode = name === undefined ? ExitCode.usage : ExitCode.ok;
    return;
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`logpush-otel: unknown command '${name}'\n\n${await topLevelUsage()}`);
    process.exitCode = ExitCode.usage;
    return;
  }
  const mod = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(mod.usage);
    return;
  }
  try {
    process.exitCode = await mod.run(rest);
  } catch (error) {
    // Never a stack trace with a secret in it: print the message, cleaned.
    const { redactText } = await import('./config/redact.ts');
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`logpush-otel ${name}: ${redactText(message)}\n`);
    process.exitCode = ExitCode.failure;
  }
}
