import { describe, it, expect } from 'vitest';
import { ConfigReader } from '@logpush-otel/pipeline';

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
