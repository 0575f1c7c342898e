import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { detectDataset, toUnixNano } from '@logpush-otel/schema';
import {
  generateRecords,
  seedDatasets,
  timestampFormats,
  writeLogpushDirectory,
  type GenerateOptions,
} from '../src/generator.ts';

const lines = (options: GenerateOptions): string[] => [...generateRecords(options)];
const parse = (line: string): Record<string, unknown> => JSON.parse(line) as Record<string, unknown>;
/** The raw JSON text of a top-level field (numbers and strings), read without JSON.parse rounding. */
function rawField(line: string, field: string): string | undefined {
  const m = new RegExp(`"${field}":("[^"]*"|-?\\d+)`).exec(line);
  return m?.[1];
}

describe('generateRecords', () => {
  it('gives the same bytes for the same seed and different bytes for another seed', () => {
    for (const dataset of seedDatasets) {
      for (const timestampFormat of timestampFormats) {
        const a = lines({ dataset, count: 200, seed: 42, timestampFormat });
        const b = lines({ dataset, count: 200, seed: 42, timestampFormat });
        expect(a.join('\n')).toBe(b.join('\n'));
      }
      expect(lines({ dataset, count: 50, seed: 1 })).not.toEqual(lines({ dataset, count: 50, seed: 2 }));
    }
  });

  it('yields exactly count lines, none for count 0', () => {
    for (const dataset of seedDatasets) {
      expect(lines({ dataset, count: 0 })).toHaveLength(0);
      expect(lines({ dataset, count: 1 })).toHaveLength(1);
      expect(lines({ dataset, count: 777 })).toHaveLength(777);
    }
  });

  it('writes lines that parse as JSON objects and detect as their dataset, in every timestamp format', () => {
    for (const dataset of seedDatasets) {
      for (const timestampFormat of timestampFormats) {
        for (const line of generateRecords({ dataset, count: 300, seed: 3, timestampFormat })) {
          expect(line.includes('\n')).toBe(false);
          const record = parse(line);
          expect(detectDataset(Object.keys(record)), `${dataset} ${timestampFormat}`).toBe(dataset);
        }
      }
    }
  });

  it('writes unixnano timestamps as exact 19-digit integers', () => {
    const fields = {
      http_requests: 'EdgeStartTimestamp',
      firewall_events: 'Datetime',
      spectrum_events: 'Timestamp',
    };
    for (const dataset of seedDatasets) {
      let inexact = 0;
      for (const line of generateRecords({ dataset, count: 500, seed: 9 })) {
        const raw = rawField(line, fields[dataset]);
        expect(raw).toMatch(/^\d{19}$/);
        // JSON.parse would round most of these: the generator must not have gone through a number.
        if (String(parse(line)[fields[dataset]]) !== raw) inexact++;
      }
      expect(inexact).toBeGreaterThan(400);
    }
  });

  it('writes the same instants in every timestamp format', () => {
    const base = lines({ dataset: 'http_requests', count: 200, seed: 5 });
    const ns = lines({ dataset: 'http_requests', count: 200, seed: 5, timestampFormat: 'rfc3339ns' });
    const s = lines({ dataset: 'http_requests', count: 200, seed: 5, timestampFormat: 'rfc3339' });
    const unix = lines({ dataset: 'http_requests', count: 200, seed: 5, timestampFormat: 'unix' });
    for (let i = 0; i < base.length; i++) {
      for (const field of ['EdgeStartTimestamp', 'EdgeEndTimestamp']) {
        const exact = BigInt(rawField(base[i] ?? '', field) ?? '');
        const fromNs = toUnixNano(parse(ns[i] ?? '')[field]);
        expect(fromNs).toBe(exact);
        expect(String(parse(ns[i] ?? '')[field])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
        const seconds = (exact / 1_000_000_000n) * 1_000_000_000n;
        expect(toUnixNano(parse(s[i] ?? '')[field])).toBe(seconds);
        expect(toUnixNano(parse(unix[i] ?? '')[field])).toBe(seconds);
      }
    }
  });

  it('starts at startUnixNano and moves forward about 1 ms per request', () => {
    const start = 1_750_000_000_987_654_321n;
    const out = lines({ dataset: 'http_requests', count: 1000, seed: 1, startUnixNano: start });
    const times = out.map((l) => BigInt(rawField(l, 'EdgeStartTimestamp') ?? ''));
    expect(times[0]).toBeGreaterThanOrEqual(start);
    expect((times[999] ?? 0n) - start).toBeGreaterThan(900_000_000n);
    expect((times[999] ?? 0n) - start).toBeLessThan(1_100_000_000n);
    for (const l of out) {
      const end = BigInt(rawField(l, 'EdgeEndTimestamp') ?? '');
      expect(end).toBeGreaterThan(BigInt(rawField(l, 'EdgeStartTimestamp') ?? ''));
    }
  });

  it('makes http_requests lines of about 1.4 KB with realistic variety', () => {
    const out = lines({ dataset: 'http_requests', count: 5000, seed: 11 });
    const avg = out.reduce((n, l) => n + Buffer.byteLength(l), 0) / out.length;
    expect(avg).toBeGreaterThan(1300);
    expect(avg).toBeLessThan(1500);
    const records = out.map(parse);
    const statuses = new Set(records.map((r) => r['EdgeResponseStatus'] as number));
    for (const s of [200, 304, 403, 404, 500, 502, 503]) expect(statuses.has(s), `status ${s}`).toBe(true);
    const share5xx =
      records.filter((r) => (r['EdgeResponseStatus'] as number) >= 500).length / records.length;
    expect(share5xx).toBeGreaterThan(0.005);
    expect(share5xx).toBeLessThan(0.05);
    const ips = records.map((r) => String(r['ClientIP']));
    expect(ips.some((ip) => ip.includes(':'))).toBe(true);
    expect(ips.some((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(new Set(records.map((r) => r['EdgeColoCode'])).size).toBeGreaterThan(10);
    expect(new Set(records.map((r) => r['ClientRequestUserAgent'])).size).toBeGreaterThanOrEqual(12);
    expect(new Set(records.map((r) => r['CacheCacheStatus']))).toEqual(
      new Set(['hit', 'miss', 'expired', 'revalidated', 'updating', 'stale', 'dynamic', 'bypass', 'unknown']),
    );
    for (const r of records) expect(String(r['RayID'])).toMatch(/^[0-9a-f]{16}$/);
    expect(records.some((r) => (r['SecurityRuleIDs'] as unknown[]).length > 0)).toBe(true);
    expect(records.some((r) => Object.keys(r['RequestHeaders'] as object).length > 0)).toBe(true);
    expect(records.some((r) => Object.keys(r['Cookies'] as object).length > 0)).toBe(true);
    expect(records.some((r) => r['ClientRequestURI'] !== r['ClientRequestPath'])).toBe(true);
    const legacy = records.filter((r) => 'FirewallMatchesActions' in r && 'ZoneID' in r).length;
    expect(legacy).toBeGreaterThan(50);
    expect(legacy).toBeLessThan(400);
    const expires = records.map((r) => String(r['OriginResponseHTTPExpires'])).filter((v) => v !== '');
    expect(expires.length).toBeGreaterThan(50);
    for (const v of expires) expect(toUnixNano(v)).toBeGreaterThan(1_704_067_200_000_000_000n);
  });

  it('gives each firewall event the RayID, client and path of an http request of the same seed', () => {
    const requests = new Map(
      lines({ dataset: 'http_requests', count: 4000, seed: 21 }).map((l) => {
        const r = parse(l);
        return [String(r['RayID']), r];
      }),
    );
    const events = lines({ dataset: 'firewall_events', count: 100, seed: 21 }).map(parse);
    for (const e of events) {
      const request = requests.get(String(e['RayID']));
      expect(request, String(e['RayID'])).toBeDefined();
      expect(e['ClientIP']).toBe(request?.['ClientIP']);
      expect(e['ClientRequestPath']).toBe(request?.['ClientRequestPath']);
      expect(e['ClientRequestHost']).toBe(request?.['ClientRequestHost']);
      const actions = (request?.['SecurityActions'] as string[]).map((a) => a.toLowerCase());
      expect(actions).toContain(e['Action']);
      expect(request?.['SecurityRuleIDs']).toContain(e['RuleID']);
      expect((request?.['SecuritySources'] as string[]).map((a) => a.toLowerCase())).toContain(e['Source']);
      const datetime = BigInt(rawField(JSON.stringify(e), 'Datetime') ?? '0');
      expect(datetime).toBeGreaterThan(0n);
    }
    expect(new Set(events.map((e) => e['Action'])).size).toBeGreaterThan(2);
    expect(new Set(events.map((e) => e['Source'])).size).toBeGreaterThan(2);
  });

  it('writes spectrum events with connect and disconnect times', () => {
    const records = lines({ dataset: 'spectrum_events', count: 500, seed: 4 }).map(parse);
    const events = new Set(records.map((r) => r['Event']));
    expect(events.has('connect')).toBe(true);
    expect(events.has('disconnect')).toBe(true);
    for (const r of records.filter((x) => x['Event'] === 'disconnect')) {
      expect(r['DisconnectTimestamp']).toBe(r['Timestamp']);
    }
    const raw = lines({ dataset: 'spectrum_events', count: 500, seed: 4 });
    for (const l of raw) {
      const connect = rawField(l, 'ConnectTimestamp') ?? '';
      const ts = rawField(l, 'Timestamp') ?? '';
      if (connect !== '0') expect(BigInt(connect)).toBeLessThanOrEqual(BigInt(ts));
    }
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => lines({ dataset: 'dns_logs' as 'http_requests', count: 1 })).toThrow(TypeError);
    expect(() => lines({ dataset: 'http_requests', count: -1 })).toThrow(/count/);
    expect(() => lines({ dataset: 'http_requests', count: 1, timestampFormat: 'iso' as 'unix' })).toThrow(
      /timestampFormat/,
    );
  });
});

describe('writeLogpushDirectory', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
    dir = '';
  });

  it('lays files out as {YYYYMMDD}/<start>_<end>_<hash>.log.gz holding the generated lines', async () => {
    dir = await mkdtemp(join(tmpdir(), 'logpush-layout-'));
    const options: GenerateOptions = { dataset: 'http_requests', count: 3000, seed: 8 };
    const paths = await writeLogpushDirectory(dir, { ...options, files: 3 });
    expect(paths).toHaveLength(3);
    const names = paths.map((p) => relative(dir, p).split(sep).join('/'));
    for (const n of names)
      expect(n).toMatch(/^20240101\/20240101T\d{6}Z_20240101T\d{6}Z_[0-9a-f]{8}\.log\.gz$/);
    // windows follow each other without overlap
    const windows = names.map((n) => /\/(\w+)_(\w+)_/.exec(n)?.slice(1, 3) ?? []);
    for (let i = 1; i < windows.length; i++) expect(windows[i]?.[0]).toBe(windows[i - 1]?.[1]);
    const text = (
      await Promise.all(paths.map(async (p) => gunzipSync(await readFile(p)).toString('utf8')))
    ).join('');
    expect(text).toBe(lines(options).join('\n') + '\n');
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('writes plain .log files when gzip is false, and dates folders by each file’s start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'logpush-layout-'));
    const startUnixNano = 1_704_153_598_000_000_000n; // 2024-01-01T23:59:58Z
    const paths = await writeLogpushDirectory(dir, {
      dataset: 'spectrum_events',
      count: 4000,
      seed: 2,
      startUnixNano,
      files: 2,
      gzip: false,
    });
    const names = paths.map((p) => relative(dir, p).split(sep).join('/'));
    expect(names[0]).toMatch(/^20240101\/20240101T235958Z_20240102T\d{6}Z_[0-9a-f]{8}\.log$/);
    expect(names[1]).toMatch(/^20240102\/20240102T\d{6}Z_20240102T\d{6}Z_[0-9a-f]{8}\.log$/);
    const text = (await Promise.all(paths.map((p) => readFile(p, 'utf8')))).join('');
    expect(text.split('\n')).toHaveLength(4001);
  });

  it('names files by content hash, so the same options give the same names', async () => {
    dir = await mkdtemp(join(tmpdir(), 'logpush-layout-'));
    const a = await writeLogpushDirectory(join(dir, 'a'), { dataset: 'firewall_events', count: 50, seed: 3 });
    const b = await writeLogpushDirectory(join(dir, 'b'), { dataset: 'firewall_events', count: 50, seed: 3 });
    expect(a.map((p) => relative(join(dir, 'a'), p))).toEqual(b.map((p) => relative(join(dir, 'b'), p)));
  });
});

describe('generate-cli', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
    dir = '';
  });
  const cli = fileURLToPath(new URL('../src/generate-cli.ts', import.meta.url));
  const run = promisify(execFile);
  const node = (args: string[]) =>
    run(process.execPath, ['--disable-warning=ExperimentalWarning', cli, ...args], { maxBuffer: 64 << 20 });

  it('prints usage on --help', async () => {
    const { stdout } = await node(['--help']);
    expect(stdout).toMatch(/^Usage: npm run -s generate -- \[options\]/);
    expect(stdout).toContain('--timestamps');
  });

  it('writes the generator’s lines to stdout', async () => {
    const { stdout } = await node(['--dataset', 'firewall_events', '--count', '25', '--seed', '6']);
    expect(stdout).toBe(lines({ dataset: 'firewall_events', count: 25, seed: 6 }).join('\n') + '\n');
  });

  it('honours --timestamps and --start', async () => {
    const { stdout } = await node([
      '--count',
      '1',
      '--timestamps',
      'rfc3339ns',
      '--start',
      '2025-03-04T05:06:07Z',
    ]);
    expect(String(parse(stdout.trim())['EdgeStartTimestamp'])).toMatch(/^2025-03-04T05:06:07\.\d{9}Z$/);
  });

  it('writes a Logpush directory with --out', async () => {
    dir = await mkdtemp(join(tmpdir(), 'logpush-cli-'));
    await node(['--count', '100', '--out', dir, '--files', '2', '--plain']);
    const day = await readdir(join(dir, '20240101'));
    expect(day).toHaveLength(2);
    for (const n of day) expect(n).toMatch(/\.log$/);
  });

  it('exits 2 with a message on a usage error', async () => {
    await expect(node(['--count', 'many'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--count expects an integer') as unknown,
    });
    await expect(node(['--dataset', 'dns_logs'])).rejects.toMatchObject({ code: 2 });
  });
});
