// Delivery safety as a user sees it, through the real bin: a backend that refuses the API key pauses delivery
// (nothing is dead-lettered, /readyz says why), and SIGTERM with the backend down exits within the grace period
// without losing what was not delivered.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { spawnCli } from './helpers/cli.ts';

let dir = '';
let receiver: OtlpReceiver | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpush-otel-safety-'));
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await rm(dir, { recursive: true, force: true });
});

function otlpConfig(endpoint: string, extra = ''): string {
  return `
receivers:
  logpush_file:
    directory: in
    poll_interval: 100ms
exporters:
  otlp:
    endpoint: ${endpoint}
    headers:
      x-api-key: the-wrong-secret-key
${extra}
service:
  pipelines:
    logs:
      receivers: [logpush_file]
      exporters: [otlp]
  telemetry:
    metrics:
      address: 127.0.0.1:0
`;
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

async function deadLetterCount(): Promise<number> {
  const files = await readdir(join(dir, '.logpush-otel', 'dead-letters')).catch(() => [] as string[]);
  return files.length;
}

describe('a backend refusing the API key', () => {
  it('pauses --once (not ready, one error naming the header, not its value) and delivers everything once accepted', async () => {
    await writeLogpushDirectory(join(dir, 'in'), {
      dataset: 'http_requests',
      count: 2000,
      seed: 11,
      files: 2,
    });
    const backend = await startOtlpReceiver();
    receiver = backend;
    let refusing = true;
    backend.respondWith(() => (refusing ? { status: 403 } : undefined));
    await writeFile(
      join(dir, 'config.yaml'),
      otlpConfig(
        backend.url,
        '    retry_on_failure:\n      initial_interval: 100ms\n      misconfigured_max_interval: 1s\n',
      ),
    );
    const started = Date.now();
    const run = spawnCli(['run', '--once', '--config', join(dir, 'config.yaml')]);
    const url = (await run.waitFor('started'))['telemetry'] as string;
    const error = await run.waitFor(
      'the backend refuses this exporter (configuration fault); delivery is paused and the records are kept',
    );
    expect(error).toMatchObject({ level: 'error', status: 403, endpoint: `${backend.url}/v1/logs` });
    expect(error['headers']).toContain('x-api-key');
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/^not ready\nexporters\/otlp: HTTP 403/);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/logpush_otel_exporter_paused\{exporter="otlp"\} 1/);

    await new Promise((r) => setTimeout(r, Math.max(0, 15_000 - (Date.now() - started))));
    expect(backend.acceptedCount()).toBe(0);
    refusing = false;
    expect(await run.exit).toBe(0);
    const ids = backend.records().map((r) => r.attributes['cloudflare.ray_id']);
    expect(new Set(ids).size).toBe(2000);
    expect(await deadLetterCount()).toBe(0);
    expect(run.stderr.join('\n')).not.toContain('the-wrong-secret-key');
    const errors = run.stderr.filter((l) => l.includes('"level":"error"'));
    expect(errors).toHaveLength(1);
  }, 60_000);
});

describe('shutdown with the backend down', () => {
  it('exits 0 within 15 s of SIGTERM, and a later run delivers every record', async () => {
    await writeLogpushDirectory(join(dir, 'in'), {
      dataset: 'http_requests',
      count: 1500,
      seed: 12,
      files: 2,
    });
    const port = await freePort();
    await writeFile(join(dir, 'config.yaml'), otlpConfig(`http://127.0.0.1:${port}`));
    const first = spawnCli(['run', '--config', join(dir, 'config.yaml')]);
    await first.waitFor('started');
    await first.waitFor('export failed; retrying');
    const signalled = Date.now();
    first.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    const took = Date.now() - signalled;
    expect(took).toBeLessThan(15_000);
    expect(took).toBeGreaterThanOrEqual(9_000); // the default shutdown_timeout (10 s) was given to the retries
    expect(first.stderr.join('\n')).toContain('shutdown_timeout passed: abandoning retries');

    receiver = await startOtlpReceiver({ port });
    const second = spawnCli(['run', '--once', '--config', join(dir, 'config.yaml')]);
    expect(await second.exit).toBe(0);
    const ids = receiver.records().map((r) => r.attributes['cloudflare.ray_id']);
    expect(new Set(ids).size).toBe(1500);
    expect(await deadLetterCount()).toBe(0);
  }, 60_000);
});

describe('a second signal', () => {
  it('exits at once with 1 while the first is still waiting for the backend', async () => {
    await writeLogpushDirectory(join(dir, 'in'), {
      dataset: 'http_requests',
      count: 300,
      seed: 13,
      files: 1,
    });
    const port = await freePort();
    await writeFile(join(dir, 'config.yaml'), otlpConfig(`http://127.0.0.1:${port}`));
    const run = spawnCli(['run', '--config', join(dir, 'config.yaml')]);
    await run.waitFor('export failed; retrying');
    run.kill('SIGTERM');
    await run.waitFor('stopping: draining in-flight batches and saving checkpoints');
    const second = Date.now();
    run.kill('SIGTERM');
    expect(await run.exit).toBe(1);
    expect(Date.now() - second).toBeLessThan(3_000);
    expect(run.stderr.join('\n')).toContain('second signal: exiting without draining');
  }, 30_000);
});

describe('input that is not what it claims to be', () => {
  it('reports unreadable files once and dead-letters their lines; maps mixed datasets and time-less records', async () => {
    const input = join(dir, 'in');
    await mkdir(input, { recursive: true });
    const garbage = Buffer.alloc(323);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
    await writeFile(join(input, 'binary.log.gz'), garbage);
    await writeFile(join(input, 'noheader.csv'), '1700000000123456789,97.80.7.63,8a1b,example.com,200\n');
    const firewall =
      '{"Action":"block","ClientIP":"192.0.2.1","Datetime":"2023-11-14T22:13:20.000000001Z","RayID":"fw1","Source":"firewallCustom"}';
    const http =
      '{"ClientIP":"203.0.113.7","ClientRequestHost":"example.com","EdgeResponseStatus":200,"EdgeStartTimestamp":1700000000123456789,"RayID":"ht1"}';
    const noTime = '{"ClientIP":"203.0.113.9","EdgeResponseStatus":200,"RayID":"nt1"}';
    await writeFile(join(input, 'mixed.log'), `${firewall}\n${http}\n${noTime}\n`);
    await writeFile(
      join(dir, 'config.yaml'),
      'receivers:\n  logpush_file:\n    directory: in\n    poll_interval: 100ms\nexporters:\n  file:\n    path: out/logs.jsonl\n' +
        'service:\n  pipelines:\n    logs:\n      receivers: [logpush_file]\n      exporters: [file]\n  telemetry:\n    metrics:\n      address: ""\n',
    );
    const run = spawnCli(['run', '--once', '--config', join(dir, 'config.yaml')]);
    expect(await run.exit).toBe(3);
    const warnings = run.stderr
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; file?: string })
      .filter((m) => m.msg.startsWith('not Logpush text: '));
    expect(warnings.map((w) => w.file).sort()).toEqual([
      join(input, 'binary.log.gz'),
      join(input, 'noheader.csv'),
    ]);
    expect(warnings.find((w) => w.file?.endsWith('.csv'))?.msg).toMatch(/field_names/);

    const letters = (await readdir(join(dir, '.logpush-otel', 'dead-letters'))).map((f) =>
      join(dir, '.logpush-otel', 'dead-letters', f),
    );
    const kept = (await Promise.all(letters.map((f) => readFile(f, 'utf8'))))
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { source: string; reason: string });
    expect(new Set(kept.map((l) => l.source))).toEqual(
      new Set([join(input, 'binary.log.gz'), join(input, 'noheader.csv')]),
    );

    const requests = (await readFile(join(dir, 'out', 'logs.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '');
    const records = requests.flatMap((l) =>
      (
        JSON.parse(l) as {
          resourceLogs: Array<{
            scopeLogs: Array<{
              logRecords: Array<{
                timeUnixNano?: string;
                eventName?: string;
                attributes: Array<{ key: string }>;
              }>;
            }>;
          }>;
        }
      ).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((sc) => sc.logRecords)),
    );
    const byEvent = records.map((r) => [
      r.eventName,
      r.timeUnixNano,
      r.attributes.some((a) => a.key === 'cloudflare.time_missing'),
    ]);
    expect(byEvent).toEqual([
      ['cloudflare.firewall_event', '1700000000000000001', false],
      ['cloudflare.http_request', '1700000000123456789', false],
      ['cloudflare.http_request', undefined, true],
    ]);
  }, 60_000);
});
