// The wait before a retry: exponential growth from an initial interval up to a ceiling, spread by a random factor
// so that many retries do not line up. Used by the logpush_file receiver (re-reads) and the otlp exporter (resends).

/** How waits grow between attempts. */
export interface BackoffPolicy {
  /** Wait before the first retry, in ms. */
  readonly initial: number;
  /** Longest wait, in ms (before the random spread). */
  readonly max: number;
  /** Growth per attempt (2 doubles the wait). */
  readonly multiplier: number;
  /** Spread: the wait is multiplied by a random factor in [1 - randomization, 1 + randomization). */
  readonly randomization: number;
}

/** Wait in ms before retry number `attempt` (1 = the first retry). `random` returns a number in [0, 1). */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    policy.max,
    policy.initial * policy.multiplier ** Math.min(Math.max(attempt - 1, 0), 64),
  );
  return base * (1 + policy.randomization * (2 * random() - 1));
}
