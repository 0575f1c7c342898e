// The sidecar's own log: one JSON object per line ({"level","time","msg",...fields}) on stderr.
import type { Logger } from '@logpush-otel/pipeline';
import type { LogLevel } from '../config/load.ts';
import { redactText } from '../config/redact.ts';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** An extra pass over every string of a log line (`key` is the field it sits in, '' for the message). */
export type LogScrub = (text: string, key: string) => string;

function jsonSafe(scrub: LogScrub | undefined): (key: string, value: unknown) => unknown {
  const clean = (text: string, key: string): string => {
    const redacted = redactText(text);
    return scrub === undefined ? redacted : scrub(redacted, key);
  };
  return (key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return clean(value.message, key);
    if (typeof value === 'string') return key === 'level' || key === 'time' ? value : clean(value, key);
    return value;
  };
}

/** Where log lines go (stderr by default); anything with a `write(text)` method. */
export interface LineSink {
  write(text: string): unknown;
}

/**
 * A {@link Logger} writing JSON lines at `level` and above to `sink`: `level`, `time` (RFC 3339, UTC, ms), `msg`,
 * then the fields (bigints as strings, errors as their message). Field names never override the first three. Every
 * string is printed through {@link redactText}: URL credentials and configured secrets never reach the log; `scrub`
 * then runs over each (the privacy text pass, when a privacy processor is configured).
 */
export function createJsonLogger(
  level: LogLevel = 'info',
  sink: LineSink = process.stderr,
  scrub?: LogScrub,
): Logger {
  const min = rank[level];
  const replacer = jsonSafe(scrub);
  const write =
    (lvl: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (rank[lvl] < min) return;
      const record: Record<string, unknown> = { level: lvl, time: new Date().toISOString(), msg };
      for (const [key, value] of Object.entries(fields ?? {})) if (!(key in record)) record[key] = value;
      sink.write(`${JSON.stringify(record, replacer)}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
