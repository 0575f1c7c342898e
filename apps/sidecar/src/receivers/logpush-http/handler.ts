// One HTTP request to the `logpush_http` receiver: checks (method, path, secret, limits, backpressure), then
// the body streamed to its destination, answered 2xx only once the body is durable (or, with `ack: export`,
// delivered).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { getDataset } from '@logpush-otel/schema';
import { BodyCheck, Refusal } from './body.ts';
import type { BodyVerdict } from './body.ts';
import type { LogpushHttpReceiverConfig } from './config.ts';
import { AUTO_FOLDER } from './spool-readers.ts';
import type { HttpReceiverTelemetry } from './telemetry.ts';

/** Where an accepted body goes: the spool, or straight to the pipeline (`ack: export`). */
export interface BodySink {
  /** Starts a body; `dataset` is the folder (`auto` or a dataset id). */
  begin(requestId: string, dataset: string): Promise<SinkBody>;
  /** Why new bodies cannot be taken now (429/503 with Retry-After), or undefined. */
  busy(): Refusal | undefined;
  /** A fresh request id. */
  requestId(now: number): string;
}

/** One body on its way to a sink. */
export interface SinkBody {
  write(chunk: Buffer): Promise<void>;
  /** The body is complete and valid: make it durable (or deliver it). Resolves when the 2xx may be sent. */
  commit(verdict: BodyVerdict): Promise<void>;
  /** The body was refused, cut off or not needed: drop what was stored. */
  discard(): Promise<void>;
}

/** Answers requests for one receiver. */
export class RequestHandler {
  readonly #config: LogpushHttpReceiverConfig;
  readonly #sink: BodySink;
  readonly #telemetry: HttpReceiverTelemetry;
  readonly #secretDigest: Buffer;
  readonly #headerName: string;
  readonly #defaultFolder: string;
  #active = 0;
  #stopping = false;
  readonly #idle = new Set<() => void>();

  constructor(config: LogpushHttpReceiverConfig, sink: BodySink, telemetry: HttpReceiverTelemetry) {
    this.#config = config;
    this.#sink = sink;
    this.#telemetry = telemetry;
    this.#secretDigest = digest(config.secret);
    this.#headerName = config.secret_header.toLowerCase();
    this.#defaultFolder =
      config.dataset === 'auto' ? AUTO_FOLDER : (getDataset(config.dataset)?.id ?? AUTO_FOLDER);
  }

  /** Requests being handled. */
  get active(): number {
    return this.#active;
  }

  /** New requests are answered 503 from now on; resolves once the requests in flight are answered. */
  stop(): Promise<void> {
    this.#stopping = true;
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.#handle(req, res).catch((error: unknown) => {
      // Never reached by design (every path answers); a bug must not crash the sidecar.
      this.#telemetry.refused('internal-error', 500, error instanceof Error ? error.message : String(error));
      if (!res.headersSent) this.#reply(res, 500, 'internal error\n');
      else res.destroy();
    });
  };

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const pre = this.#precheck(req);
    if (pre instanceof Refusal) {
      // The body was not read: close the connection rather than read it.
      res.setHeader('connection', 'close');
      this.#refuse(res, pre, req);
      return;
    }
    this.#active++;
    this.#telemetry.inFlight(1);
    try {
      await this.#receive(req, res, pre, arrived);
    } finally {
      this.#active--;
      this.#telemetry.inFlight(-1);
      if (this.#active === 0 && this.#idle.size > 0) {
        for (const done of this.#idle) done();
        this.#idle.clear();
      }
    }
  }

  /** Checks made before reading the body; returns the dataset folder, or the refusal. */
  #precheck(req: IncomingMessage): string | Refusal {
    const c = this.#config;
    if (this.#stopping)
      return new Refusal(503, 'shutting-down', 'the receiver is shutting down; retry later');
    if (req.method !== 'POST')
      return new Refusal(405, 'method-not-allowed', `method ${req.method ?? '?'} not allowed: expected POST`);
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/').replace(/^\/+|\/+$/g, '');
    } catch {
      return new Refusal(404, 'unknown-dataset', 'the path is not valid percent-encoding');
    }
    let folder = this.#defaultFolder;
    if (path !== '') {
      const dataset = path.includes('/') ? undefined : getDataset(path);
      if (dataset === undefined)
        return new Refusal(
          404,
          'unknown-dataset',
          `unknown path /${path}: expected / or /<dataset id> such as /http_requests`,
        );
      folder = dataset.id;
    }
    if (c.auth === 'secret') {
      const sent = req.headers[this.#headerName];
      const value = Array.isArray(sent) ? sent[0] : sent;
      // Digests of equal length compared in constant time: neither the secret nor its length leaks.
      if (value === undefined || !timingSafeEqual(digest(value), this.#secretDigest))
        return new Refusal(
          401,
          'unauthorized',
          `missing or wrong ${c.secret_header} header (set header_${c.secret_header}=... on the Logpush destination)`,
        );
    }
    const length = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(length) && length > c.max_body_bytes)
      return new Refusal(
        413,
        'body-too-large',
        `the body is larger than max_body_bytes (${c.max_body_bytes})`,
      );
    if (this.#active >= c.max_concurrent_requests)
      return new Refusal(429, 'too-many-requests', `already receiving ${this.#active} requests; retry later`);
    const busy = this.#sink.busy();
    if (busy !== undefined) return busy;
    return folder;
  }

  async #receive(req: IncomingMessage, res: ServerResponse, folder: string, arrived: number): Promise<void> {
    const c = this.#config;
    const now = Date.now();
    const requestId = this.#sink.requestId(now);
    res.setHeader('x-request-id', requestId);
    const check = new BodyCheck({
      maxDecompressedBytes: c.max_decompressed_bytes,
      maxRatio: c.max_decompression_ratio,
    });
    let body: SinkBody | undefined;
    let refusal: Refusal | undefined;
    let wire = 0;
    const timer = setTimeout(() => {
      const r = new Refusal(408, 'body-timeout', `the body was not received within body_timeout`);
      this.#telemetry.refused(r.reason, r.status, r.message, { requestId });
      req.destroy(r);
    }, c.body_timeout);
    try {
      body = await this.#sink.begin(requestId, folder);
      for await (const chunk of req as AsyncIterable<Buffer>) {
        wire += chunk.length;
        this.#telemetry.bytesIn(chunk.length);
        if (refusal === undefined && wire > c.max_body_bytes) {
          refusal = new Refusal(
            413,
            'body-too-large',
            `the body is larger than max_body_bytes (${c.max_body_bytes})`,
          );
          // Answer at once and close the connection rather than read an unbounded body.
          check.abort();
          res.setHeader('connection', 'close');
          this.#refuse(res, refusal, req, requestId);
          res.once('finish', () => req.destroy());
        }
        if (refusal !== undefined) continue; // read the rest so the client sees the answer
        try {
          await body.write(chunk);
          await check.push(chunk);
        } catch (error) {
          refusal = asRefusal(error);
          check.abort();
        }
      }
      clearTimeout(timer);
      if (refusal === undefined) {
        const verdict = await check.end();
        if (verdict.validation) {
          await body.discard();
          body = undefined;
          this.#telemetry.accepted((performance.now() - arrived) / 1000, 0, 0);
          this.#reply(res, 200, 'ok: Logpush destination validation received (not forwarded)\n');
          return;
        }
        await body.commit(verdict);
        body = undefined;
        this.#telemetry.accepted(
          (performance.now() - arrived) / 1000,
          verdict.decompressedBytes,
          verdict.lines,
        );
        this.#reply(
          res,
          200,
          `ok: request ${requestId} stored (${verdict.lines} lines, ${verdict.decompressedBytes} bytes)\n`,
        );
        return;
      }
    } catch (error) {
      refusal = asRefusal(error);
    } finally {
      clearTimeout(timer);
      check.abort();
      if (body !== undefined) await body.discard().catch(() => undefined);
    }
    if (refusal.reason === 'body-timeout') {
      res.destroy();
      return;
    }
    if (res.headersSent) return; // answered already (body-too-large)
    if (refusal.reason === 'client-aborted' || req.socket.destroyed) {
      this.#telemetry.refused(
        'client-aborted',
        0,
        'the client closed the connection before the end of the body',
        {
          requestId,
        },
      );
      return;
    }
    // The body was not read to its end (the sink failed first): do not read the rest.
    if (!req.complete) res.setHeader('connection', 'close');
    this.#refuse(res, refusal, req, requestId);
  }

  #refuse(res: ServerResponse, r: Refusal, req: IncomingMessage, requestId?: string): void {
    this.#telemetry.refused(r.reason, r.status, r.message, {
      ...(requestId === undefined ? {} : { requestId }),
      remote: req.socket.remoteAddress,
    });
    if (r.status === 405) res.setHeader('allow', 'POST');
    if (r.status === 429 || r.status === 503)
      res.setHeader('retry-after', String(Math.ceil(this.#config.retry_after / 1000)));
    this.#reply(res, r.status, `${r.reason}: ${r.message}\n`);
  }

  #reply(res: ServerResponse, status: number, text: string): void {
    this.#telemetry.answered(status);
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function asRefusal(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new Refusal(503, 'disk-full', 'the spool disk is full; retry later');
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE')
    return new Refusal(400, 'client-aborted', 'the request body ended early');
  return new Refusal(
    503,
    'storage-error',
    `the body could not be stored: ${error instanceof Error ? error.message : String(error)}`,
  );
}
