// The otlp exporter over real TLS and through a real forwarding proxy, all on loopback: a CA, a server
// certificate and a client certificate are made by openssl for this test; the HTTPS receiver asks for a client
// certificate signed by that CA (mutual TLS); the proxy is the `proxy` package from npm.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createTestHost } from '@logpush-otel/pipeline/testing';
import { countLogRecords, startOtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import type { OtlpReceiver } from '@logpush-otel/testdata/otlp-receiver';
import { createProxy } from 'proxy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';
import { OtlpExporter, otlpExporterFactory } from '../src/exporters/index.ts';
import type { OtlpExporterConfig } from '../src/exporters/index.ts';
import { loadTls, proxyFromEnv } from '../src/exporters/otlp/transport.ts';
import { createSidecarRegistry } from '../src/registry.ts';
import { until } from './helpers/receiver-harness.ts';
import { batch } from './support/mapped.ts';

let dir = '';
const file = (name: string): string => join(dir, name);
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
};

/** A CA (`<name>-ca.pem`, `<name>-ca.key`). */
function makeCa(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name} test CA`,
    '-keyout',
    `${name}-ca.key`,
    '-out',
    `${name}-ca.pem`,
  );
}

/** A certificate for `cn` signed by `ca`, with the given subjectAltName (`<name>.pem`, `<name>.key`). */
async function makeCert(name: string, cn: string, ca: string, san: string | undefined): Promise<void> {
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  const ext =
    san === undefined
      ? 'extendedKeyUsage=clientAuth\n'
      : `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`;
  await writeFile(file(`${name}.ext`), ext);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}-ca.pem`,
    '-CAkey',
    `${ca}-ca.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
}

interface HttpsBackend {
  readonly url: string;
  readonly clients: string[];
  records: number;
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP logs receiver over mutual TLS: it only talks to clients with a certificate from the test CA. Its
 * certificate is `server` (localhost, 127.0.0.1) unless another is named.
 */
async function startHttpsBackend(cert = 'server'): Promise<HttpsBackend> {
  const state = { records: 0, clients: [] as string[] };
  const server: HttpsServer = createHttpsServer(
    {
      key: await readFile(file(`${cert}.key`)),
      cert: await readFile(file(`${cert}.pem`)),
      ca: await readFile(file('test-ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const plain = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
        state.records += countLogRecords(new Uint8Array(plain));
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        state.clients.push(String(peer.subject?.CN ?? ''));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    clients: state.clients,
    get records() {
      return state.records;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Proxy {
  readonly url: string;
  /** `CONNECT host:port` and `GET http://...` lines the proxy handled. */
  readonly seen: string[];
  close(): Promise<void>;
}

async function startProxy(): Promise<Proxy> {
  const seen: string[] = [];
  const server: HttpServer = createProxy(createHttpServer());
  server.prependListener('connect', (req: { url?: string }) => seen.push(`CONNECT ${req.url ?? ''}`));
  server.prependListener('request', (req: { method?: string; url?: string }) =>
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const closers: Array<() => Promise<void>> = [];
const exporters: OtlpExporter[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpush-otel-tls-'));
  makeCa('test');
  makeCa('other');
  await makeCert('server', 'localhost', 'test', 'DNS:localhost,IP:127.0.0.1');
  await makeCert('client', 'logpush-otel client', 'test', undefined);
  await makeCert('named', 'otlp.test', 'test', 'DNS:otlp.test');
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const e of exporters.splice(0)) await e.shutdown();
  for (const close of closers.splice(0)) await close();
});

function config(overrides: Record<string, unknown>): OtlpExporterConfig {
  const result = otlpExporterFactory.validate(
    {
      retry_on_failure: {
        initial_interval: '20ms',
        max_interval: '50ms',
        misconfigured_max_interval: '100ms',
      },
      ...overrides,
    },
    'exporters.otlp',
  );
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return result.config;
}

const mtls = (): Record<string, string> => ({
  ca_file: file('test-ca.pem'),
  cert_file: file('client.pem'),
  key_file: file('client.key'),
});

describe('otlp exporter over TLS', () => {
  it('delivers with a custom CA and a client certificate (mutual TLS)', async () => {
    const backend = await startHttpsBackend();
    closers.push(() => backend.close());
    const e = new OtlpExporter(createTestHost('otlp'), config({ endpoint: backend.url, tls: mtls() }));
    exporters.push(e);
    await e.consume(batch(4));
    expect(backend.records).toBe(4);
    expect(backend.clients).toEqual(['logpush-otel client']);
  });

  it('pauses with a clear message, and dead-letters nothing, when the CA is wrong', async () => {
    const backend = await startHttpsBackend();
    closers.push(() => backend.close());
    const host = createTestHost('otlp');
    const e = new OtlpExporter(
      host,
      config({ endpoint: backend.url, tls: { ...mtls(), ca_file: file('other-ca.pem') } }),
    );
    const consumed = e.consume(batch(2));
    consumed.catch(() => undefined);
    // A TLS handshake may take a while on a busy machine: wait for the refusal rather than a fixed time.
    await until('the exporter paused', () => e.notReadyReason() !== undefined, 30_000);
    expect(e.notReadyReason()).toMatch(
      /TLS with https:\/\/127\.0\.0\.1:\d+\/v1\/logs failed: .*; the server certificate is not trusted: set tls\.ca_file/,
    );
    expect(host.messages.filter((m) => m.level === 'error')).toHaveLength(1);
    await e.shutdown();
    await expect(consumed).rejects.toThrow();
    expect(host.letters).toEqual([]);
    expect(backend.records).toBe(0);
  });

  it('pauses when the server wants a client certificate and none is configured', async () => {
    const backend = await startHttpsBackend();
    closers.push(() => backend.close());
    const e = new OtlpExporter(
      createTestHost('otlp'),
      config({ endpoint: backend.url, tls: { ca_file: file('test-ca.pem') } }),
    );
    const consumed = e.consume(batch(1));
    consumed.catch(() => undefined);
    await until('the exporter paused', () => e.notReadyReason() !== undefined, 30_000);
    expect(e.notReadyReason()).toMatch(/TLS|certificate|socket hang up|ECONNRESET/);
    await e.shutdown();
    expect(backend.records).toBe(0);
  });

  it('checks the certificate against server_name_override instead of the endpoint host', async () => {
    const backend = await startHttpsBackend('named'); // a certificate for otlp.test only
    closers.push(() => backend.close());
    const plain = new OtlpExporter(createTestHost('otlp'), config({ endpoint: backend.url, tls: mtls() }));
    const refused = plain.consume(batch(1));
    refused.catch(() => undefined);
    await until('the exporter paused', () => plain.notReadyReason() !== undefined, 30_000);
    expect(plain.notReadyReason()).toMatch(/does not name this host: .*server_name_override/);
    await plain.shutdown();
    const named = new OtlpExporter(
      createTestHost('otlp'),
      config({
        endpoint: backend.url,
        tls: { ...mtls(), server_name_override: 'otlp.test', min_version: '1.3' },
      }),
    );
    exporters.push(named);
    await named.consume(batch(2));
    expect(backend.records).toBe(2);
  });

  it('names the key and the file of a TLS file that is missing or not a certificate', async () => {
    await writeFile(
      file('garbage.pem'),
      '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n',
    );
    expect(() => loadTls({ ...config({ endpoint: 'https://x' }).tls, ca_file: file('missing.pem') })).toThrow(
      `tls.ca_file: cannot read ${file('missing.pem')}: no such file`,
    );
    expect(() => loadTls({ ...config({ endpoint: 'https://x' }).tls, ca_file: file('garbage.pem') })).toThrow(
      /^tls\.ca_file: .*garbage\.pem holds no valid certificate/,
    );
    expect(() =>
      loadTls({
        ...config({ endpoint: 'https://x' }).tls,
        cert_file: file('client.pem'),
        key_file: file('server.key'),
      }),
    ).toThrow(/^tls\.key_file: .*server\.key: it does not belong to the certificate of cert_file/);
  });
});

describe('TLS from the standard environment variables', () => {
  it('reads OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY and refuses _INSECURE with https', async () => {
    await writeFile(
      file('env.yaml'),
      'receivers:\n  logpush_file:\n    directory: .\nexporters:\n  otlp: {}\nservice:\n  pipelines:\n    logs:\n      receivers: [logpush_file]\n      exporters: [otlp]\n',
    );
    const registry = createSidecarRegistry();
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318',
      OTEL_EXPORTER_OTLP_CERTIFICATE: file('test-ca.pem'),
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: file('client.pem'),
      OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY: file('client.key'),
    };
    const loaded = await loadConfig(file('env.yaml'), { registry, env });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    expect((loaded.config.graph.exporters.get('otlp')?.config as OtlpExporterConfig).tls).toMatchObject(
      mtls(),
    );
    const insecure = await loadConfig(file('env.yaml'), {
      registry,
      env: { ...env, OTEL_EXPORTER_OTLP_INSECURE: 'true' },
    });
    expect(insecure.ok ? [] : insecure.issues.map((i) => i.path)).toEqual(['exporters.otlp.tls.insecure']);
  });
});

describe('otlp exporter through a forwarding proxy', () => {
  it('tunnels https through proxy_url with CONNECT, mutual TLS end to end', async () => {
    const backend = await startHttpsBackend();
    const proxy = await startProxy();
    closers.push(
      () => backend.close(),
      () => proxy.close(),
    );
    const e = new OtlpExporter(
      createTestHost('otlp'),
      config({ endpoint: backend.url, tls: mtls(), proxy_url: proxy.url }),
    );
    exporters.push(e);
    await e.consume(batch(3));
    expect(backend.records).toBe(3);
    expect(proxy.seen).toEqual([`CONNECT ${new URL(backend.url).host}`]);
  });

  it('sends plain http through HTTP_PROXY from the environment, and honours NO_PROXY', async () => {
    let receiver: OtlpReceiver | undefined = await startOtlpReceiver();
    const proxy = await startProxy();
    closers.push(
      () => receiver?.close() ?? Promise.resolve(),
      () => proxy.close(),
    );
    await writeFile(
      file('proxy.yaml'),
      'receivers:\n  logpush_file:\n    directory: .\nexporters:\n  otlp: {}\nservice:\n  pipelines:\n    logs:\n      receivers: [logpush_file]\n      exporters: [otlp]\n',
    );
    const registry = createSidecarRegistry();
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: 'http://unused:1',
    };
    const loaded = await loadConfig(file('proxy.yaml'), { registry, env });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const exporterConfig = loaded.config.graph.exporters.get('otlp')?.config as OtlpExporterConfig;
    expect(exporterConfig.proxy_url).toBe(proxy.url);
    const e = new OtlpExporter(createTestHost('otlp'), exporterConfig);
    exporters.push(e);
    await e.consume(batch(2));
    expect(receiver.records()).toHaveLength(2);
    expect(proxy.seen).toEqual([`POST ${receiver.url}/v1/logs`]);

    const bypass = await loadConfig(file('proxy.yaml'), {
      registry,
      env: { ...env, NO_PROXY: 'localhost,127.0.0.1' },
    });
    expect(
      bypass.ok && (bypass.config.graph.exporters.get('otlp')?.config as OtlpExporterConfig).proxy_url,
    ).toBe('');
    receiver = undefined;
  });

  it('matches NO_PROXY entries as hosts, domains, ports and *', () => {
    const env = { HTTPS_PROXY: 'proxy:3128', NO_PROXY: '.internal.example, collector:4318, 10.0.0.5' };
    const at = (url: string, extra: Record<string, string> = {}): string | undefined =>
      proxyFromEnv(new URL(url), { ...env, ...extra });
    expect(at('https://otlp.datadoghq.com')).toBe('http://proxy:3128');
    expect(at('https://a.internal.example')).toBeUndefined();
    expect(at('https://internal.example')).toBeUndefined();
    expect(at('https://collector:4318')).toBeUndefined();
    expect(at('https://collector:443')).toBe('http://proxy:3128');
    expect(at('https://10.0.0.5:4318')).toBeUndefined();
    expect(at('http://loki:3100')).toBeUndefined(); // no HTTP_PROXY set
    expect(at('https://anything', { NO_PROXY: '*' })).toBeUndefined();
  });
});
