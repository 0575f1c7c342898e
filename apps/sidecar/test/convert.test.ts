import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { decodeExportLogsRequest, loadOtlpProtos } from '@logpush-otel/testdata/otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/logpush-otel.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'logpush-otel-convert-'));

interface Result {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function convert(
  args: readonly string[],
  stdin?: string | Uint8Array,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'convert', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.end(stdin ?? '');
  });
}

const HTTP = [
  '{"ClientIP":"203.0.113.7","ClientRequestHost":"example.com","ClientRequestMethod":"GET","ClientRequestPath":"/a","ClientRequestScheme":"https","ClientRequestURI":"/a?b=1","EdgeResponseStatus":200,"EdgeStartTimestamp":1700000000123456789,"RayID":"8f1c2d3e4a5b6c7d","ZoneName":"example.com"}',
  '{"ClientIP":"203.0.113.8","ClientRequestHost":"example.com","ClientRequestMethod":"POST","ClientRequestPath":"/b","ClientRequestScheme":"https","ClientRequestURI":"/b","EdgeResponseStatus":503,"EdgeStartTimestamp":1700000001000000001,"RayID":"8f1c2d3e4a5b6c7e","ZoneName":"example.com"}',
];

interface JsonRequest {
  resourceLogs: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeLogs: {
      logRecords: {
        timeUnixNano: string;
        severityNumber?: number;
        severityText?: string;
        eventName?: string;
        attributes: { key: string; value: Record<string, unknown> }[];
      }[];
    }[];
  }[];
}

function records(stdout: Buffer): JsonRequest['resourceLogs'][number]['scopeLogs'][number]['logRecords'] {
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .flatMap((l) =>
      (JSON.parse(l) as JsonRequest).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)),
    );
}

beforeAll(async () => {
  await loadOtlpProtos();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// Each case spawns the real command (Node type-stripping the sources), so give them time and run them side by side.
describe.concurrent('logpush-otel convert', { timeout: 60_000 }, () => {
  it('converts a gzip NDJSON file to OTLP/JSON lines with exact time, severity and semantic attributes', async () => {
    const file = join(dir, 'http.log.gz');
    writeFileSync(file, gzipSync(HTTP.join('\n') + '\n'));
    const result = await convert([file]);
    expect(result.code).toBe(0);
    const lines = result.stdout.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const recs = records(result.stdout);
    expect(recs.map((r) => [r.timeUnixNano, r.severityNumber, r.severityText, r.eventName])).toEqual([
      ['1700000000123456789', 9, 'INFO', 'cloudflare.http_request'],
      ['1700000001000000001', 17, 'ERROR', 'cloudflare.http_request'],
    ]);
    const first = Object.fromEntries((recs[0]?.attributes ?? []).map((a) => [a.key, a.value]));
    expect(first['http.request.method']).toEqual({ stringValue: 'GET' });
    expect(first['url.full']).toEqual({ stringValue: 'https://example.com/a?b=1' });
    expect(first['http.response.status_code']).toEqual({ intValue: '200' });
    expect(first['cloudflare.ray_id']).toEqual({ stringValue: '8f1c2d3e4a5b6c7d' });
    expect(result.stderr).toContain('2 lines, 2 records converted, 0 rejected, 1 otlp-json request written');
  });

  it('reads standard input when the file is - or when no file is given', async () => {
    for (const args of [['-'], []]) {
      const result = await convert(args, HTTP.join('\n'));
      expect(result.code).toBe(0);
      expect(records(result.stdout).map((r) => r.timeUnixNano)).toEqual([
        '1700000000123456789',
        '1700000001000000001',
      ]);
    }
  });

  it('reads CSV with a header line', async () => {
    const file = join(dir, 'spectrum.csv');
    writeFileSync(
      file,
      'Timestamp,Event,Status,ClientIP,ClientPort,ClientProto,ColoCode,Application\n' +
        '1700000010123456789,disconnect,200,203.0.113.7,51234,tcp,SJC,app1\n' +
        '1700000012000000000,originError,522,203.0.113.8,51300,udp,SJC,app1\n',
    );
    const result = await convert(['--dataset', 'spectrum_events', file]);
    expect(result.code).toBe(0);
    const recs = records(result.stdout);
    expect(recs.map((r) => [r.timeUnixNano, r.severityText])).toEqual([
      ['1700000010123456789', 'INFO'],
      ['1700000012000000000', 'ERROR'],
    ]);
    const attributes = Object.fromEntries((recs[1]?.attributes ?? []).map((a) => [a.key, a.value]));
    expect(attributes['network.transport']).toEqual({ stringValue: 'udp' });
    expect(attributes['error.type']).toEqual({ stringValue: '522' });
  });

  it('writes rejected lines with their reasons to --errors and exits 3', async () => {
    const file = join(dir, 'mixed.log');
    writeFileSync(file, `${HTTP[0] ?? ''}\n{"broken": \n${HTTP[1] ?? ''}\n`);
    const errors = join(dir, 'rejected.jsonl');
    const result = await convert(['--errors', errors, file]);
    expect(result.code).toBe(3);
    expect(records(result.stdout)).toHaveLength(2);
    const rejected = readFileSync(errors, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ source: file, line: 2, code: 'invalid-json', raw: '{"broken": ' });
    expect(String(rejected[0]?.reason)).not.toBe('');
    expect(result.stderr).toContain('1 rejected');
  });

  it('writes rejected lines to standard error when --errors is not given', async () => {
    const result = await convert(['-'], `not json at all\n${HTTP[0]}\n`);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('"line":1');
    expect(records(result.stdout)).toHaveLength(1);
  });

  it('writes length-delimited protobuf that the official definitions decode', async () => {
    const result = await convert(['--format', 'otlp-proto', '--batch-size', '1', '-'], HTTP.join('\n'));
    expect(result.code).toBe(0);
    const messages: unknown[] = [];
    let p = 0;
    const bytes = result.stdout;
    while (p < bytes.length) {
      let length = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[p++] ?? 0;
        length |= (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) break;
      }
      messages.push(decodeExportLogsRequest(bytes.subarray(p, p + length)));
      p += length;
    }
    expect(messages).toHaveLength(2);
    const times = messages.map(
      (m) =>
        (m as { resourceLogs: { scopeLogs: { logRecords: { timeUnixNano: string }[] }[] }[] }).resourceLogs[0]
          ?.scopeLogs[0]?.logRecords[0]?.timeUnixNano,
    );
    expect(times).toEqual(['1700000000123456789', '1700000001000000001']);
  });

  it('applies --body, --profile and --service-name', async () => {
    const result = await convert(
      ['--body', 'original', '--profile', 'datadog-raw', '--service-name', 'edge', '-'],
      HTTP[0],
    );
    expect(result.code).toBe(0);
    const request = JSON.parse(result.stdout.toString('utf8')) as JsonRequest & {
      resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string } }[] }[] }[];
    };
    const resource = Object.fromEntries(
      request.resourceLogs[0]?.resource.attributes.map((a) => [a.key, a.value.stringValue]) ?? [],
    );
    expect(resource['service.name']).toBe('edge');
    const record = request.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    expect(record?.body.stringValue).toBe(HTTP[0]);
    const keys = (record as unknown as { attributes: { key: string }[] }).attributes.map((a) => a.key);
    expect(keys).toContain('ClientRequestHost');
    expect(keys).toContain('source');
  });

  it('exits 2 on usage errors', async () => {
    const cases = [['--nope'], ['--format', 'xml'], ['--dataset', 'no_such_dataset'], ['-', '-']];
    const results = await Promise.all(cases.map((args) => convert(args)));
    results.forEach((result, i) => {
      expect(result.code, cases[i]?.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/logpush-otel convert: /);
    });
  });

  it('reads OTEL_RESOURCE_ATTRIBUTES as run does, and refuses a malformed list', async () => {
    const good = await convert(['-'], `${HTTP[0]}\n`, {
      ...process.env,
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod%20eu, team=edge',
    });
    expect(good.code).toBe(0);
    const request = JSON.parse(good.stdout.toString('utf8').trim()) as JsonRequest;
    const resource = Object.fromEntries(
      request.resourceLogs[0]?.resource.attributes.map((a) => [a.key, a.value.stringValue]) ?? [],
    );
    expect(resource).toMatchObject({ 'deployment.environment': 'prod eu', team: 'edge' });

    const bad = await convert(['-'], `${HTTP[0]}\n`, {
      ...process.env,
      OTEL_RESOURCE_ATTRIBUTES: 'team=edge,=x',
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('OTEL_RESOURCE_ATTRIBUTES: expected key=value pairs separated by commas');
    expect(bad.stdout.length).toBe(0);
  });

  it('exits 1 when an input file cannot be opened', async () => {
    const result = await convert([join(dir, 'missing.log.gz')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot read');
    expect(result.stderr).toContain('ENOENT');
  });

  it('prints complete help with --help', async () => {
    const result = await convert(['--help']);
    expect(result.code).toBe(0);
    const help = result.stdout.toString('utf8');
    for (const option of [
      '--dataset',
      '--format',
      '--body',
      '--profile',
      '--errors',
      '--batch-size',
      'Exit status',
    ]) {
      expect(help).toContain(option);
    }
  });
});

// Input that is not what it claims to be: each case has one documented outcome.
describe.concurrent('logpush-otel convert: honest input', { timeout: 60_000 }, () => {
  const NAMES = 'EdgeStartTimestamp,ClientIP,RayID,ClientRequestHost,EdgeResponseStatus';
  const ROWS =
    '1700000000123456789,97.80.7.63,8a1b,example.com,200\n1700000000123456790,97.80.7.64,8a1c,example.com,404\n';

  it('refuses a header-less CSV with one line naming field_names, and reads it with --field-names', async () => {
    const file = join(dir, 'noheader.csv');
    writeFileSync(file, ROWS);
    const refused = await convert([file]);
    expect(refused.code).toBe(3);
    expect(records(refused.stdout)).toEqual([]);
    const lines = refused.stderr.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(
      new RegExp(
        `^logpush-otel convert: ${file}: not Logpush text: expected a CSV header line of field names: .*field_names.*\\(first at line 1; 2 lines rejected, none read\\)$`,
      ),
    );
    expect(lines).toHaveLength(2); // that line and the summary, not one per row

    const read = await convert([file, '--field-names', NAMES, '--dataset', 'http_requests']);
    expect(read.code).toBe(0);
    const got = records(read.stdout);
    expect(got.map((r) => r.timeUnixNano)).toEqual(['1700000000123456789', '1700000000123456790']);
    expect(got[0]?.attributes.find((a) => a.key === 'client.address')?.value).toEqual({
      stringValue: '97.80.7.63',
    });
  });

  it('reports a binary file once, with a count, instead of one line per garbage line', async () => {
    const file = join(dir, 'binary.log.gz');
    const bytes = Buffer.alloc(200_000);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = x >> 16;
    }
    writeFileSync(file, bytes);
    const { code, stderr, stdout } = await convert([file]);
    expect(code).toBe(3);
    expect(stdout.length).toBe(0);
    const lines = stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^logpush-otel convert: ${file}: not Logpush text: .*lines? rejected, none read\\)$`),
    );
    expect(lines[1]).toMatch(
      /, 0 records converted, \d+ rejected, 0 otlp-json requests written, \d+ lines with invalid UTF-8/,
    );
  });

  it('maps each record of a file mixing datasets with its own dataset and event time', async () => {
    const firewall =
      '{"Action":"block","ClientIP":"192.0.2.1","Datetime":"2023-11-14T22:13:20.000000001Z","RayID":"fw1","Source":"firewallCustom"}';
    const { code, stdout } = await convert(['-'], `${firewall}\n${HTTP[0]}\n`);
    expect(code).toBe(0);
    const got = records(stdout);
    expect(got.map((r) => [r.eventName, r.timeUnixNano])).toEqual([
      ['cloudflare.firewall_event', '1700000000000000001'],
      ['cloudflare.http_request', '1700000000123456789'],
    ]);
  });

  it('keeps a record without an event time, flagged cloudflare.time_missing, and dead-letters a bad one', async () => {
    const noTime = '{"ClientIP":"203.0.113.9","EdgeResponseStatus":200,"RayID":"nt1"}';
    const badTime =
      '{"ClientIP":"203.0.113.9","EdgeResponseStatus":200,"EdgeStartTimestamp":"yesterday","RayID":"bt1"}';
    const { code, stdout, stderr } = await convert(['-'], `${HTTP[0]}\n${noTime}\n${badTime}\n`);
    expect(code).toBe(3);
    const got = records(stdout);
    expect(got).toHaveLength(2);
    expect(got[1]?.timeUnixNano).toBeUndefined();
    expect(got[1]?.attributes.find((a) => a.key === 'cloudflare.time_missing')?.value).toEqual({
      boolValue: true,
    });
    expect(got[0]?.attributes.some((a) => a.key === 'cloudflare.time_missing')).toBe(false);
    expect(stderr).toMatch(/"code":"invalid-timestamp"/);
  });

  it('counts lines with invalid UTF-8 and reads them with U+FFFD', async () => {
    const [before, after] = (HTTP[0] ?? '').split('"/a"');
    const line = Buffer.concat([
      Buffer.from(`${before}"/a`),
      Buffer.from([0xff]),
      Buffer.from(`"${after}\n`),
    ]);
    const { code, stderr, stdout } = await convert(['-'], line);
    expect(code).toBe(0);
    expect(records(stdout)).toHaveLength(1);
    expect(stderr).toMatch(
      /1 records converted, 0 rejected, 1 otlp-json request written, 1 line with invalid UTF-8 \(read as U\+FFFD\)/,
    );
  });

  it('rejects lines over --max-line-bytes', async () => {
    const { code, stderr } = await convert(['-', '--max-line-bytes', '100'], `${HTTP[0]}\n`);
    expect(code).toBe(3);
    expect(stderr).toMatch(/stdin: not Logpush text: expected a line of at most 100 bytes/);
  });
});
