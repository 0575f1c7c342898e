// The direct path (createDirectEncoder: records mapped straight into the request) against the reference path
// (createMapper, then encodeLogsProto / encodeLogsJson): byte for byte, on the fixtures of every dataset, on the
// generator's records and on random records of every dataset, with every profile and body mode, budgets,
// cookies, processor attributes, missing timestamps and several resources per request.
import type { LogEntry } from '@logpush-otel/pipeline';
import { generateRecords, seedDatasets, timestampFormats } from '@logpush-otel/testdata/generator';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import {
  BODY_MODES,
  PROFILES,
  createDirectEncoder,
  createMapper,
  defaultScope,
  encodeLogsJson,
  encodeLogsProto,
} from '../src/index.ts';
import type { DirectFormat, MappingOptions } from '../src/index.ts';
import {
  FIXTURE_DATASETS,
  entryOf,
  fixtureEntries,
  parseExact,
  toReadableLogRecords,
  withoutIntegralDoubles,
} from './helpers.ts';
import { Random, randomEntry } from './random-records.ts';

/** Every profile with every body mode, each in three variants (defaults; small budget, cookies, uid; extras). */
const CONFIGS: MappingOptions[] = PROFILES.flatMap((profile) =>
  BODY_MODES.flatMap((body): MappingOptions[] => [
    { profile, body },
    { profile, body, attributeLimit: 10, cookies: true, recordUid: true },
    {
      profile,
      body,
      objectKeyLimit: 3,
      serviceName: 'edge',
      resourceAttributes: { 'deployment.environment.name': 'test', 'host.name': 'h1' },
    },
  ]),
);

const FORMATS: readonly DirectFormat[] = ['otlp-proto', 'otlp-json'];

function shuffle<T>(items: T[], r: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Asserts both paths write the same request for every batch of `size` entries (batch by batch, the direct path
 * first: the mapping learns as it goes, unknown fields for example, so both see the same history; and the
 * reference sets entry.log, which the direct path must not need). On a difference, names the batch and shows
 * the JSON around it.
 */
function expectSameRequests(entries: readonly LogEntry[], mapping: MappingOptions, size: number): void {
  for (const format of FORMATS) {
    const encoder = createDirectEncoder(mapping, { format });
    const map = createMapper(mapping);
    for (let i = 0; i < entries.length; i += size) {
      const batch = entries.slice(i, i + size);
      for (const e of batch) encoder.add(e);
      expect(encoder.count).toBe(batch.length);
      const a = Buffer.from(encoder.finish());
      const mapped = batch.map((e) => map(e));
      const b = Buffer.from(format === 'otlp-proto' ? encodeLogsProto(mapped) : encodeLogsJson(mapped));
      if (Buffer.compare(a, b) === 0) continue;
      let at = 0;
      while (at < a.length && a[at] === b[at]) at++;
      const context =
        format === 'otlp-json'
          ? `direct …${a.toString('utf8', Math.max(0, at - 80), at + 80)}… reference …${b.toString('utf8', Math.max(0, at - 80), at + 80)}…`
          : `first difference at byte ${at} of ${b.length}`;
      expect.fail(`${format}, ${JSON.stringify(mapping)}, batch at ${i}: ${context}`);
    }
  }
}

function allFixtures(): LogEntry[] {
  return FIXTURE_DATASETS.flatMap((d) => fixtureEntries(d));
}

describe('createDirectEncoder', () => {
  it('writes the requests of the reference path for the fixtures of every dataset, in every configuration', () => {
    const r = new Random(1);
    for (const mapping of CONFIGS) {
      // shuffled: records of several datasets and zones alternate, so requests hold several resources
      expectSameRequests(shuffle(allFixtures(), r), mapping, 37);
      // one dataset per request
      expectSameRequests(allFixtures(), mapping, 1000);
    }
  }, 120_000);

  it('writes the requests of the reference path for generated records of the seed datasets', () => {
    for (const dataset of seedDatasets) {
      // each timestamp format with a quarter of the configurations: all of them per dataset
      timestampFormats.forEach((timestampFormat, n) => {
        const lines = [...generateRecords({ dataset, count: 120, seed: 7, timestampFormat })];
        const entries = lines.map((l, i) => entryOf(dataset, parseExact(l), l, i + 1));
        for (const mapping of CONFIGS.filter((_, i) => i % timestampFormats.length === n))
          expectSameRequests(entries, mapping, 64);
      });
    }
  }, 120_000);

  it('writes the requests of the reference path for random records of every dataset', () => {
    // three seeds, each with a third of the configurations
    for (let seed = 0; seed < 3; seed++) {
      const r = new Random(seed + 1);
      const entries = shuffle(
        FIXTURE_DATASETS.flatMap((d) => Array.from({ length: 6 }, (_, i) => randomEntry(r, d, i + 1))),
        r,
      );
      for (const mapping of CONFIGS.filter((_, i) => i % 3 === seed))
        expectSameRequests(entries, mapping, 1 + r.int(200));
    }
  }, 120_000);

  it('agrees with the reference on random configurations and batch sizes (property)', () => {
    const r = new Random(42);
    for (let run = 0; run < 40; run++) {
      const mapping: MappingOptions = {
        profile: r.pick(PROFILES),
        body: r.pick(BODY_MODES),
        attributeLimit: r.int(130),
        objectKeyLimit: r.int(40),
        cookies: r.chance(0.5),
        recordUid: r.chance(0.5),
      };
      const entries = Array.from({ length: 60 }, (_, i) => randomEntry(r, r.pick(FIXTURE_DATASETS), i + 1));
      expectSameRequests(entries, mapping, 1 + r.int(70));
    }
  }, 120_000);

  it('counts the attributes over the budget as the reference does', () => {
    const entries = fixtureEntries('http_requests');
    expectSameRequests(entries, { attributeLimit: 5 }, 100);
    const map = createMapper({ attributeLimit: 5 });
    const mapped = fixtureEntries('http_requests').map((e) => map(e));
    expect(mapped.every((e) => Object.keys(e.log.attributes).length <= 5)).toBe(true);
    expect(mapped.some((e) => e.log.droppedAttributesCount > 0)).toBe(true);
  });

  it('writes records without an event time as the reference does (time 0, cloudflare.time_missing)', () => {
    const entry = (): LogEntry => entryOf('http_requests', { RayID: 'r1', ClientRequestHost: 'example.com' });
    expectSameRequests([entry(), entry()], {}, 10);
    const encoder = createDirectEncoder({}, { format: 'otlp-json' });
    encoder.add(entry());
    const json = Buffer.from(encoder.finish()).toString('utf8');
    expect(json).not.toContain('"timeUnixNano"');
    expect(json).toContain('{"key":"cloudflare.time_missing","value":{"boolValue":true}}');
  });

  it('keeps cookies out of every profile and body mode unless cookies: true', () => {
    const record = {
      EdgeStartTimestamp: 1700000000123456789n,
      RayID: 'r1',
      ClientRequestHost: 'example.com',
      Cookies: { session: 'cookie-secret-1' },
      RequestHeaders: { cookie: 'session=cookie-secret-2', 'x-id': 'visible' },
    };
    for (const profile of PROFILES) {
      for (const body of BODY_MODES) {
        for (const format of FORMATS) {
          const text = (cookies: boolean): string => {
            const encoder = createDirectEncoder({ profile, body, cookies }, { format });
            encoder.add(entryOf('http_requests', structuredClone(record)));
            return Buffer.from(encoder.finish()).toString('latin1');
          };
          const without = text(false);
          expect(without, `${profile} ${body} ${format}`).not.toMatch(/cookie-secret/);
          expect(without).toContain('visible');
          if (body !== 'original') expect(text(true), `${profile} ${body}`).toContain('cookie-secret-1');
        }
      }
    }
  });

  it('writes array-index keys first, in ascending order, as a JavaScript object lists them', () => {
    const entry = (): LogEntry => {
      const e = entryOf('http_requests', { EdgeStartTimestamp: 1700000000123456789n, '7': 'raw field' });
      e.attributes = { 'geo.city': 'Paris', '10': 'ten', '2': 'two', '4294967295': 'not an index' };
      return e;
    };
    for (const profile of PROFILES) expectSameRequests([entry(), entry()], { profile }, 10);
    const encoder = createDirectEncoder({ profile: 'datadog-raw' }, { format: 'otlp-json' });
    encoder.add(entry());
    const keys = [
      ...Buffer.from(encoder.finish())
        .toString('utf8')
        .matchAll(/\{"key":"([^"]*)"/g),
    ]
      .map((m) => m[1])
      .filter((k) => k !== undefined && /^\d+$/.test(k));
    expect(keys.slice(-4)).toEqual(['2', '7', '10', '4294967295']);
  });

  it('keeps one key under one id when a processor key later becomes a key of the tables', () => {
    const key = 'cloudflare.http_requests.brand_new_direct_field';
    const first = (): LogEntry => {
      const e = entryOf('http_requests', { EdgeStartTimestamp: 1700000000123456789n });
      e.attributes = { [key]: 'from a processor' };
      return e;
    };
    const second = (): LogEntry => {
      const e = entryOf('http_requests', {
        EdgeStartTimestamp: 1700000000123456789n,
        BrandNewDirectField: 'from the record',
      });
      e.attributes = { [key]: 'from a processor' };
      return e;
    };
    expectSameRequests([first(), second(), first(), second()], {}, 1);
    // the second record's request names the key once (the record's field, the processor's value dropped)
    const encoder = createDirectEncoder({}, { format: 'otlp-json' });
    encoder.add(first());
    encoder.finish();
    encoder.add(second());
    const json = Buffer.from(encoder.finish()).toString('utf8');
    expect(json.split(`{"key":"${key}"`)).toHaveLength(2);
    expect(json).toContain('from the record');
  });

  it('stays exact across the forgetting of dynamic key ids', () => {
    // 40,000 distinct processor keys: more than the builder keeps, so dynamic ids are forgotten and reused
    const r = new Random(9);
    const entries = Array.from({ length: 1000 }, (_, i) => {
      const e = randomEntry(r, 'http_requests', i + 1);
      for (let k = 0; k < 40; k++) e.attributes[`custom.attribute_${i}_${k}`] = k;
      return e;
    });
    expectSameRequests(entries, { attributeLimit: 200 }, 250);
  }, 120_000);

  it('writes requests the official serializer writes for the same records (reference and direct alike)', () => {
    const lines = [...generateRecords({ dataset: 'http_requests', count: 200, seed: 3 })];
    const entries = withoutIntegralDoubles(
      lines.map((l, i) => createMapper()(entryOf('http_requests', parseExact(l), l, i + 1))),
    );
    const official = ProtobufLogsSerializer.serializeRequest(toReadableLogRecords(entries, defaultScope));
    expect(Buffer.from(encodeLogsProto(entries)).equals(Buffer.from(official ?? new Uint8Array()))).toBe(
      true,
    );
  });

  it('adds nothing for a record the mapping refuses, and goes on with the next ones', () => {
    const good = (): LogEntry[] => fixtureEntries('http_requests').slice(0, 2);
    for (const format of FORMATS) {
      const encoder = createDirectEncoder({}, { format });
      const [a, b] = good();
      encoder.add(a as LogEntry);
      // not a record at all: the mapping throws (the sidecar dead-letters such an entry)
      const broken = {
        ...(b as LogEntry),
        dataset: 'firewall_events',
        record: undefined,
      } as unknown as LogEntry;
      expect(() => encoder.add(broken)).toThrow(TypeError);
      encoder.add(b as LogEntry);
      expect(encoder.count).toBe(2);
      const map = createMapper();
      const mapped = good().map((e) => map(e));
      const reference = format === 'otlp-proto' ? encodeLogsProto(mapped) : encodeLogsJson(mapped);
      expect(Buffer.compare(Buffer.from(encoder.finish()), Buffer.from(reference))).toBe(0);
    }
  });

  it('hands out an empty request when nothing was added, and starts anew after finish()', () => {
    const encoder = createDirectEncoder();
    expect(Buffer.from(encoder.finish()).equals(Buffer.from(encodeLogsProto([])))).toBe(true);
    encoder.add(fixtureEntries('http_requests')[0] as LogEntry);
    expect(encoder.count).toBe(1);
    encoder.finish();
    expect(encoder.count).toBe(0);
    expect(() => createDirectEncoder({}, { format: 'xml' as DirectFormat })).toThrow(/format must be/);
    expect(() => createDirectEncoder({ profile: 'nope' as 'loki' })).toThrow(/profile must be/);
  });
});
