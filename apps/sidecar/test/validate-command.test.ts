// `logpush-otel validate` checks what `run` would meet, short of sending: each broken set-up below used to pass
// validate and then fail (or hang) in run.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnCli } from './helpers/cli.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpush-otel-validate-'));
  await mkdir(join(dir, 'in'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Parts {
  readonly receiver?: string;
  readonly processors?: string;
  readonly exporter?: string;
  readonly storage?: string;
}

function config(parts: Parts = {}): string {
  const processors = parts.processors === undefined ? '' : `processors:\n${parts.processors}\n`;
  return `receivers:
  logpush_file:
    directory: ${parts.receiver ?? 'in'}
${processors}exporters:
${parts.exporter ?? '  file:\n    path: out/logs.jsonl'}
service:
  pipelines:
    logs:
      receivers: [logpush_file]
${parts.processors === undefined ? '' : '      processors: [geoip]\n'}      exporters: [${parts.exporter?.includes('otlp') === true ? 'otlp' : 'file'}]
${parts.storage ?? ''}
`;
}

async function validate(text: string, ...extra: string[]): Promise<{ code: number | null; out: string[] }> {
  const file = join(dir, 'config.yaml');
  await writeFile(file, text);
  const run = spawnCli(['validate', '--config', file, ...extra]);
  const code = await run.exit;
  return { code, out: [...run.stderr, ...run.stdout] };
}

describe('logpush-otel validate refuses what run would fail on', () => {
  it('a receiver directory that does not exist', async () => {
    const { code, out } = await validate(config({ receiver: 'missing' }));
    expect(code).toBe(2);
    expect(out).toContain(
      `  receivers.logpush_file.directory: expected a readable directory: ${join(dir, 'missing')}: does not exist`,
    );
  });

  it('a MaxMind database that does not exist', async () => {
    const { code, out } = await validate(
      config({ processors: '  geoip:\n    databases: [GeoLite2-City.mmdb]' }),
    );
    expect(code).toBe(2);
    expect(out.join('\n')).toMatch(
      /^ {2}processors\.geoip\.databases\[0\]: expected a MaxMind database that loads: cannot read MaxMind database .*GeoLite2-City\.mmdb/m,
    );
  });

  it('a file exporter path that cannot be written (on the kernel /proc file system)', async () => {
    const { code, out } = await validate(config({ exporter: '  file:\n    path: /proc/logpush/logs.jsonl' }));
    expect(code).toBe(2);
    expect(out).toContain(
      "  exporters.file.path: expected a file that can be created or appended to: /proc/logpush is on the kernel's /proc file system, not storage",
    );
  });

  it('a storage directory that cannot be created (a file is in the way)', async () => {
    await writeFile(join(dir, 'state'), 'not a directory');
    const { code, out } = await validate(config({ storage: 'storage:\n  directory: state/inner' }));
    expect(code).toBe(2);
    expect(out).toContain(
      `  storage.checkpoint_dir: expected a writable directory: ${join(dir, 'state')} is not a directory`,
    );
    expect(out).toContain(
      `  storage.dead_letter_dir: expected a writable directory: ${join(dir, 'state')} is not a directory`,
    );
  });

  it('an endpoint ending in /v1/logs (it would post to /v1/logs/v1/logs)', async () => {
    const { code, out } = await validate(
      config({ exporter: '  otlp:\n    endpoint: http://collector:4318/v1/logs' }),
    );
    expect(code).toBe(2);
    expect(out).toContain(
      `  ${join(dir, 'config.yaml')}:6:5: exporters.otlp.endpoint: expected a base URL (/v1/logs is appended, so this would post to http://collector:4318/v1/logs/v1/logs); put a full logs URL in logs_endpoint instead, got "http://collector:4318/v1/logs"`,
    );
  });

  it('names an unset ${env:...} variable', async () => {
    const { code, out } = await validate(
      config({
        exporter:
          '  otlp:\n    endpoint: http://collector:4318\n    headers:\n      x-scope-orgid: ${env:LOGPUSH_TEST_TENANT}',
      }),
    );
    expect(code).toBe(0);
    expect(out).toContain('  note: ${env:LOGPUSH_TEST_TENANT} is not set; it was replaced by an empty value');
  });
});

describe('logpush-otel validate --check-endpoints', () => {
  it('sends one empty request per otlp exporter and reports the answer', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const ok = await validate(
        config({ exporter: `  otlp:\n    endpoint: ${receiver.url}` }),
        '--check-endpoints',
      );
      expect(ok.code).toBe(0);
      expect(ok.out).toContain(`  endpoint exporters.otlp: OK: HTTP 200 from ${receiver.url}/v1/logs`);
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]?.recordCount).toBe(0);

      receiver.respondWith(() => ({ status: 403 }));
      const refused = await validate(
        config({ exporter: `  otlp:\n    endpoint: ${receiver.url}` }),
        '--check-endpoints',
      );
      expect(refused.code).toBe(1);
      expect(refused.out.join('\n')).toMatch(/ {2}endpoint exporters\.otlp: FAILED: HTTP 403 .*from http/);
    } finally {
      await receiver.close();
    }
  });
});
