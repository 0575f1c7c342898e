// Where a configuration value came from: the file and the line and column of each key, and which `${env:NAME}`
// references were unset, so that every issue can point at the offending key in the YAML.
import type { ConfigIssue } from './errors.ts';

/** A line and column in a configuration file, both 1-based. */
export interface SourcePoint {
  readonly line: number;
  readonly column: number;
}

/**
 * What the loader knows about a configuration document's source: the file, the position of every key (by
 * config path: `receivers.logpush_file.directory`, list items as `service.pipelines.logs.processors[1]`) and the
 * `${env:NAME}` references that were unset at a path.
 */
export interface ConfigSource {
  /** The file name used in messages. */
  readonly file: string;
  /** The position of the key (or list item) at `path`, if the document has one there. */
  position(path: string): SourcePoint | undefined;
  /** The unset variables referenced by the value at `path` (none when all were set). */
  unsetEnv?(path: string): readonly string[];
}

/** `a.b[2].c` → `a.b[2]`, `a.b[2]` → `a.b`, `a` → ''. */
function parentPath(path: string): string {
  const dot = path.lastIndexOf('.');
  const bracket = path.lastIndexOf('[');
  const cut = Math.max(dot, bracket);
  return cut <= 0 ? '' : path.slice(0, cut);
}

/**
 * Adds the file, line and column to every issue that has none: the position of the issue's own path, or of its
 * nearest ancestor present in the file (a required key that is missing points at its section); just the file
 * when neither is in it. An issue about a value that came from an unset `${env:NAME}` says so.
 */
export function locateIssues(issues: readonly ConfigIssue[], source: ConfigSource): ConfigIssue[] {
  return issues.map((issue) => {
    let message = issue.message;
    const unset = source.unsetEnv?.(issue.path) ?? [];
    if (unset.length > 0 && !message.includes('is not set'))
      message += ` (${unset.map((n) => `\${env:${n}}`).join(', ')} ${unset.length === 1 ? 'is' : 'are'} not set)`;
    if (issue.line !== undefined) return message === issue.message ? issue : { ...issue, message };
    let at: SourcePoint | undefined;
    for (let path = issue.path; at === undefined && path !== ''; path = parentPath(path))
      at = source.position(path);
    if (at !== undefined) return { ...issue, message, file: source.file, line: at.line, column: at.column };
    // an environment variable (OTEL_EXPORTER_OTLP_ENDPOINT) is not in the file
    return /^[A-Z][A-Z0-9_]*$/.test(issue.path)
      ? { ...issue, message }
      : { ...issue, message, file: source.file };
  });
}
