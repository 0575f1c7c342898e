// Helpers for the `logpush_http` tests: spawn the real `logpush-otel run` with a logpush_http receiver exporting
// to a loopback OTLP receiver, make generator batches, POST them, read the sidecar's peak RSS.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DEFAULT_START_UNIX_NANO, generateRecords } from '@logpush-otel/testdata/generator';
import type { SeedDataset } from '@logpush-otel/testdata/generator';

const bin = fileURLToPath(new URL('../../bin/logpush-otel.js', import.meta.url));

/** A running sidecar. */
export interface HttpSidecar {
  readonly child: ChildProcess;
  /** Base URL of the logpush_http receiver. */
  readonly url: string;
  /** Base URL of /metrics, /readyz (when asked for). */
  readonly telemetryUrl: string | undefined;
  readonly exited: Promise<number | string>;
  stderr(): string;
}

/** A sidecar configuration: `receiver` settings for logpush_http, exporting to `otlpUrl` with the original line as body. */
export function httpSidecarConfig(options: {
  readonly state: string;
  readonly otlpUrl: string;
  readonly receiver: Record<string, unknown>;
  readonly telemetry?: boolean;
  readonly exporter?: Record<string, unknown>;
}): string {
  const config = {
    receivers: { logpush_http: { endpoint: '127.0.0.1:0', secret: 'test-secret', ...options.receiver } },
    // the original line is each record's identity here; cookies: true keeps it byte for byte
    processors: { cloudflare: { body: 'original', cookies: true } },
    exporters: {
      otlp: {
        endpoint: options.otlpUrl,
        timeout: '60s',
        retry_on_failure: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '0s' },
        ...options.exporter,
      },
    },
    service: {
      pipelines: { logs: { receivers: ['logpush_http'], processors: ['cloudflare'], exporters: ['otlp'] } },
      telemetry: {
        logs: { level: 'info' },
        metrics: { address: options.telemetry === true ? '127.0.0.1:0' : '' },
      },
    },
    storage: { directory: options.state },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Writes the config to `<dir>/config.yaml` and starts the sidecar; resolves once it listens. */
export async function startHttpSidecar(
  dir: string,
  configText: string,
  children: ChildProcess[],
): Promise<HttpSidecar> {
  const config = join(dir, 'config.yaml');
  await writeFile(config, configText);
  const child = spawn(process.execPath, [bin, 'run', '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' },
  });
  children.push(child);
  let err = '';
  child.stderr?.setEncoding('utf8');
  // 'close', not 'exit': the exit can be reported before the last of stderr has been read.
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const started = await new Promise<{ url: string; telemetry: string | undefined }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sidecar did not start:\n${err}`)), 30_000);
    child.stderr?.on('data', (d: string) => {
      err += d;
      const url = /"msg":"listening for Logpush pushes".*?"url":"([^"]+)"/.exec(err)?.[1];
      if (url !== undefined && err.includes('"msg":"started"')) {
        clearTimeout(timer);
        resolve({ url, telemetry: /"telemetry":"([^"]+)"/.exec(err)?.[1] });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the sidecar exited (${code}) before listening:\n${err}`));
    });
  });
  return { child, url: started.url, telemetryUrl: started.telemetry, exited, stderr: () => err };
}

/** One Logpush batch: its NDJSON lines and the gzip body Logpush would POST. */
export interface Batch {
  readonly lines: string[];
  readonly gz: Buffer;
}

/** A gzip NDJSON batch of `count` generated records; `index` keeps batches distinct (seed and start time). */
export function makeBatch(index: number, count: number, dataset: SeedDataset = 'http_requests'): Batch {
  const lines = [
    ...generateRecords({
      dataset,
      count,
      seed: 1000 + index,
      startUnixNano: DEFAULT_START_UNIX_NANO + BigInt(index) * 3_600_000_000_000n,
    }),
  ];
  return { lines, gz: gzipSync(Buffer.from(`${lines.join('\n')}\n`)) };
}

/** POSTs `body` with Node's fetch; resolves with the status and text. */
export async function post(
  url: string,
  body: Uint8Array,
  headers: Record<string, string> = { 'X-CF-Secret': 'test-secret' },
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Peak resident set size of a process (Linux `VmHWM`), in bytes. */
export async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}
