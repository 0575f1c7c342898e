import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLogpushDirectory } from '@logpush-otel/testdata/generator';
import { decodeExportLogsRequest, loadOtlpProtos } from '@logpush-otel/testdata/otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/logpush-otel.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'logpush-otel-convert-workers-'));
let files: string[] = [];

interface Result {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  errors: string;
}

/** Runs convert with `args`; rejections go to `errorsFile`, or to standard error when it is undefined. */
function convert(args: readonly string[], errorsFile: string | undefined): Promise<Result> {
  const errorsArgs = errorsFile === undefined ? [] : ['--errors', errorsFile];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'convert', ...errorsArgs, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        errors: errorsFile !== undefined && existsSync(errorsFile) ? readFileSync(errorsFile, 'utf8') : '',
      }),
    );
  });
}

function listFiles(d: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const full = join(d, e.name);
    if (e.isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out.sort();
}

interface Request {
  resourceLogs: { scopeLogs: { logRecords: Record<string, unknown>[] }[] }[];
}

/** The requests with every record's observed time taken out (it is when the command ran), and those times. */
function withoutObservedTime(requests: Request[]): { requests: Request[]; observed: Set<string> } {
  const observed = new Set<string>();
  for (const r of requests) {
    for (const rl of r.resourceLogs) {
      for (const sl of rl.scopeLogs) {
        for (const lr of sl.logRecords) {
          observed.add(String(lr.observedTimeUnixNano));
          delete lr.observedTimeUnixNano;
        }
      }
    }
  }
  return { requests, observed };
}

function protoRequests(bytes: Buffer): Request[] {
  const out: Request[] = [];
  let p = 0;
  while (p < bytes.length) {
    let length = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++] ?? 0;
      length += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    out.push(decodeExportLogsRequest(bytes.subarray(p, p + length)) as Request);
    p += length;
  }
  return out;
}

function jsonRequests(bytes: Buffer): Request[] {
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Request);
}

function recordCount(requests: Request[]): number {
  return requests.reduce(
    (n, r) =>
      n + r.resourceLogs.reduce((m, rl) => m + rl.scopeLogs.reduce((k, s) => k + s.logRecords.length, 0), 0),
    0,
  );
}

beforeAll(async () => {
  await loadOtlpProtos();
  const data = join(dir, 'data');
  await writeLogpushDirectory(data, { dataset: 'http_requests', count: 2400, seed: 7, files: 4, gzip: true });
  files = listFiles(data).filter((f) => f.endsWith('.log.gz'));
  // A plain file with a rejected line in the middle, so --errors order can be checked too.
  const plain = join(dir, 'zz-plain.log');
  appendFileSync(plain, '{"ClientIP":"203.0.113.9","EdgeStartTimestamp":1700000000000000001,"RayID":"aa"}\n');
  appendFileSync(plain, 'not json\n');
  appendFileSync(plain, '{"ClientIP":"203.0.113.9","EdgeStartTimestamp":1700000000000000002,"RayID":"ab"}\n');
  files.push(plain);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('logpush-otel convert --workers', { timeout: 120_000 }, () => {
  for (const format of ['otlp-proto', 'otlp-json'] as const) {
    it(`writes the same ${format} requests, in input order, with 1 and with 2 workers`, async () => {
      expect(files.length).toBe(5);
      const [one, two] = await Promise.all(
        [1, 2].map((w) =>
          convert(
            ['--format', format, '--batch-size', '250', '--workers', String(w), ...files],
            join(dir, `errors-${format}-${w}.jsonl`),
          ),
        ),
      );
      if (one === undefined || two === undefined) throw new Error('missing result');
      expect(one.code).toBe(3);
      expect(two.code).toBe(3);
      expect(one.stderr).toContain('5 inputs, 2403 lines, 2402 records converted, 1 rejected');
      expect(two.stderr).toContain('5 inputs, 2403 lines, 2402 records converted, 1 rejected');
      const decode = format === 'otlp-proto' ? protoRequests : jsonRequests;
      const a = withoutObservedTime(decode(one.stdout));
      const b = withoutObservedTime(decode(two.stdout));
      // One observed time per run, so that equal input gives equal output apart from it.
      expect(a.observed.size).toBe(1);
      expect(b.observed.size).toBe(1);
      expect(recordCount(a.requests)).toBe(2402);
      expect(b.requests).toEqual(a.requests);
      // Same length too: only the 8-byte (proto) or digit-string (JSON) observed times may differ.
      expect(two.stdout.length).toBe(one.stdout.length);
      expect(two.errors).toBe(one.errors);
      expect(one.errors).toContain('"raw":"not json"');
      // Requests never mix files: 4 files of 600 records at 250 a request, then the plain file.
      expect(a.requests.map((r) => recordCount([r]))).toEqual([
        250, 250, 100, 250, 250, 100, 250, 250, 100, 250, 250, 100, 2,
      ]);
    });
  }

  it('reports a binary file once on standard error, in a worker as on the main thread', async () => {
    const binary = join(dir, 'binary.log');
    appendFileSync(binary, Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 131 + 7) % 256)));
    const good = files[0] ?? '';
    const one = await convert(['--workers', '1', binary, good], undefined);
    const two = await convert(['--workers', '2', binary, good], undefined);
    for (const r of [one, two]) {
      expect(r.code).toBe(3);
      const reports = r.stderr.split('\n').filter((l) => l.includes('not Logpush text'));
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatch(/binary\.log: not Logpush text: .*rejected, none read\)$/);
      expect(r.stderr).not.toContain('"code"');
      expect(r.stdout.length).toBeGreaterThan(0); // the good file after it is converted
    }
  });

  it('refuses an invalid --workers value', async () => {
    const r = await convert(['--workers', '0', ...files], join(dir, 'errors-usage.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--workers must be auto or a positive integer');
  });
});
