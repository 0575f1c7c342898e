import type { Attributes, LogEntry, LogpushRecord, ProcessorFactory } from '@logpush-otel/pipeline';
import { ConfigReader, Double } from '@logpush-otel/pipeline';
import { toUnixNano } from '@logpush-otel/schema';
import { entryProcessor } from './processor.ts';
import { toNumber } from './values.ts';

/** Attribute keys the derived processor writes. Durations are milliseconds, as the `_ms` suffix says. */
export const derivedAttributes = {
  /** EdgeEndTimestamp − EdgeStartTimestamp, milliseconds (double; ns precision when the job sends unixnano). */
  edgeDurationMs: 'cloudflare.http_requests.edge_duration_ms',
  /** OriginResponseDurationMs, or the legacy OriginResponseTime (ns) converted to milliseconds. */
  originDurationMs: 'cloudflare.http_requests.origin_duration_ms',
  /** DisconnectTimestamp − ConnectTimestamp of a Spectrum connection, milliseconds. */
  connectionDurationMs: 'cloudflare.spectrum_events.connection_duration_ms',
  /** `1xx` … `5xx` from EdgeResponseStatus. */
  statusClass: 'cloudflare.status_class',
  /** true when CacheCacheStatus says the response came from cache (hit, stream_hit, stale, updating, revalidated). */
  cacheHit: 'cloudflare.cache.hit',
  /** `automated` (score 1), `likely_automated` (below the threshold), `likely_human`; none for score 0. */
  botBand: 'cloudflare.bot.band',
  /** Semconv: `bot` for Cloudflare-verified bots (BotScoreSrc `Verified Bot` or a VerifiedBotCategory). */
  syntheticType: 'user_agent.synthetic.type',
  /** Semconv: the failing status code as a string (HTTP 5xx; Spectrum error codes), or the Spectrum error event. */
  errorType: 'error.type',
} as const;

/** Options of {@link deriveFields}. */
export interface DeriveOptions {
  /** BotScore below this (and above 1) is `likely_automated`. Default 30, Cloudflare's own cut-off. */
  botThreshold?: number;
}

const CACHE_HIT = new Set(['hit', 'stream_hit', 'stale', 'updating', 'revalidated']);
const CACHE_NOT_HIT = new Set(['miss', 'expired', 'bypass', 'dynamic', 'ignored', 'deferred']);
const SPECTRUM_OK = new Set([0, 200]);
const SPECTRUM_ERROR_EVENTS = new Set(['tlsError', 'originError', 'resolveOrigin', 'clientFiltered']);

function durationMs(start: unknown, end: unknown): Double | undefined {
  const s = toUnixNano(start);
  const e = toUnixNano(end);
  if (s === undefined || e === undefined || e < s) return undefined;
  return new Double(Number(e - s) / 1e6);
}

/**
 * Fields computed from a record of `dataset`: durations (ms), status class, cache hit, bot band, error.type.
 * Values Cloudflare leaves out give no attribute; a malformed timestamp throws TimestampError (the processor
 * counts it and passes the record on).
 */
export function deriveFields(
  record: LogpushRecord,
  dataset: string,
  options: DeriveOptions = {},
): Attributes {
  const out: Attributes = {};
  const threshold = options.botThreshold ?? 30;
  const base = dataset.split('@')[0];

  if (record.EdgeStartTimestamp !== undefined && record.EdgeEndTimestamp !== undefined) {
    const d = durationMs(record.EdgeStartTimestamp, record.EdgeEndTimestamp);
    if (d !== undefined) out[derivedAttributes.edgeDurationMs] = d;
  }
  if (
    base === 'spectrum_events' &&
    record.ConnectTimestamp !== undefined &&
    record.DisconnectTimestamp !== undefined
  ) {
    const d = durationMs(record.ConnectTimestamp, record.DisconnectTimestamp);
    if (d !== undefined) out[derivedAttributes.connectionDurationMs] = d;
  }

  // Origin time: 0 together with OriginResponseStatus 0 means "no origin request", not "0 ms".
  const originStatus = toNumber(record.OriginResponseStatus);
  if (originStatus !== 0) {
    const ms = toNumber(record.OriginResponseDurationMs);
    const ns = toNumber(record.OriginResponseTime);
    if (ms !== undefined && (ms > 0 || originStatus !== undefined))
      out[derivedAttributes.originDurationMs] = ms;
    else if (ns !== undefined && (ns > 0 || originStatus !== undefined)) {
      out[derivedAttributes.originDurationMs] = new Double(ns / 1e6);
    }
  }

  const status = toNumber(record.EdgeResponseStatus);
  if (status !== undefined && status >= 100 && status <= 599) {
    out[derivedAttributes.statusClass] = `${Math.floor(status / 100)}xx`;
    if (status >= 500) out[derivedAttributes.errorType] = String(status);
  }
  if (base === 'spectrum_events') {
    const s = toNumber(record.Status);
    const event = record.Event;
    if (s !== undefined && !SPECTRUM_OK.has(s) && s >= 400) out[derivedAttributes.errorType] = String(s);
    else if (typeof event === 'string' && SPECTRUM_ERROR_EVENTS.has(event))
      out[derivedAttributes.errorType] = event;
  }

  const cache = record.CacheCacheStatus;
  if (typeof cache === 'string') {
    const c = cache.toLowerCase();
    if (CACHE_HIT.has(c)) out[derivedAttributes.cacheHit] = true;
    else if (CACHE_NOT_HIT.has(c)) out[derivedAttributes.cacheHit] = false;
  }

  const score = toNumber(record.BotScore);
  if (score !== undefined && score >= 1) {
    out[derivedAttributes.botBand] =
      score <= 1 ? 'automated' : score < threshold ? 'likely_automated' : 'likely_human';
  }
  const category = record.VerifiedBotCategory;
  if (record.BotScoreSrc === 'Verified Bot' || (typeof category === 'string' && category !== '')) {
    out[derivedAttributes.syntheticType] = 'bot';
  }
  return out;
}

/** Adds {@link deriveFields} of the entry's record to `entry.attributes`. */
export function enrichDerived(entry: LogEntry, options: DeriveOptions = {}): void {
  Object.assign(entry.attributes, deriveFields(entry.record, entry.dataset, options));
}

/** Config of the `derived` processor. */
export interface DerivedConfig {
  bot_threshold: number;
}

/** `derived` processor: durations, status class, cache hit, bot band and error.type from the record's fields. */
export const derivedProcessorFactory: ProcessorFactory<DerivedConfig> = {
  type: 'derived',
  kind: 'processor',
  stability: 'beta',
  defaultConfig: () => ({ bot_threshold: 30 }),
  validate(config, path) {
    const r = new ConfigReader(config, path);
    const botThreshold = r.number('bot_threshold', 30, { integer: true, min: 2, max: 99 });
    return r.finish({ bot_threshold: botThreshold });
  },
  create(settings, config, next) {
    const options = { botThreshold: config.bot_threshold };
    return entryProcessor(settings, next, (entry) => enrichDerived(entry, options));
  },
};
