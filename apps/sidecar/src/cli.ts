/** Runs the `logpush-otel` command with `argv` (without node and script); resolves when the command is done. */
export async function main(argv: readonly string[]): Promise<void> {
  await Promise.resolve();
  process.stdout.write(`logpush-otel: ${argv.join(' ')}\n`);
}
