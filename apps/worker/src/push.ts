// One Logpush push, streamed: body → (gunzip) → parser → mapping → OTLP requests of bounded size, at most two in
// flight. Only a bounded slice of the batch is held as objects at any time.
import { createMapper, encodeLogsProto } from '@logpush-otel/otlp';
import { detectInput, parseBatches } from '@logpush-otel/parser';
import type { ParseError, ParseOk, ParseSummary } from '@logpush-otel/parser';
import type { LogEntry } from '@logpush-otel/pipeline';
import type { DeadLetterBucket, Settings } from './config.ts';
import { sendLogs } from './forward.ts';
import type { SendResult } from './forward.ts';

const MAX_IN_FLIGHT = 2;
/** Rejected lines logged one by one (the rest only counted in the summary line). */
const MAX_LOGGED_REJECTIONS = 50;
/** Rejections listed in the response. */
const MAX_REPORTED_REJECTIONS = 20;
/** Bytes of rejected lines kept for the dead-letter object. */
const MAX_DEAD_LETTER_BYTES = 8 * 1024 * 1024;
/** Seconds Logpush is asked to wait when the backend did not say. */
export const DEFAULT_RETRY_AFTER = 30;

/** What the Worker answers about one push (also logged). */
export interface PushReport {
  /** Dataset as detected or given (`unknown` when no dataset matched). */
  dataset: string;
  /** Records read. */
  records: number;
  /** Records the backend acknowledged (partial-success rejections included, see `backendRejected`). */
  delivered: number;
  /** OTLP requests sent. */
  requests: number;
  /** Lines that could not be read (not delivered; kept in `deadLetters` when an R2 bucket is bound). */
  rejected: number;
  /** Records the backend refused in a partial success. */
  backendRejected: number;
  /** The first rejections: `line N (byte B): reason`. */
  errors: string[];
  /** true for Cloudflare's `{"content":"tests"}` validation push (not forwarded). */
  validation: boolean;
  /** R2 key of the dead-letter object, when one was written. */
  deadLetters?: string;
  /** Why the push was not accepted. */
  error?: string;
}

/** The Worker's answer to a push. */
export interface PushOutcome {
  readonly status: number;
  readonly retryAfter: number | undefined;
  readonly report: PushReport;
}

/** The request body as decompressed chunks: gunzipped with DecompressionStream when it starts with gzip's magic. */
export async function* decompressed(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const source = body.getReader();
  let head = new Uint8Array(0);
  // Two bytes decide; a body may arrive one byte at a time.
  while (head.length < 2) {
    const r = await source.read();
    if (r.done) break;
    const joined = new Uint8Array(head.length + r.value.length);
    joined.set(head);
    joined.set(r.value, head.length);
    head = joined;
  }
  if (head.length === 0) return;
  const first = head;
  const raw = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(first);
    },
    async pull(controller) {
      const r = await source.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel(reason) {
      return source.cancel(reason);
    },
  });
  const stream = detectInput(first).gzip ? raw.pipeThrough(new DecompressionStream('gzip')) : raw;
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

/** Cloudflare's destination check when a job is created: one gzipped `{"content":"tests"}`. */
function isValidationRecord(r: ParseOk): boolean {
  const keys = Object.keys(r.record);
  return keys.length === 1 && keys[0] === 'content' && r.record.content === 'tests';
}

function rejectionText(e: ParseError): string {
  return `line ${e.line} (byte ${e.offset}): ${e.code}: ${e.reason}${e.field === undefined ? '' : ` [field ${e.field}]`}`;
}

/**
 * Reads, converts and forwards one push. Resolves with 200 once every OTLP request was acknowledged; 503 with a
 * Retry-After when the backend is unreachable, throttles or fails (Logpush retries the whole batch, so records
 * already delivered may arrive twice); 502 when the backend refused a request for good; 400 when the body itself
 * is truncated or not readable. Lines that cannot be read are counted, logged, reported and (with an R2 bucket)
 * kept; the rest is delivered.
 */
export async function processPush(
  body: ReadableStream<Uint8Array>,
  dataset: string,
  settings: Settings,
  deadLetterBucket: DeadLetterBucket | undefined,
): Promise<PushOutcome> {
  const map = createMapper(settings.mapping);
  const report: PushReport = {
    dataset,
    records: 0,
    delivered: 0,
    requests: 0,
    rejected: 0,
    backendRejected: 0,
    errors: [],
    validation: false,
  };
  const deadLetters: string[] = [];
  let deadLetterBytes = 0;
  let failure: Extract<SendResult, { ok: false }> | undefined;
  const inFlight: Promise<void>[] = [];
  let pending: LogEntry[] = [];
  let pendingBytes = 0;

  const account = (r: SendResult): void => {
    if (r.ok) {
      report.delivered += r.records;
      report.backendRejected += r.rejected;
      if (r.rejected > 0 || r.message !== '') {
        console.warn(
          JSON.stringify({ msg: 'partial success', rejected: r.rejected, message: r.message, dataset }),
        );
      }
    } else {
      failure ??= r;
    }
  };
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const message = encodeLogsProto(pending);
    const count = pending.length;
    pending = [];
    pendingBytes = 0;
    report.requests++;
    inFlight.push(sendLogs(settings, message, count).then(account));
    while (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
  };
  const reject = (e: ParseError): void => {
    report.rejected++;
    const text = rejectionText(e);
    if (report.errors.length < MAX_REPORTED_REJECTIONS) report.errors.push(text);
    if (report.rejected <= MAX_LOGGED_REJECTIONS) {
      console.warn(JSON.stringify({ msg: 'rejected line', dataset, error: text, excerpt: e.excerpt }));
    }
    const line = JSON.stringify({
      line: e.line,
      offset: e.offset,
      code: e.code,
      reason: e.reason,
      raw: e.raw,
    });
    if (deadLetterBucket !== undefined && deadLetterBytes + line.length <= MAX_DEAD_LETTER_BYTES) {
      deadLetters.push(line);
      deadLetterBytes += line.length + 1;
    }
  };

  const batches = parseBatches(decompressed(body), { dataset, source: 'push' });
  let summary: ParseSummary | undefined;
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done === true) {
        summary = next.value;
        break;
      }
      // Workers' clock moves only between I/O: one observed time per decompressed chunk.
      const observed = BigInt(Date.now()) * 1_000_000n;
      for (const r of next.value) {
        if (!r.ok) {
          if (
            r.error.code === 'truncated-gzip' ||
            r.error.code === 'corrupt-gzip' ||
            r.error.code === 'read-error'
          )
            report.error = `the body could not be read: ${r.error.reason}`;
          reject(r.error);
          continue;
        }
        if (report.records === 0 && report.dataset !== r.dataset) report.dataset = r.dataset;
        if (isValidationRecord(r)) {
          report.validation = true;
          continue;
        }
        report.records++;
        const entry: LogEntry = {
          dataset: r.dataset,
          record: r.record,
          timeUnixNano: r.timeUnixNano,
          observedUnixNano: observed,
          raw: r.raw,
          position: { source: 'push', line: r.line, offset: r.offset },
          attributes: {},
        };
        map(entry);
        pending.push(entry);
        pendingBytes += r.nextOffset - r.offset;
        if (pending.length >= settings.maxRecords || pendingBytes >= settings.maxBytes) await flush();
        if (failure !== undefined) break;
      }
      if (failure !== undefined) break;
    }
    if (failure === undefined) await flush();
  } finally {
    if (summary === undefined) await batches.return(undefined as never).catch(() => undefined);
    await Promise.all(inFlight);
  }

  if (deadLetterBucket !== undefined && deadLetters.length > 0) {
    const key = `dead-letters/${new Date().toISOString().slice(0, 10)}/${crypto.randomUUID()}.ndjson`;
    try {
      await deadLetterBucket.put(key, `${deadLetters.join('\n')}\n`, {
        httpMetadata: { contentType: 'application/x-ndjson' },
      });
      report.deadLetters = key;
    } catch (error) {
      console.error(JSON.stringify({ msg: 'dead letters not written', key, error: String(error) }));
    }
  }

  const f = failure;
  let status = 200;
  let retryAfter: number | undefined;
  if (f !== undefined) {
    report.error = f.reason;
    status = f.retryable ? 503 : 502;
    if (f.retryable) retryAfter = f.retryAfter ?? DEFAULT_RETRY_AFTER;
  } else if (report.error !== undefined) {
    status = 400;
  }
  console.log(JSON.stringify({ msg: 'push', status, ...report, errors: report.errors.slice(0, 5) }));
  return { status, retryAfter, report };
}
