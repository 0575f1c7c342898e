// The sidecar's HTTP endpoint: /healthz, /readyz and Prometheus /metrics.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoint reports. */
export interface TelemetrySource {
  /** Whether the process is working (false once a fatal error happened). */
  healthy(): boolean;
  /** Whether every component started and the sidecar is not stopping. */
  ready(): boolean;
  /** Why it is not ready (shown in the /readyz body), when known. */
  notReadyReasons?(): string[];
  /** The Prometheus exposition text and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
}

/** A listening telemetry endpoint. */
export interface TelemetryServer {
  /** `http://host:port` actually bound (port 0 resolved). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves GET /healthz (200 `ok` while healthy, else 503), /readyz (200 `ready` once ready, else 503 `not ready`)
 * and /metrics on `host:port`. Resolves once listening; rejects if the address cannot be bound.
 */
export function startTelemetryServer(
  host: string,
  port: number,
  source: TelemetrySource,
): Promise<TelemetryServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (path === '/healthz') return source.healthy() ? reply(200, 'ok\n') : reply(503, 'unhealthy\n');
    if (path === '/readyz') {
      if (source.ready()) return reply(200, 'ready\n');
      const reasons = source.notReadyReasons?.() ?? [];
      return reply(503, `not ready\n${reasons.map((r) => `${r}\n`).join('')}`);
    }
    if (path === '/metrics') {
      source.metrics().then(
        (m) => reply(200, m.body, m.contentType),
        (error: unknown) =>
          reply(500, `metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
      );
      return;
    }
    reply(404, 'not found: try /healthz, /readyz or /metrics\n');
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shownHost}:${address.port}`,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
