// The listening socket of the `logpush_http` receiver: plain HTTP or TLS (certificate and key re-read when
// the files change), with header, request and idle timeouts against slow clients.
import { readFile, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '@logpush-otel/pipeline';
import { parseListenAddress } from '../../config/load.ts';
import type { LogpushHttpReceiverConfig, LogpushHttpTlsConfig } from './config.ts';

/** A listening receiver endpoint. */
export interface Listener {
  /** `http(s)://host:port` actually bound. */
  readonly url: string;
  /** Stops accepting connections and closes idle ones; requests in flight go on. */
  stopAccepting(): void;
  /** Closes every connection and resolves once the server is closed. */
  close(): Promise<void>;
}

async function readTls(tls: LogpushHttpTlsConfig): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readFile(tls.cert_file), readFile(tls.key_file)]);
  return { cert, key };
}

async function tlsStamp(tls: LogpushHttpTlsConfig): Promise<string> {
  const [a, b] = await Promise.all([stat(tls.cert_file), stat(tls.key_file)]);
  return `${a.mtimeMs}:${a.size}:${a.ino}/${b.mtimeMs}:${b.size}:${b.ino}`;
}

/** Listens on `config.endpoint`; resolves once bound, rejects when the address or the TLS files are unusable. */
export async function listen(
  config: LogpushHttpReceiverConfig,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  logger: Logger,
  component: string,
  onClientError: (reason: string, message: string) => void,
): Promise<Listener> {
  const address = parseListenAddress(config.endpoint);
  if (address === undefined) throw new Error(`${component}: invalid endpoint ${config.endpoint}`);
  const options = {
    headersTimeout: config.header_timeout,
    // The whole request (headers and body); the handler also enforces body_timeout from the end of the headers.
    requestTimeout: config.header_timeout + config.body_timeout,
    keepAliveTimeout: config.idle_timeout,
    // How often Node looks for connections past those timeouts.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.header_timeout / 4))),
    maxHeaderSize: 16 * 1024,
  };
  const tls = config.tls;
  let server: Server | HttpsServer;
  let reloadTimer: NodeJS.Timeout | undefined;
  if (tls === undefined) {
    server = createHttpServer(options, handler);
  } else {
    let material: { cert: Buffer; key: Buffer };
    let stamp: string;
    try {
      stamp = await tlsStamp(tls);
      material = await readTls(tls);
    } catch (error) {
      throw new Error(`${component}: cannot read tls.cert_file/tls.key_file: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const https = createHttpsServer({ ...options, ...material }, handler);
    server = https;
    const reload = async (): Promise<void> => {
      const now = await tlsStamp(tls);
      if (now === stamp) return;
      const next = await readTls(tls);
      https.setSecureContext(next);
      stamp = now;
      logger.info('TLS certificate and key reloaded', { component, cert_file: tls.cert_file });
    };
    const tick = (): void => {
      reloadTimer = setTimeout(() => {
        reload()
          .catch((error: unknown) =>
            logger.error('could not reload the TLS certificate; keeping the previous one', {
              component,
              error: (error as Error).message,
            }),
          )
          .finally(tick);
      }, tls.reload_interval);
      reloadTimer.unref();
    };
    tick();
  }
  // Sockets that never send a complete request head are closed after header_timeout.
  server.on('connection', (socket: Socket) => socket.setTimeout(config.header_timeout + config.body_timeout));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    onClientError(timeout ? 'header-timeout' : 'bad-request', error.message);
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = timeout ? '408 Request Timeout' : '400 Bad Request';
    // Answer, then close the connection whatever the client keeps sending.
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () =>
      socket.destroy(),
    );
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error('listener error', { component, error: error.message }));
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  let closing: Promise<void> | undefined;
  const stopAccepting = (): void => {
    clearTimeout(reloadTimer);
    closing ??= new Promise<void>((done) => server.close(() => done()));
    server.closeIdleConnections();
  };
  return {
    url: `${tls === undefined ? 'http' : 'https'}://${host}:${bound.port}`,
    stopAccepting,
    async close() {
      stopAccepting();
      server.closeAllConnections();
      await closing;
    },
  };
}
