// The mapping is a fixed stage: raw-record processors run before it, a config listing one after it is refused,
// and no secret of a record (client IP, cookie value, query token) reaches any output under `preset: strict`,
// whatever the order, profile or body mode. Without privacy, no profile emits a cookie value.
import { encodeLogsJson, encodeLogsProto } from '@logpush-otel/otlp';
import { Service, createRegistry } from '@logpush-otel/pipeline';
import type { ExporterFactory, LogBatch, LogEntry, ReceiverFactory } from '@logpush-otel/pipeline';
import { createTestHost } from '@logpush-otel/pipeline/testing';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.ts';
import { sidecarFactories } from '../src/registry.ts';

const CLIENT_IP = '198.51.100.77';
const COOKIE = 'c00kieS3cretValue';
const TOKEN = 'qT0kenS3cret';
const SECRETS = [CLIENT_IP, COOKIE, TOKEN];

function secretEntry(): LogEntry {
  const record = {
    RayID: '8f1c2d3e4a5b6c7d',
    ClientIP: CLIENT_IP,
    ClientRequestHost: 'example.com',
    ClientRequestMethod: 'GET',
    ClientRequestScheme: 'https',
    ClientRequestPath: '/login',
    ClientRequestURI: `/login?token=${TOKEN}&page=2`,
    ClientRequestUserAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    EdgeResponseStatus: 200,
    EdgeStartTimestamp: 1_700_000_000_123_456_789n,
    ZoneName: 'example.com',
    Cookies: { session: COOKIE },
    RequestHeaders: { cookie: `session=${COOKIE}`, 'x-forwarded-for': CLIENT_IP },
  };
  return {
    dataset: 'http_requests',
    record,
    timeUnixNano: 1_700_000_000_123_456_789n,
    observedUnixNano: 1_700_000_001_000_000_000n,
    raw: JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)),
    position: { source: 'secrets.log', line: 1, offset: 0 },
    attributes: {},
  };
}

/** What left the pipeline, as both encoders write it. */
interface Output {
  json: string;
  proto: string;
}

const push: ReceiverFactory<Record<string, never>> = {
  type: 'push',
  kind: 'receiver',
  stability: 'development',
  defaultConfig: () => ({}),
  validate: (config) => ({ ok: true, config: (config ?? {}) as Record<string, never> }),
  create(_settings, _config, next) {
    let sent: Promise<void> = Promise.resolve();
    return {
      start: () => {
        sent = next?.consume({ entries: [secretEntry()] }) ?? Promise.resolve();
        return Promise.resolve();
      },
      shutdown: () => sent.catch(() => undefined),
      drained: () => sent,
    };
  },
};

function captureFactory(outputs: Output[]): ExporterFactory<Record<string, never>> {
  return {
    type: 'capture',
    kind: 'exporter',
    stability: 'development',
    defaultConfig: () => ({}),
    validate: (config) => ({ ok: true, config: (config ?? {}) as Record<string, never> }),
    create: () => ({
      start: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
      consume(batch: LogBatch) {
        outputs.push({
          json: encodeLogsJson(batch.entries),
          proto: Buffer.from(encodeLogsProto(batch.entries)).toString('latin1'),
        });
        return Promise.resolve();
      },
    }),
  };
}

function configText(processors: readonly string[], mapping: Record<string, unknown>): string {
  return [
    'receivers:',
    '  push: {}',
    'processors:',
    '  privacy: { preset: strict }',
    '  indicators: {}',
    '  user_agent: {}',
    '  batch: { timeout: 1ms }',
    `  cloudflare: ${JSON.stringify(mapping)}`,
    'exporters:',
    '  capture: {}',
    'service:',
    '  pipelines:',
    '    logs:',
    '      receivers: [push]',
    `      processors: [${processors.join(', ')}]`,
    '      exporters: [capture]',
    '',
  ].join('\n');
}

async function run(text: string): Promise<Output[]> {
  const outputs: Output[] = [];
  const registry = createRegistry([...sidecarFactories(), push, captureFactory(outputs)]);
  const loaded = parseConfig(text, { registry, env: {} });
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  const service = new Service(loaded.config.graph, createTestHost());
  await service.start();
  await service.drained();
  await service.shutdown();
  return outputs;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const PROFILES = ['default', 'loki', 'datadog', 'datadog-raw'] as const;
const BODIES = ['summary', 'original', 'map'] as const;
const RECORD_PROCESSORS = ['privacy', 'indicators', 'user_agent'];

/** Every order of the record processors and batch, with cloudflare at every position or left to the service. */
const orders: string[][] = [];
for (const p of permutations([...RECORD_PROCESSORS, 'batch'])) {
  orders.push(p);
  for (let at = 0; at <= p.length; at++) orders.push([...p.slice(0, at), 'cloudflare', ...p.slice(at)]);
}
const allowed = orders.filter((o) => {
  const at = o.indexOf('cloudflare');
  return at === -1 || o.slice(at + 1).every((id) => id === 'batch');
});
const refused = orders.filter((o) => !allowed.includes(o));

describe('the mapping stage', () => {
  it('refuses every order with a raw-record processor after cloudflare, naming both', () => {
    expect(refused.length).toBeGreaterThan(0);
    const registry = createRegistry([...sidecarFactories(), push, captureFactory([])]);
    for (const order of refused) {
      const loaded = parseConfig(configText(order, {}), { registry, env: {} });
      expect(loaded.ok, order.join(',')).toBe(false);
      if (loaded.ok) continue;
      const late = order.slice(order.indexOf('cloudflare') + 1).filter((id) => id !== 'batch');
      for (const id of late) {
        const issue = loaded.issues.find((i) => i.message.includes(`"${id}"`));
        expect(issue?.path, `${order.join(',')}: ${id}`).toBe(
          `service.pipelines.logs.processors[${order.indexOf(id)}]`,
        );
        expect(issue?.message).toContain('"cloudflare"');
        expect(issue?.message).toContain('must run before the mapping processor');
      }
    }
  });

  it('puts cloudflare after the raw-record processors when the list leaves it out', () => {
    const registry = createRegistry([...sidecarFactories(), push, captureFactory([])]);
    const loaded = parseConfig(configText(['batch', 'privacy'], {}), { registry, env: {} });
    expect(loaded.ok).toBe(true);
    if (loaded.ok)
      expect(loaded.config.graph.pipelines[0]?.processors).toEqual(['batch', 'privacy', 'cloudflare']);
  });

  it(`lets no secret out under preset: strict (${allowed.length} orders x ${PROFILES.length} profiles x ${BODIES.length} body modes, JSON and protobuf)`, async () => {
    let runs = 0;
    for (const order of allowed)
      for (const profile of PROFILES)
        for (const body of BODIES) {
          const outputs = await run(configText(order, { profile, body }));
          const label = `${order.join(',')} ${profile} ${body}`;
          expect(outputs, label).toHaveLength(1);
          for (const output of outputs)
            for (const secret of SECRETS) {
              expect(output.json.includes(secret), `${label}: ${secret} in JSON`).toBe(false);
              expect(output.proto.includes(secret), `${label}: ${secret} in protobuf`).toBe(false);
            }
          // the record did go through (it is not missing for some other reason)
          expect(outputs[0]?.json).toContain('example.com');
          runs++;
        }
    expect(runs).toBe(allowed.length * PROFILES.length * BODIES.length);
  });

  it('emits no cookie value without privacy, in every profile and body mode, unless cookies: true', async () => {
    for (const profile of PROFILES)
      for (const body of BODIES) {
        const label = `${profile} ${body}`;
        const plain = await run(configText(['batch', 'cloudflare'], { profile, body }));
        expect(plain[0]?.json.includes(COOKIE), `${label}: cookie in JSON`).toBe(false);
        expect(plain[0]?.proto.includes(COOKIE), `${label}: cookie in protobuf`).toBe(false);
        expect(plain[0]?.json, label).toContain(CLIENT_IP);
        const opted = await run(configText(['batch', 'cloudflare'], { profile, body, cookies: true }));
        if (profile !== 'datadog-raw' || body !== 'summary')
          expect(opted[0]?.json.includes(COOKIE), `${label}: cookies: true keeps them`).toBe(true);
      }
  });
});
