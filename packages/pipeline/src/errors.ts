/**
 * A failure that retrying cannot fix (a 400 from the backend, a record the backend rejects, invalid data).
 * A consumer that rejects with a PermanentError tells its caller: do not retry; the entries named in
 * `entries` (or all of them when it is undefined) should go to the dead-letter store with `message` as the reason.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly entries: readonly number[] | undefined;
  constructor(message: string, options?: { cause?: unknown; entries?: readonly number[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.entries = options?.entries;
  }
}

/** Whether `error` is a {@link PermanentError} (also across package copies). */
export function isPermanentError(error: unknown): error is PermanentError {
  return error instanceof PermanentError || (error instanceof Error && error.name === 'PermanentError');
}

/** A problem in a component's configuration, at `path` (e.g. `exporters.otlp.endpoint`). */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  /** The configuration file, when the issue was located in one. */
  readonly file?: string;
  /** 1-based line and column of the offending key in `file`. */
  readonly line?: number;
  readonly column?: number;
}

/** One issue as one line: `file:line:column: path: message` (as much of the location as is known). */
export function formatIssue(issue: ConfigIssue): string {
  const where =
    issue.file === undefined
      ? ''
      : issue.line === undefined
        ? `${issue.file}: `
        : `${issue.file}:${issue.line}:${issue.column ?? 1}: `;
  return `${where}${issue.path}: ${issue.message}`;
}

/** Thrown when a configuration is invalid; lists every issue, each with its path and what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => formatIssue(i)).join('\n'));
    this.issues = issues;
  }
}
