import { describe, it, expect } from 'vitest';
import {
  ConfigError,
  ConfigReader,
  formatIssue,
  locateIssues,
  probeConfigSchema,
} from '@logpush-otel/pipeline';
import type { ConfigSource } from '@logpush-otel/pipeline';
import { closestKey } from '../src/config-values.ts';

function read(value: unknown, options?: { minMs?: number; milliseconds?: boolean }) {
  const r = new ConfigReader({ timeout: value }, 'exporters.otlp');
  const ms = r.duration('timeout', 7, options);
  return { ms, result: r.finish({}) };
}

describe('ConfigReader.duration', () => {
  it('reads 1.5m as 90000 milliseconds', () => {
    expect(read('1.5m').ms).toBe(90_000);
  });

  it('rejects a bare number unless milliseconds are allowed, naming the path and the value', () => {
    expect(read(250).result).toEqual({
      ok: false,
      issues: [
        { path: 'exporters.otlp.timeout', message: 'expected a duration such as 200ms, 5s or 1m, got 250' },
      ],
    });
    expect(read(250, { milliseconds: true })).toEqual({ ms: 250, result: { ok: true, config: {} } });
    expect(read('0', { milliseconds: true }).ms).toBe(0);
  });

  it('says milliseconds are accepted when they are, and keeps the fallback on a bad value', () => {
    expect(read(-5, { milliseconds: true })).toEqual({
      ms: 7,
      result: {
        ok: false,
        issues: [
          {
            path: 'exporters.otlp.timeout',
            message: 'expected a duration such as 200ms, 5s or 1m (or milliseconds), got -5',
          },
        ],
      },
    });
  });

  it('applies the minimum to milliseconds given as a number', () => {
    const { result } = read(0, { minMs: 1, milliseconds: true });
    expect(result.ok ? [] : result.issues.map((i) => i.message)).toEqual([
      'expected a duration of at least 1ms, got 0',
    ]);
  });
});

describe('one grammar', () => {
  it('reads 1d, and the same units everywhere', () => {
    expect(read('1d').ms).toBe(86_400_000);
    expect(read('200ms').ms).toBe(200);
    expect(read('1h').ms).toBe(3_600_000);
    expect(read('5 parsecs').result.ok).toBe(false);
  });

  it('reads sizes with decimal and binary units', () => {
    const r = new ConfigReader({ a: '4MiB', b: '1.5KB', c: 100, d: '12 furlongs' }, 's');
    expect([r.byteSize('a', 0), r.byteSize('b', 0), r.byteSize('c', 0), r.byteSize('d', 7)]).toEqual([
      4 * 1024 * 1024,
      1500,
      100,
      7,
    ]);
    expect(r.finish({}).ok).toBe(false);
  });
});

describe('unknown keys', () => {
  it("suggests the close known key: did you mean 'directory'?", () => {
    const r = new ConfigReader({ directroy: '/x' }, 'receivers.logpush_file');
    r.string('directory', '');
    r.string('dataset', 'auto');
    expect(r.finish({})).toEqual({
      ok: false,
      issues: [
        { path: 'receivers.logpush_file.directroy', message: "unknown key; did you mean 'directory'?" },
      ],
    });
  });

  it('lists the known keys when none is close, and checks nested sections too', () => {
    const r = new ConfigReader({ colour: 'blue', retry: { enabeld: true } }, 'exporters.otlp');
    r.string('endpoint', '');
    r.section('retry').boolean('enabled', true);
    expect(r.allIssues().map((i) => `${i.path}: ${i.message}`)).toEqual([
      'exporters.otlp.colour: unknown key (known keys: endpoint, retry)',
      "exporters.otlp.retry.enabeld: unknown key; did you mean 'enabled'?",
    ]);
  });

  it('takes case and dashes as free, and refuses far-fetched suggestions', () => {
    expect(closestKey('Max-Line-Bytes', ['max_line_bytes', 'batch_size'])).toBe('max_line_bytes');
    expect(closestKey('zzz', ['bot_threshold'])).toBeUndefined();
    expect(closestKey('rat', ['rate', 'mode'])).toBe('rate');
  });
});

describe('issue locations', () => {
  const positions = new Map([
    ['receivers', { line: 1, column: 1 }],
    ['receivers.logpush_file', { line: 2, column: 3 }],
    ['receivers.logpush_file.directroy', { line: 3, column: 5 }],
    ['exporters.otlp.endpoint', { line: 7, column: 5 }],
  ]);
  const source: ConfigSource = {
    file: 'config.yaml',
    position: (path) => positions.get(path),
    unsetEnv: (path) => (path === 'exporters.otlp.endpoint' ? ['OTLP_URL'] : []),
  };

  it('puts file:line:column on every issue: its own key, else the nearest ancestor, else just the file', () => {
    const located = locateIssues(
      [
        { path: 'receivers.logpush_file.directroy', message: 'unknown key' },
        { path: 'receivers.logpush_file.directory', message: 'expected a directory, got nothing' },
        { path: 'service.pipelines', message: 'expected a mapping, got nothing' },
        { path: 'OTEL_EXPORTER_OTLP_PROTOCOL', message: 'expected http/protobuf or http/json, got "grpc"' },
      ],
      source,
    );
    expect(located.map(formatIssue)).toEqual([
      'config.yaml:3:5: receivers.logpush_file.directroy: unknown key',
      'config.yaml:2:3: receivers.logpush_file.directory: expected a directory, got nothing',
      'config.yaml: service.pipelines: expected a mapping, got nothing',
      'OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json, got "grpc"',
    ]);
  });

  it('names an unset ${env:NAME} behind the offending value', () => {
    const [issue] = locateIssues(
      [{ path: 'exporters.otlp.endpoint', message: 'expected a URL, got ""' }],
      source,
    );
    expect(issue && formatIssue(issue)).toBe(
      'config.yaml:7:5: exporters.otlp.endpoint: expected a URL, got "" (${env:OTLP_URL} is not set)',
    );
  });

  it('ConfigError lists the located issues one per line', () => {
    const error = new ConfigError(
      locateIssues([{ path: 'receivers.logpush_file.directroy', message: 'x' }], source),
    );
    expect(error.message).toBe('config.yaml:3:5: receivers.logpush_file.directroy: x');
  });
});

describe('the schema from the same calls', () => {
  it('declares every key a validate function reads, conditional ones included', () => {
    const schema = probeConfigSchema((probe) => {
      const r = new ConfigReader(probe, 'processors.x');
      r.duration('timeout', 200);
      r.oneOf('mode', ['hash', 'random'] as const, 'hash');
      if (r.has('include')) r.section('include').stringList('datasets', []);
      r.list('conditions', (c) => c.string('field', ''));
      return r.finish({});
    });
    const properties = (schema?.['properties'] ?? {}) as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties)).toEqual(['timeout', 'mode', 'include', 'conditions']);
    expect(properties['timeout']?.['default']).toBe('200ms');
    expect(schema?.['additionalProperties']).toBe(false);
    expect(properties['conditions']).toMatchObject({
      type: 'array',
      items: { properties: { field: { type: 'string' } } },
    });
  });
});
