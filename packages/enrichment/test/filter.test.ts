import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { PermanentError, isPermanentError } from '@logpush-otel/pipeline';
import type { FilterConfig } from '../src/filter.ts';
import { describe, expect, it } from 'vitest';
import { filterKeeps, filterProcessorFactory } from '../src/filter.ts';
import { entryOf, httpRecord } from './support/entries.ts';

function config(raw: unknown): FilterConfig {
  const r = filterProcessorFactory.validate(raw, 'processors.filter');
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

const ok = entryOf(
  'http_requests',
  httpRecord({ EdgeResponseStatus: 200, ClientRequestPath: '/healthz' }),
  1,
);
const notFound = entryOf('http_requests', httpRecord({ EdgeResponseStatus: 404 }), 2);
const failed = entryOf('http_requests', httpRecord({ EdgeResponseStatus: 503 }), 3);
const firewall = entryOf(
  'firewall_events',
  { Action: 'block', ClientIP: '203.0.113.1', RayID: '8f1c2d3e4a5b6c7d' },
  4,
);

describe('filterKeeps', () => {
  it('keeps only what include matches: numeric comparison on a field', () => {
    const c = config({ include: { conditions: [{ field: 'EdgeResponseStatus', gte: 400 }] } });
    expect([ok, notFound, failed, firewall].map((e) => filterKeeps(e, c))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('drops what exclude matches: regex on a field', () => {
    const c = config({ exclude: { conditions: [{ field: 'ClientRequestPath', regex: '^/health' }] } });
    expect([ok, notFound].map((e) => filterKeeps(e, c))).toEqual([false, true]);
  });

  it('restricts a block to datasets, and combines conditions with any', () => {
    const c = config({
      include: {
        datasets: ['http_requests'],
        match: 'any',
        conditions: [
          { field: 'EdgeResponseStatus', equals: 503 },
          { field: 'EdgeResponseStatus', in: [404, 410] },
        ],
      },
    });
    expect([ok, notFound, failed, firewall].map((e) => filterKeeps(e, c))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('tests existence, string equality, lt/lte/gt and not_equals', () => {
    const keep = (cond: unknown, e = notFound): boolean =>
      filterKeeps(e, config({ include: { conditions: [cond] } }));
    expect(keep({ field: 'Action', exists: true }, firewall)).toBe(true);
    expect(keep({ field: 'Action', exists: false })).toBe(true);
    expect(keep({ field: 'Action', equals: 'block' }, firewall)).toBe(true);
    expect(keep({ field: 'Action', not_equals: 'block' }, firewall)).toBe(false);
    expect(keep({ field: 'EdgeResponseStatus', lt: 404 })).toBe(false);
    expect(keep({ field: 'EdgeResponseStatus', lte: 404 })).toBe(true);
    expect(keep({ field: 'EdgeResponseStatus', gt: 404 })).toBe(false);
    expect(keep({ field: 'EdgeResponseStatus', equals: '404' })).toBe(true);
  });

  it('can test attributes added by earlier processors', () => {
    const e = entryOf('http_requests', httpRecord());
    e.attributes['cloudflare.bot.band'] = 'likely_automated';
    expect(
      filterKeeps(
        e,
        config({
          exclude: { conditions: [{ field: 'attributes.cloudflare.bot.band', equals: 'likely_automated' }] },
        }),
      ),
    ).toBe(false);
  });
});

describe('filter config validation', () => {
  it('names every problem with its path', () => {
    const r = filterProcessorFactory.validate(
      {
        include: {
          match: 'most',
          conditions: [
            { field: 'A', regex: '(' },
            { field: 'B' },
            { field: 'C', gt: 'x' },
            { equals: 1 },
            { field: 'D', in: [] },
          ],
        },
        exclude: {},
        extra: true,
      },
      'processors.filter',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toEqual([
      'processors.filter.extra',
      'processors.filter.include.match',
      'processors.filter.include.conditions[0].regex',
      'processors.filter.include.conditions[1]',
      'processors.filter.include.conditions[2].gt',
      'processors.filter.include.conditions[3].field',
      'processors.filter.include.conditions[4].in',
      'processors.filter.exclude',
    ]);
    expect(r.issues[3]?.message).toMatch(/exactly one operator/);
  });

  it('refuses a filter without include or exclude', () => {
    expect(filterProcessorFactory.validate({}, 'processors.filter')).toEqual({
      ok: false,
      issues: [{ path: 'processors.filter', message: 'expected include, exclude or both' }],
    });
  });
});

describe('filter processor', () => {
  it('hands on only kept entries, counts the dropped ones, and resolves: drops are acknowledged', async () => {
    const host = createTestHost('filter');
    const next = new CollectingConsumer();
    const p = filterProcessorFactory.create(
      host,
      config({ include: { conditions: [{ field: 'EdgeResponseStatus', gte: 400 }] } }),
      next,
    );
    await p.start(host);
    await expect(p.consume({ entries: [ok, notFound, failed, firewall] })).resolves.toBeUndefined();
    expect(next.entries.map((e) => e.position.line)).toEqual([2, 3]);
    expect(host.metricValue('logpush_otel_processor_dropped_records_total', { processor: 'filter' })).toBe(2);
    await p.shutdown();
  });

  it('resolves without calling the next consumer when every entry is dropped', async () => {
    const host = createTestHost('filter');
    const next = new CollectingConsumer();
    const p = filterProcessorFactory.create(host, config({ include: { datasets: ['dns_logs'] } }), next);
    await p.consume({ entries: [ok, notFound] });
    expect(next.batches).toHaveLength(0);
  });

  it('translates entry indices of a PermanentError from the next consumer back to the incoming batch', async () => {
    const host = createTestHost('filter');
    const next = new CollectingConsumer();
    next.respond = () => Promise.reject(new PermanentError('backend rejected one record', { entries: [1] }));
    const p = filterProcessorFactory.create(
      host,
      config({ include: { conditions: [{ field: 'EdgeResponseStatus', gte: 400 }] } }),
      next,
    );
    const error: unknown = await p.consume({ entries: [ok, notFound, failed] }).catch((e: unknown) => e);
    expect(isPermanentError(error)).toBe(true);
    expect((error as PermanentError).entries).toEqual([2]);
  });

  it('passes a transient rejection of the next consumer through unchanged', async () => {
    const host = createTestHost('filter');
    const next = new CollectingConsumer();
    next.respond = () => Promise.reject(new Error('503 from backend'));
    const p = filterProcessorFactory.create(host, config({ exclude: { datasets: ['dns_logs'] } }), next);
    await expect(p.consume({ entries: [ok] })).rejects.toThrow('503 from backend');
  });
});

runLifecycleSuite('filter processor', (host) =>
  filterProcessorFactory.create(
    host,
    config({ exclude: { datasets: ['dns_logs'] } }),
    new CollectingConsumer(),
  ),
);
