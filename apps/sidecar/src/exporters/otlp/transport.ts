// How the otlp exporter reaches its backend: TLS settings (the Collector's `tls` keys) turned into Node request
// options, with every file read and parsed up front so a bad file is a clear start-up (or `validate`) error; and
// the HTTP agent, direct or through a forwarding proxy (CONNECT for https, absolute URLs for http).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { SecureVersion } from 'node:tls';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

/** The `tls` section of the otlp exporter (file paths are absolute once the config is loaded). */
export interface TlsConfig {
  /** PEM file of the CA(s) that sign the server's certificate (replaces the system roots). */
  readonly ca_file: string;
  /** PEM client certificate, for mutual TLS (with key_file). */
  readonly cert_file: string;
  /** PEM private key of cert_file. */
  readonly key_file: string;
  /** Do not check the server's certificate (testing only: anyone on the path can read the records). */
  readonly insecure_skip_verify: boolean;
  /** No transport security: the endpoint must then be http:// (as OTEL_EXPORTER_OTLP_INSECURE). */
  readonly insecure: boolean;
  /** Name checked against the server's certificate (and sent as SNI) instead of the endpoint's host. */
  readonly server_name_override: string;
  /** Oldest TLS version accepted: 1.0, 1.1, 1.2 (default) or 1.3. */
  readonly min_version: '1.0' | '1.1' | '1.2' | '1.3';
}

export function defaultTlsConfig(): TlsConfig {
  return {
    ca_file: '',
    cert_file: '',
    key_file: '',
    insecure_skip_verify: false,
    insecure: false,
    server_name_override: '',
    min_version: '1.2',
  };
}

/** TLS options given to every request (node:https / tls.connect). */
export interface TlsRequestOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
  minVersion: SecureVersion;
}

function readPem(key: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new Error(`tls.${key}: cannot read ${file}: ${why}`, { cause: error });
  }
  if (!text.includes('-----BEGIN ')) throw new Error(`tls.${key}: ${file} is not a PEM file (no BEGIN line)`);
  return text;
}

/**
 * Reads and checks the files of `tls` (certificates parse, the key matches the certificate). Throws an Error
 * naming the key and the file on the first problem. Only meaningful for https endpoints.
 */
export function loadTls(tls: TlsConfig): TlsRequestOptions {
  const out: TlsRequestOptions = {
    rejectUnauthorized: !tls.insecure_skip_verify,
    minVersion: `TLSv${tls.min_version}` as SecureVersion,
  };
  if (tls.ca_file !== '') {
    const ca = readPem('ca_file', tls.ca_file);
    try {
      new X509Certificate(ca);
    } catch (error) {
      throw new Error(`tls.ca_file: ${tls.ca_file} holds no valid certificate: ${(error as Error).message}`, {
        cause: error,
      });
    }
    out.ca = ca;
  }
  if ((tls.cert_file === '') !== (tls.key_file === '')) {
    throw new Error('tls: cert_file and key_file go together (a client certificate needs its key)');
  }
  if (tls.cert_file !== '') {
    const cert = readPem('cert_file', tls.cert_file);
    const key = readPem('key_file', tls.key_file);
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(cert);
    } catch (error) {
      throw new Error(
        `tls.cert_file: ${tls.cert_file} holds no valid certificate: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    try {
      if (!certificate.checkPrivateKey(createPrivateKey(key)))
        throw new Error('it does not belong to the certificate of cert_file');
      createSecureContext({ cert, key });
    } catch (error) {
      throw new Error(`tls.key_file: ${tls.key_file}: ${(error as Error).message}`, { cause: error });
    }
    out.cert = cert;
    out.key = key;
  }
  if (tls.server_name_override !== '') out.servername = tls.server_name_override;
  return out;
}

/**
 * The proxy for `target` given the standard variables: HTTPS_PROXY (or https_proxy) for https URLs, HTTP_PROXY
 * (or http_proxy) for http ones, none when NO_PROXY (or no_proxy) lists the host: `*`, a host name, a domain
 * (`example.com` and `.example.com` both match its subdomains), an IP address, each optionally with `:port`.
 */
export function proxyFromEnv(
  target: URL,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const pick = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = env[n]?.trim();
      if (v !== undefined && v !== '') return v;
    }
    return undefined;
  };
  const proxy =
    target.protocol === 'https:' ? pick('HTTPS_PROXY', 'https_proxy') : pick('HTTP_PROXY', 'http_proxy');
  if (proxy === undefined) return undefined;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port !== '' ? target.port : target.protocol === 'https:' ? '443' : '80';
  for (const raw of (pick('NO_PROXY', 'no_proxy') ?? '').split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return undefined;
    const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(entry);
    const name = (m?.[1] ?? entry).replace(/^\*?\./, '');
    const entryPort = m?.[2];
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return proxy.includes('://') ? proxy : `http://${proxy}`;
}

/** The agent requests to `url` go through: keep-alive, `maxSockets`, through `proxy` when given. */
export function createAgent(url: URL, proxy: string, maxSockets: number): HttpAgent {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  const https = url.protocol === 'https:';
  if (proxy !== '') return https ? new HttpsProxyAgent(proxy, options) : new HttpProxyAgent(proxy, options);
  return https ? new HttpsAgent(options) : new HttpAgent(options);
}
