// Child processes of the integration suite and the benchmark: the OpenTelemetry Collector, VictoriaLogs and the
// sidecar. Each keeps its combined stdout/stderr (in memory and in a log file) so a failing test can print it,
// and every process started is registered so a test (or the whole run) can stop them all, even after a failure
// or a timeout.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/** How a managed process ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  /** Short name used in messages and log headers ('otelcol', 'victoria-logs', 'sidecar'). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** File receiving the combined stdout and stderr (appended). */
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const live = new Set<ManagedProcess>();
const started: ManagedProcess[] = [];

/** A child process whose output is kept and which is stopped by {@link stopAllProcesses}. */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  #output = '';
  #exit: ExitStatus | undefined;

  constructor(options: StartProcessOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      // Keep the last 256 KiB in memory: enough to diagnose, bounded for long benchmark runs.
      this.#output = (this.#output + text).slice(-262_144);
      log.write(chunk);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    live.add(this);
    started.push(this);
    this.exited = new Promise<ExitStatus>((resolve) => {
      const finish = (status: ExitStatus): void => {
        if (this.#exit) return;
        this.#exit = status;
        live.delete(this);
        log.end();
        resolve(status);
      };
      this.child.once('error', (error) => {
        keep(Buffer.from(`\n[${this.name}] failed to start: ${error.message}\n`));
        finish({ code: null, signal: null });
      });
      this.child.once('close', (code, signal) => finish({ code, signal }));
    });
  }

  /** The process id (undefined if spawning failed). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The exit status, or undefined while running. */
  get exitStatus(): ExitStatus | undefined {
    return this.#exit;
  }

  /** Everything the process printed so far (the last 256 KiB). */
  output(): string {
    return this.#output;
  }

  /** The output framed with a header naming the process and its log file, for failure reports. */
  report(): string {
    const status = this.#exit
      ? `exited with code ${this.#exit.code ?? '-'} signal ${this.#exit.signal ?? '-'}`
      : `running as pid ${this.pid ?? '-'}`;
    return `----- ${this.name} (${status}; log ${this.logFile}) -----\n${this.#output}\n----- end of ${this.name} -----`;
  }

  /**
   * Stops the process: SIGTERM, then SIGKILL if it is still running after `graceMs`. Resolves once it exited.
   * Safe to call several times and after the process ended.
   */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    if (this.#exit) return this.#exit;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }

  /** Kills the process at once with SIGKILL and waits for it. */
  async kill(): Promise<ExitStatus> {
    if (this.#exit) return this.#exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** Starts a managed process (see {@link ManagedProcess}). */
export function startProcess(options: StartProcessOptions): ManagedProcess {
  return new ManagedProcess(options);
}

/** Every process started so far, in start order (exited ones included). */
export function startedProcesses(): readonly ManagedProcess[] {
  return started;
}

/** Stops every live managed process (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAllProcesses(graceMs = 10_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(graceMs)));
}

// A test runner that dies (or a benchmark interrupted with Ctrl-C) must not leave services running.
process.once('exit', () => {
  for (const p of live) p.child.kill('SIGKILL');
});

/** A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true once something accepts TCP connections on 127.0.0.1:`port`. */
export async function canConnect(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Polls `ready()` every 100 ms until it resolves true. Rejects when `proc` exits first or after `timeoutMs`,
 * with the process output in the message.
 */
export async function waitUntil(
  proc: ManagedProcess,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitStatus) throw new Error(`${proc.name} exited before ${what}\n${proc.report()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${proc.name}: not ${what} after ${timeoutMs} ms\n${proc.report()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads a text file, or '' if it does not exist yet. */
export async function readTextIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** CPU seconds (user + system) and peak RSS of a live Linux process, read from /proc; undefined once it exited. */
export async function procUsage(
  pid: number,
): Promise<{ cpuSeconds: number; peakRssBytes: number } | undefined> {
  try {
    const [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return { cpuSeconds: ticks / CLOCK_TICKS, peakRssBytes: hwm ? Number(hwm[1]) * 1024 : 0 };
  } catch {
    return undefined;
  }
}

/** USER_HZ on Linux (sysconf(_SC_CLK_TCK)); 100 on every mainstream kernel configuration. */
const CLOCK_TICKS = 100;
