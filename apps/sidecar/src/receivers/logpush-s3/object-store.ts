// The S3 operations the `logpush_s3` receiver needs (list in key order, ranged and conditional GET, delete, tag),
// over @aws-sdk/client-s3, and the classification of their failures: configuration faults (wrong credentials,
// missing bucket: nothing will change until the user acts), a changed or vanished object, or transient trouble
// (throttling, timeouts, resets, 5xx) that a retry with backoff gets past.
import type { Readable } from 'node:stream';
// The SDK is loaded when a logpush_s3 receiver starts (ObjectStore.open), not when the sidecar starts: it is
// large, and most configurations have no such receiver.
import type * as S3 from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { LogpushS3ReceiverConfig } from './config.ts';

/** One object as listed. */
export interface ListedObject {
  readonly key: string;
  /** The ETag as the store sends it, quotes removed. */
  readonly etag: string;
  readonly size: number;
  /** Unix ms. */
  readonly lastModified: number;
}

/** An object's body being downloaded. */
export interface ObjectBody {
  readonly body: Readable;
  readonly etag: string;
}

/** How a failed request should be handled. */
export type FaultKind = 'config' | 'changed' | 'gone' | 'transient';

const CONFIG_CODES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'NoSuchBucket',
  'InvalidBucketName',
  'AuthorizationHeaderMalformed',
  'PermanentRedirect',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'InvalidRegion',
  'IllegalLocationConstraintException',
  'AccountProblem',
  'Unauthorized',
  'Forbidden',
]);

/** Classifies an error thrown by the SDK (or by reading a body stream). */
export function classifyFault(error: unknown): FaultKind {
  const e = error as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : 0;
  if (code === 'PreconditionFailed' || status === 412) return 'changed';
  if (code === 'NoSuchKey' || code === 'InvalidRange' || status === 416) return 'gone';
  if (CONFIG_CODES.has(code) || status === 401 || status === 403 || status === 301) return 'config';
  if (code === 'NotFound' && status === 404) return 'config'; // a HEAD/LIST on a missing bucket
  return 'transient';
}

/** A short description of a failed request: the store's code, status and message. */
export function describeFault(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  const status =
    typeof e.$metadata?.httpStatusCode === 'number' ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return message.includes(name) ? `${message}${status}` : `${name}${status}: ${message}`;
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** The S3 client of one receiver. */
export class ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #sdk: typeof S3;
  readonly #client: S3Client;
  readonly #timeoutMs: number;

  /** Loads the SDK and creates the store's client. */
  static async open(
    config: LogpushS3ReceiverConfig,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<ObjectStore> {
    return new ObjectStore(await import('@aws-sdk/client-s3'), config, env);
  }

  private constructor(sdk: typeof S3, config: LogpushS3ReceiverConfig, env: NodeJS.ProcessEnv) {
    this.#sdk = sdk;
    this.bucket = config.bucket;
    this.prefix = config.prefix;
    this.#timeoutMs = config.request_timeout;
    const options: S3ClientConfig = {
      region:
        config.region !== ''
          ? config.region
          : (env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1'),
      forcePathStyle: config.force_path_style,
      // The receiver retries with its own backoff (and knows which faults are worth retrying); a few quick SDK
      // attempts absorb single hiccups.
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: Math.min(10_000, config.request_timeout),
        requestTimeout: config.request_timeout,
      },
      // Only what the request needs: stores other than AWS (GCS, older S3-compatible servers) reject the newer
      // default checksum headers, and ranged GETs cannot be checked against a whole-object checksum anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (config.endpoint !== '') options.endpoint = config.endpoint;
    if (config.access_key_id !== '') {
      options.credentials = {
        accessKeyId: config.access_key_id,
        secretAccessKey: config.secret_access_key,
        ...(config.session_token === '' ? {} : { sessionToken: config.session_token }),
      };
    }
    this.#client = new sdk.S3Client(options);
  }

  /** `s3://bucket/key`, the source name used in positions and dead letters. */
  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /**
   * One page of the listing under the prefix, in key order, after `startAfter`, continuing from `token`.
   * `signal` aborts it (besides the request timeout).
   */
  async listPage(
    startAfter: string,
    token: string | undefined,
    signal: AbortSignal,
  ): Promise<{ objects: ListedObject[]; next: string | undefined }> {
    const out = await this.#client.send(
      new this.#sdk.ListObjectsV2Command({
        Bucket: this.bucket,
        ...(this.prefix === '' ? {} : { Prefix: this.prefix }),
        ...(token === undefined
          ? startAfter === ''
            ? {}
            : { StartAfter: startAfter }
          : { ContinuationToken: token }),
      }),
      { abortSignal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]) },
    );
    const objects: ListedObject[] = [];
    for (const o of out.Contents ?? []) {
      if (o.Key === undefined) continue;
      objects.push({
        key: o.Key,
        etag: unquote(o.ETag),
        size: o.Size ?? 0,
        lastModified: o.LastModified?.getTime() ?? 0,
      });
    }
    const next = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    return { objects, next };
  }

  /**
   * Starts downloading `key` from byte `from` (0: the whole object), only if its ETag is still `etag` (else a
   * 'changed' fault). `signal` aborts the download.
   */
  async get(key: string, etag: string, from: number, signal: AbortSignal): Promise<ObjectBody> {
    const out = await this.#client.send(
      new this.#sdk.GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        IfMatch: `"${etag}"`,
        ...(from > 0 ? { Range: `bytes=${from}-` } : {}),
      }),
      { abortSignal: signal },
    );
    if (out.Body === undefined) throw new Error(`GetObject ${key}: no body`);
    return { body: out.Body as Readable, etag: unquote(out.ETag) };
  }

  /** The first bytes of `key` (up to `length`), for sniffing gzip and the format before a ranged GET. */
  async head(key: string, etag: string, length: number): Promise<Uint8Array> {
    const out = await this.#client.send(
      new this.#sdk.GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        IfMatch: `"${etag}"`,
        Range: `bytes=0-${length - 1}`,
      }),
      { abortSignal: AbortSignal.timeout(this.#timeoutMs) },
    );
    if (out.Body === undefined) return new Uint8Array();
    return out.Body.transformToByteArray();
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new this.#sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }), {
      abortSignal: AbortSignal.timeout(this.#timeoutMs),
    });
  }

  /** Tags `key` with `logpush-otel=done` (replacing its tag set). */
  async tagDone(key: string): Promise<void> {
    await this.#client.send(
      new this.#sdk.PutObjectTaggingCommand({
        Bucket: this.bucket,
        Key: key,
        Tagging: { TagSet: [{ Key: 'logpush-otel', Value: 'done' }] },
      }),
      { abortSignal: AbortSignal.timeout(this.#timeoutMs) },
    );
  }

  destroy(): void {
    this.#client.destroy();
  }
}
