export { ExitCode, main } from './cli.ts';
