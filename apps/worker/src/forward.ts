// One OTLP/HTTP request: the protobuf ExportLogsServiceRequest gzip-compressed with CompressionStream, POSTed to
// the endpoint, and the answer classified.
import { decodeExportLogsResponse } from '@logpush-otel/otlp';
import type { Settings } from './config.ts';

/** How the backend answered one request. */
export type SendResult =
  | { readonly ok: true; readonly records: number; readonly rejected: number; readonly message: string }
  | {
      readonly ok: false;
      /** true: worth retrying later (429, 408, 5xx, network errors, timeouts). */
      readonly retryable: boolean;
      /** Seconds the backend asked to wait (Retry-After), if it said. */
      readonly retryAfter: number | undefined;
      readonly reason: string;
    };

/** gzip with the runtime's CompressionStream. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** POSTs one encoded request (`records` LogRecords) and classifies the answer. Never throws. */
export async function sendLogs(
  settings: Settings,
  message: Uint8Array,
  records: number,
): Promise<SendResult> {
  let response: Response;
  try {
    const body = await gzip(message);
    response = await fetch(settings.url, {
      method: 'POST',
      headers: {
        ...settings.headers,
        'content-type': 'application/x-protobuf',
        'content-encoding': 'gzip',
      },
      body,
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, retryable: true, retryAfter: undefined, reason: `OTLP request failed: ${reason}` };
  }
  const answer = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
  if (response.ok) {
    if (answer.length === 0) return { ok: true, records, rejected: 0, message: '' };
    const contentType = response.headers.get('content-type') ?? 'application/x-protobuf';
    try {
      const partial = decodeExportLogsResponse(answer, contentType);
      return { ok: true, records, rejected: partial.rejectedLogRecords, message: partial.errorMessage };
    } catch (error) {
      // Accepted (2xx) with a body that is no ExportLogsServiceResponse: delivered, but say so.
      return {
        ok: true,
        records,
        rejected: 0,
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }
  const text = new TextDecoder().decode(answer.subarray(0, 300));
  return {
    ok: false,
    retryable: isRetryableStatus(response.status),
    retryAfter: retryAfterSeconds(response.headers.get('retry-after')),
    reason: `OTLP endpoint answered ${response.status}${text === '' ? '' : `: ${text}`}`,
  };
}
