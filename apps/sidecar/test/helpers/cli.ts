// Spawning the `logpush-otel` bin as a user runs it: this Node, only the environment given, JSON log lines parsed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const bin = fileURLToPath(new URL('../../bin/logpush-otel.js', import.meta.url));

export interface Running {
  readonly stderr: string[];
  readonly stdout: string[];
  readonly exit: Promise<number | null>;
  /** Resolves with the first JSON log line whose msg is `msg`. */
  waitFor(msg: string): Promise<Record<string, unknown>>;
  kill(signal: NodeJS.Signals): void;
}

/** Spawns the bin with only the environment given (plus PATH), in `cwd`. */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}, cwd?: string): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ msg: string; resolve: (v: Record<string, unknown>) => void }> = [];
  const lines = (sink: string[], onLine?: (line: string) => void) => {
    let rest = '';
    return (chunk: Buffer): void => {
      rest += chunk.toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        sink.push(line);
        onLine?.(line);
      }
    };
  };
  child.stdout.on('data', lines(stdout));
  child.stderr.on(
    'data',
    lines(stderr, (line) => {
      if (!line.startsWith('{')) return;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      for (const w of waiters.filter((x) => x.msg === parsed['msg'])) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(parsed);
      }
    }),
  );
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    stdout,
    stderr,
    exit,
    waitFor(msg) {
      const seen = stderr.find((l) => l.startsWith('{') && (JSON.parse(l) as { msg?: string }).msg === msg);
      if (seen !== undefined) return Promise.resolve(JSON.parse(seen) as Record<string, unknown>);
      return new Promise((resolve, reject) => {
        waiters.push({ msg, resolve });
        void exit.then((code) =>
          reject(new Error(`exited with ${code} before logging "${msg}":\n${stderr.join('\n')}`)),
        );
      });
    },
    kill: (signal) => child.kill(signal),
  };
}
