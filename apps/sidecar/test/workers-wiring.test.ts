import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '@logpush-otel/pipeline';
import { createTestHost } from '@logpush-otel/pipeline/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.ts';
import { createSidecarRegistry } from '../src/registry.ts';
import { attachWorkers } from '../src/workers/wiring.ts';

const dir = mkdtempSync(join(tmpdir(), 'logpush-otel-wiring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds the service of a config whose pipeline has `processors` and `exporters`, and wires workers. */
async function wire(
  receiver: string,
  processors: string,
  exporters: string,
): Promise<{ info: { message: string; fields: Record<string, unknown> }[] }> {
  const text = `receivers:
  logpush_file:
    directory: ${JSON.stringify(dir)}
${receiver}
processors:
  cloudflare: {}
  batch: {}
exporters:
  otlp: { endpoint: http://127.0.0.1:9 }
  otlp/json: { endpoint: http://127.0.0.1:9, protocol: http/json }
  debug: {}
service:
  pipelines:
    logs:
      receivers: [logpush_file]
      processors: ${processors}
      exporters: ${exporters}
  telemetry:
    metrics:
      address: ''
storage:
  directory: ${JSON.stringify(join(dir, 'state'))}
`;
  const loaded = parseConfig(text, { registry: createSidecarRegistry(), env: {} });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const host = createTestHost('wiring');
  const service = new Service(loaded.config.graph, host);
  attachWorkers(service, loaded.config.graph, host.logger);
  await service.shutdown();
  const info = host.messages
    .filter((m) => m.level === 'info')
    .map((m) => ({ message: m.message, fields: m.fields }));
  return { info };
}

describe('which receivers read in worker threads', () => {
  it('a cloudflare → otlp pipeline reads in workers; workers: 1 stays on the main thread silently', async () => {
    const a = await wire('    workers: 2', '[cloudflare]', '[otlp]');
    expect(a.info).toEqual([
      {
        message: 'the receiver reads, maps and encodes in worker threads',
        fields: { component: 'receivers/logpush_file', workers: 2 },
      },
    ]);
    const b = await wire('    workers: 1', '[cloudflare]', '[otlp]');
    expect(b.info).toEqual([]);
  });

  it('says why a pipeline the workers cannot reproduce reads on the main thread', async () => {
    const cases: [string, string, RegExp][] = [
      ['[cloudflare]', '[otlp, debug]', /exporter debug needs records/],
      ['[cloudflare, batch]', '[otlp]', /processors other than one cloudflare processor/],
      ['[cloudflare]', '[otlp, otlp/json]', /encode differently/],
    ];
    for (const [processors, exporters, reason] of cases) {
      const { info } = await wire('    workers: 2', processors, exporters);
      expect(info).toHaveLength(1);
      expect(info[0]?.message).toBe('the receiver reads on the main thread');
      expect(String(info[0]?.fields.reason)).toMatch(reason);
    }
  });
});
