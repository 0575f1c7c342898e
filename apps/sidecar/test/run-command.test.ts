// The `logpush-otel` command as a user runs it: the bin spawned with this Node, real files in a temp dir, real
// HTTP on 127.0.0.1.
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { spawnCli } from './helpers/cli.ts';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** Records written by the file exporter (OTLP/JSON lines), as their cloudflare.ray_id values. */
async function rayIdsIn(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const ids: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const request = JSON.parse(line) as {
      resourceLogs: Array<{
        scopeLogs: Array<{
          logRecords: Array<{ attributes: Array<{ key: string; value: { stringValue?: string } }> }>;
        }>;
      }>;
    };
    for (const r of request.resourceLogs)
      for (const s of r.scopeLogs)
        for (const rec of s.logRecords)
          ids.push(rec.attributes.find((a) => a.key === 'cloudflare.ray_id')?.value.stringValue ?? '?');
  }
  return ids;
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpush-otel-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fileConfig(extra = ''): string {
  return `
receivers:
  logpush_file:
    directory: in
    poll_interval: 100ms
processors:
  batch:
    send_batch_size: 100
    timeout: 50ms
exporters:
  file:
    path: out/logs.jsonl
service:
  pipelines:
    logs:
      receivers: [logpush_file]
      processors: [batch]
      exporters: [file]
  telemetry:
    metrics:
      address: 127.0.0.1:0
${extra}`;
}

describe('logpush-otel validate', () => {
  it('prints OK and exits 0 for a valid file', async () => {
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'config.yaml'), fileConfig());
    const run = spawnCli(['validate', '--config', join(dir, 'config.yaml')]);
    expect(await run.exit).toBe(0);
    expect(run.stdout[0]).toBe(`OK: ${join(dir, 'config.yaml')}`);
    // the service places the mapping after the raw-record processors (none here), so before batch
    expect(run.stdout).toContain('  logs: logpush_file -> cloudflare -> batch -> file');
  });

  it('lists every problem with its path and exits 2', async () => {
    await writeFile(
      join(dir, 'config.yaml'),
      fileConfig().replace('send_batch_size: 100', 'send_batch_size: lots').replace('[file]', '[file, otlp]'),
    );
    const run = spawnCli(['validate', '--config', join(dir, 'config.yaml')]);
    expect(await run.exit).toBe(2);
    const file = join(dir, 'config.yaml');
    expect(run.stderr).toEqual([
      `${file}: 2 problems:`,
      `  ${file}:8:5: processors.batch.send_batch_size: expected an integer >= 1, got "lots"`,
      `  ${file}:18:25: service.pipelines.logs.exporters[1]: exporter "otlp" is not defined under exporters (defined: file)`,
    ]);
  });

  it('refuses a raw-record processor listed after the mapping, naming both (validate and run)', async () => {
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      fileConfig()
        .replace('processors:\n  batch:', 'processors:\n  privacy: { preset: strict }\n  batch:')
        .replace('processors: [batch]', 'processors: [cloudflare, privacy]'),
    );
    const problem = `  ${file}:18:32: service.pipelines.logs.processors[1]: "privacy" works on raw records, so it must run before the mapping processor "cloudflare", but it is listed after it: move "privacy" before "cloudflare"`;
    const validate = spawnCli(['validate', '--config', file]);
    expect(await validate.exit).toBe(2);
    expect(validate.stderr).toEqual([`${file}: 1 problem:`, problem]);
    const run = spawnCli(['run', '--config', file]);
    expect(await run.exit).toBe(2);
    expect(run.stderr).toEqual([
      `logpush-otel run: ${file} is not a valid configuration (1 problem):`,
      problem,
    ]);
  });

  it('exits 2 with the usage when --config is missing', async () => {
    const run = spawnCli(['validate']);
    expect(await run.exit).toBe(2);
    expect(run.stderr[0]).toBe('logpush-otel validate: --config FILE is required');
  });
});

describe('logpush-otel run', () => {
  it('refuses an invalid configuration with a clear message and a non-zero exit', async () => {
    await writeFile(join(dir, 'config.yaml'), fileConfig().replace('path: out/logs.jsonl', 'path: ""'));
    const run = spawnCli(['run', '--config', join(dir, 'config.yaml')]);
    expect(await run.exit).toBe(2);
    expect(run.stderr[0]).toBe(
      `logpush-otel run: ${join(dir, 'config.yaml')} is not a valid configuration (1 problem):`,
    );
    expect(run.stderr[1]).toBe(
      `  ${join(dir, 'config.yaml')}:12:5: exporters.file.path: expected the file to write OTLP/JSON lines to, e.g. ./out/logs.jsonl, got nothing`,
    );
  });

  it('serves health, readiness and metrics, drains on SIGTERM, and a later --once run delivers the rest', async () => {
    await writeLogpushDirectory(join(dir, 'in'), {
      dataset: 'http_requests',
      count: 3000,
      seed: 3,
      files: 3,
    });
    await writeFile(join(dir, 'config.yaml'), fileConfig());
    const first = spawnCli(['run', '--config', join(dir, 'config.yaml')]);
    const started = await first.waitFor('started');
    const url = started['telemetry'] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${url}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const name of [
      'logpush_otel_ready 1',
      '# TYPE otelcol_receiver_accepted_log_records_total counter',
      '# TYPE logpush_otel_export_duration_seconds histogram',
      '# TYPE logpush_otel_exporter_acknowledged_records_total counter',
      '# TYPE logpush_otel_ingestion_lag_seconds gauge',
      'otelcol_exporter_queue_capacity{exporter="file"} 1',
      '# TYPE otelcol_process_memory_rss gauge',
      '# TYPE nodejs_eventloop_lag_seconds gauge',
      'logpush_otel_batches_in_flight{component="receivers/logpush_file"}',
    ])
      expect(metrics).toContain(name);

    first.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    const stopped = await first.waitFor('stopped');
    const checkpoints = await readdir(join(dir, '.logpush-otel', 'checkpoints'));
    expect(checkpoints.length).toBeGreaterThan(0);
    const afterFirst = await rayIdsIn(join(dir, 'out', 'logs.jsonl'));
    // everything the first run counted as acknowledged is in the file
    expect(afterFirst.length).toBe((stopped['recordsAcknowledged'] as Record<string, number>)['file'] ?? 0);

    const second = spawnCli(['run', '--once', '--config', join(dir, 'config.yaml')]);
    expect(await second.exit).toBe(0);
    const all = await rayIdsIn(join(dir, 'out', 'logs.jsonl'));
    expect(new Set(all).size).toBe(3000);
    const third = spawnCli(['run', '--once', '--config', join(dir, 'config.yaml')]);
    expect(await third.exit).toBe(0);
    expect((await rayIdsIn(join(dir, 'out', 'logs.jsonl'))).length).toBe(all.length);
  });

  // With workers: 1 (batch processor, main thread) and with 2 worker threads (cloudflare → otlp: bodies encoded
  // in the workers wait for the backend while the sidecar drains).
  it.each([1, 2])(
    'on SIGTERM waits for the batches the backend has not answered yet, then exits 0 without losing or repeating records (workers: %i)',
    async (workers) => {
      const receiver = await startOtlpReceiver();
      try {
        await writeLogpushDirectory(join(dir, 'in'), {
          dataset: 'http_requests',
          count: 2000,
          seed: 5,
          files: 2,
        });
        const otlp = fileConfig()
          .replace('  file:\n    path: out/logs.jsonl', '  otlp: {}')
          .replace('[file]', '[otlp]');
        await writeFile(
          join(dir, 'config.yaml'),
          workers === 1
            ? otlp.replace('poll_interval: 100ms', 'poll_interval: 100ms\n    workers: 1')
            : otlp
                .replace('poll_interval: 100ms', `poll_interval: 100ms\n    workers: ${workers}`)
                .replace('  batch:\n    send_batch_size: 100\n    timeout: 50ms', '  cloudflare: {}')
                .replace('processors: [batch]', 'processors: [cloudflare]'),
        );
        const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
        receiver.stall(); // the backend reads requests but answers none yet
        const first = spawnCli(['run', '--config', join(dir, 'config.yaml')], env);
        await first.waitFor('started');
        while (receiver.pending() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        first.kill('SIGTERM');
        await first.waitFor('stopping: draining in-flight batches and saving checkpoints');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(receiver.acceptedCount()).toBe(0); // nothing answered, so nothing may be checkpointed yet
        receiver.resume();
        expect(await first.exit).toBe(0);
        const delivered = receiver.acceptedCount();
        expect(delivered).toBeGreaterThan(0);

        const second = spawnCli(['run', '--once', '--config', join(dir, 'config.yaml')], env);
        expect(await second.exit).toBe(0);
        const ids = receiver.records().map((r) => r.attributes['cloudflare.ray_id']);
        expect(new Set(ids).size).toBe(2000);
        expect(ids).toHaveLength(2000); // what the first run delivered was checkpointed: nothing sent twice
        expect(first.stderr.some((l) => l.includes('in worker threads'))).toBe(workers > 1);
      } finally {
        await receiver.close();
      }
    },
  );

  it('--once exits 3 when some lines went to the dead-letter directory, after delivering their neighbours', async () => {
    await mkdir(join(dir, 'in'), { recursive: true });
    const good = (n: number): string =>
      JSON.stringify({
        RayID: `ray${n}`,
        EdgeStartTimestamp: 1_700_000_000_000_000_000 + n,
        EdgeResponseStatus: 200,
      });
    await writeFile(join(dir, 'in', 'requests.log'), `${good(1)}\n{"RayID": "broken\n${good(2)}\n`);
    await writeFile(join(dir, 'config.yaml'), fileConfig());
    const run = spawnCli(['run', '--once', '--config', join(dir, 'config.yaml')]);
    expect(await run.exit).toBe(3);
    expect(await rayIdsIn(join(dir, 'out', 'logs.jsonl'))).toEqual(['ray1', 'ray2']);
    const letters = await readdir(join(dir, '.logpush-otel', 'dead-letters'));
    const text = await readFile(join(dir, '.logpush-otel', 'dead-letters', letters[0] ?? ''), 'utf8');
    const letter = JSON.parse(text.split('\n')[0] ?? '') as { line: number; raw: string; reason: string };
    expect([letter.line, letter.raw]).toEqual([2, '{"RayID": "broken']);
    expect(letter.reason.length).toBeGreaterThan(0);
  });

  it('runs the demo config against OTEL_EXPORTER_OTLP_ENDPOINT and delivers every sample record', async () => {
    const receiver = await startOtlpReceiver();
    try {
      await cp(join(examples, 'logpush'), join(dir, 'logpush'), { recursive: true });
      await cp(join(examples, 'config.yaml'), join(dir, 'config.yaml'));
      await mkdir(join(dir, 'empty'));
      const run = spawnCli(['run', '--once', '--config', join(dir, 'config.yaml')], {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'demo-edge',
        LOGPUSH_OTEL_TELEMETRY_ADDRESS: '127.0.0.1:0',
      });
      expect(await run.exit).toBe(0);
      const records = receiver.records();
      expect(records).toHaveLength(600);
      expect(new Set(records.map((r) => r.eventName))).toEqual(
        new Set(['cloudflare.http_request', 'cloudflare.firewall_event', 'cloudflare.spectrum_event']),
      );
      expect(records.every((r) => r.resource['service.name'] === 'demo-edge')).toBe(true);
      expect(run.stdout).toEqual([]); // the debug exporter is off when an endpoint is set
    } finally {
      await receiver.close();
    }
  });
});
