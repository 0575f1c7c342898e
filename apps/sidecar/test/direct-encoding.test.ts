// The worker task maps records straight into request bodies (createDirectEncoder). These tests hold it to the
// reference path the main thread takes (the cloudflare processor's createMapper, then the otlp exporter's
// encoder): the same bytes for the same file, batch by batch, in every body encoding; and the direct encoder
// keeps to what the privacy processor left of a record.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PrivacyRules, privacyPreset } from '@logpush-otel/enrichment';
import { createDirectEncoder, createMapper, encodeLogsJson, encodeLogsProto } from '@logpush-otel/otlp';
import type { MappingOptions } from '@logpush-otel/otlp';
import type { LogEntry, MappedEntry } from '@logpush-otel/pipeline';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { logEntryOf } from '../src/log-entry.ts';
import { readFilePass } from '../src/receivers/logpush-file/file-pass.ts';
import type { PassOptions } from '../src/receivers/logpush-file/file-pass.ts';
import type { BodyEncoding } from '../src/workers/encoded.ts';
import { filePassTask } from '../src/workers/file-pass-task.ts';
import type { FilePassChunk, FilePassTask } from '../src/workers/file-pass-task.ts';

let work = '';
let path = '';
let lines: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'logpush-otel-direct-'));
  const paths = await writeLogpushDirectory(join(work, 'in'), {
    dataset: 'http_requests',
    count: 500,
    seed: 11,
    files: 1,
    gzip: true,
    timestampFormat: 'rfc3339',
  });
  path = paths[0] ?? '';
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

const PASS: PassOptions = {
  format: 'auto',
  dataset: 'auto',
  fieldNames: [],
  maxLineBytes: 1 << 20,
  batchSize: 128,
  flushTail: true,
};
const FILE_ATTRIBUTES = { 'log.file.name': 'records.log.gz', 'log.file.path': '/in/records.log.gz' };

/** The bodies of the reference path: the same batches mapped with createMapper and encoded as the exporter does. */
async function referenceBodies(mapping: MappingOptions, encoding: BodyEncoding): Promise<Buffer[]> {
  const info = await stat(path);
  const pass = readFilePass({ path, dev: info.dev, ino: info.ino }, { offset: 0, line: 0 }, PASS);
  const map = createMapper(mapping);
  const bodies: Buffer[] = [];
  lines = [];
  for (let step = await pass.next(); step.done !== true; step = await pass.next()) {
    const observed = BigInt(Date.now()) * 1_000_000n;
    const mapped: MappedEntry[] = step.value.records.map((r) => {
      lines.push(r.raw);
      return map(logEntryOf(r, path, observed, step.value.base, { ...FILE_ATTRIBUTES }));
    });
    if (mapped.length === 0) continue;
    bodies.push(
      Buffer.from(
        encoding.protocol === 'http/json'
          ? new TextEncoder().encode(encodeLogsJson(mapped))
          : encodeLogsProto(mapped),
      ),
    );
  }
  return bodies;
}

async function workerBodies(mapping: MappingOptions, encoding: BodyEncoding): Promise<Buffer[]> {
  const info = await stat(path);
  const task: FilePassTask = {
    file: { path, dev: info.dev, ino: info.ino },
    start: { offset: 0, line: 0 },
    pass: PASS,
    fileAttributes: FILE_ATTRIBUTES,
    mapping,
    receiverComponent: 'receivers/logpush_file',
    mapComponent: 'processors/cloudflare',
    encoding,
  };
  const bodies: Buffer[] = [];
  const end = await filePassTask(task, (chunk) => {
    const c = chunk as FilePassChunk;
    expect(c.unmappable).toEqual([]);
    if (c.wire !== undefined) {
      const body = encoding.compression === 'gzip' ? gunzipSync(c.wire) : Buffer.from(c.wire);
      expect(body.length).toBe(c.encodedBytes);
      bodies.push(body);
    }
    return Promise.resolve();
  });
  expect((end as { kind: string }).kind).toBe('read');
  return bodies;
}

const ENCODINGS: BodyEncoding[] = [
  { protocol: 'http/protobuf', compression: 'gzip', compressionLevel: 1 },
  { protocol: 'http/json', compression: 'none', compressionLevel: 0 },
];
const MAPPINGS: MappingOptions[] = [
  {},
  { profile: 'loki', body: 'original', recordUid: true },
  { profile: 'datadog-raw', body: 'map' },
  { profile: 'datadog', attributeLimit: 12, cookies: true },
];

describe('the file-pass worker task (direct encoding)', { timeout: 60_000 }, () => {
  for (const encoding of ENCODINGS) {
    it(`writes the bodies of the reference path, batch by batch (${encoding.protocol})`, async () => {
      // one observed time for both paths (the task reads the clock per batch)
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2024-05-01T00:00:00.123Z'));
      for (const mapping of MAPPINGS) {
        const direct = await workerBodies(mapping, encoding);
        const reference = await referenceBodies(mapping, encoding);
        expect(lines).toHaveLength(500);
        expect(reference.length).toBeGreaterThan(1);
        expect(direct.length).toBe(reference.length);
        direct.forEach((body, i) => {
          expect(
            Buffer.compare(body, reference[i] ?? Buffer.alloc(0)),
            `${JSON.stringify(mapping)} #${i}`,
          ).toBe(0);
        });
      }
    });
  }
});

describe('the direct encoder after the privacy processor', () => {
  it('writes what the reference writes for scrubbed records, and no scrubbed value', async () => {
    // strict: addresses truncated, every query value redacted, personal fields dropped, raw rewritten
    const rules = new PrivacyRules(privacyPreset('strict'));
    const entriesOf = async (): Promise<LogEntry[]> => {
      const info = await stat(path);
      const pass = readFilePass({ path, dev: info.dev, ino: info.ino }, { offset: 0, line: 0 }, PASS);
      const out: LogEntry[] = [];
      for (let step = await pass.next(); step.done !== true; step = await pass.next()) {
        for (const r of step.value.records) {
          const entry = logEntryOf(r, path, 1_700_000_000_000_000_000n, step.value.base, {});
          rules.apply(entry);
          out.push(entry);
        }
      }
      return out;
    };
    for (const body of ['summary', 'original', 'map'] as const) {
      const encoder = createDirectEncoder({ body }, { format: 'otlp-json' });
      for (const e of await entriesOf()) encoder.add(e);
      const direct = Buffer.from(encoder.finish()).toString('utf8');
      const map = createMapper({ body });
      const reference = encodeLogsJson((await entriesOf()).map((e) => map(e)));
      expect(direct).toBe(reference);
      expect(direct).toContain('REDACTED');
      // truncation leaves no full client address of the generated records
      const addresses = [...reference.matchAll(/"client\.address","value":\{"stringValue":"([^"]+)"/g)];
      expect(addresses.length).toBeGreaterThan(0);
      for (const [, address] of addresses) expect(address).toMatch(/\.0$|::$|:0$/);
    }
  });
});
