// Time in generated records: request times as JSON text in each Logpush `timestamp_format`, and HTTP dates.

/** Logpush `timestamp_format` values the generator writes. */
export type TimestampFormat = 'unixnano' | 'unix' | 'rfc3339' | 'rfc3339ns';

/** Mean gap between consecutive requests, in nanoseconds. */
export const GAP_NS = 1_000_000;

function pad9(n: number): string {
  return n >= 100_000_000 ? String(n) : String(n).padStart(9, '0');
}

export class Clock {
  readonly format: TimestampFormat;
  readonly startSec: number;
  readonly startNs: number;
  private cachedSec = -1;
  private cachedIso = '';
  constructor(format: TimestampFormat, start: bigint) {
    this.format = format;
    this.startSec = Number(start / 1_000_000_000n);
    this.startNs = Number(start % 1_000_000_000n);
  }
  private iso(sec: number): string {
    if (sec !== this.cachedSec) {
      this.cachedSec = sec;
      this.cachedIso = new Date(sec * 1000).toISOString().slice(0, 19);
    }
    return this.cachedIso;
  }
  /** JSON text of the timestamp `offsetNs` after the start, in the configured format. */
  json(offsetNs: number): string {
    const total = this.startNs + offsetNs;
    const carry = Math.floor(total / 1e9);
    const sec = this.startSec + carry;
    const ns = total - carry * 1e9;
    switch (this.format) {
      case 'unixnano':
        return sec === 0 ? String(ns) : `${sec}${pad9(ns)}`;
      case 'unix':
        return String(sec);
      case 'rfc3339':
        return `"${this.iso(sec)}Z"`;
      case 'rfc3339ns':
        return `"${this.iso(sec)}.${pad9(ns)}Z"`;
    }
  }
  /** Whole seconds since the epoch of the timestamp `offsetNs` after the start. */
  seconds(offsetNs: number): number {
    return this.startSec + Math.floor((this.startNs + offsetNs) / 1e9);
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** RFC 1123 date as origins send in Expires / Last-Modified. */
export function httpDate(sec: number): string {
  const d = new Date(sec * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
}
