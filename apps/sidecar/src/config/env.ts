// `${env:NAME}` substitution in configuration values, as in the OpenTelemetry Collector.
import { parse as parseYaml } from 'yaml';
import type { ConfigIssue } from '@logpush-otel/pipeline';

/** Environment variables, as `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

const reference = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}|\$\{([^}]*)\}/g;

/** The result of substituting one string. */
interface Substituted {
  readonly value: string;
  /** Names referenced without a default that are not set (they became ''). */
  readonly unset: string[];
  /** `${...}` forms that are not `${env:NAME}` or `${env:NAME:-default}`. */
  readonly invalid: string[];
}

function substituteString(text: string, env: Env): Substituted {
  const unset: string[] = [];
  const invalid: string[] = [];
  const value = text.replace(
    reference,
    (match, name: string | undefined, fallback: string | undefined, other) => {
      if (match === '$$') return '$';
      if (name === undefined) {
        invalid.push(`\${${String(other)}}`);
        return match;
      }
      const set = env[name];
      if (set !== undefined && set !== '') return set;
      if (fallback !== undefined) return fallback;
      if (set === undefined) unset.push(name);
      return '';
    },
  );
  return { value, unset, invalid };
}

const wholeReference = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*(?::-.*?)?\}$/;

/**
 * Replaces `${env:NAME}` (and `${env:NAME:-default}`, used when NAME is unset or empty) in every string of a
 * parsed YAML tree; `$$` stands for a literal `$`. A value that is exactly one reference is read as a YAML
 * scalar afterwards, so `${env:PORT}` set to `8080` is the number 8080 and `true` a boolean (other text, and digits that
 * a number would not hold exactly, stay strings). Keys are not substituted. Returns the new tree, the names that were referenced but unset (they became
 * empty strings) and where (`unsetAt`, by config path), and an issue for every other `${...}` form.
 */
export function substituteEnv(
  tree: unknown,
  env: Env,
): {
  value: unknown;
  unset: string[];
  issues: ConfigIssue[];
  unsetAt: ReadonlyMap<string, readonly string[]>;
} {
  const unset = new Set<string>();
  const unsetAt = new Map<string, string[]>();
  const issues: ConfigIssue[] = [];
  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('$')) return node;
      const s = substituteString(node, env);
      for (const n of s.unset) unset.add(n);
      if (s.unset.length > 0) unsetAt.set(path, s.unset);
      for (const form of s.invalid)
        issues.push({
          path: path === '' ? '(root)' : path,
          message: `expected \${env:NAME} or \${env:NAME:-default}, got ${JSON.stringify(form)} (write $$ for a literal $)`,
        });
      if (wholeReference.test(node.trim()) && s.value !== '') {
        try {
          const scalar: unknown = parseYaml(s.value);
          // numbers only when they print back the same (a long numeric API key must stay exact text)
          if (typeof scalar === 'boolean') return scalar;
          if (typeof scalar === 'number' && String(scalar) === s.value.trim()) return scalar;
        } catch {
          // not a scalar: keep the text
        }
      }
      return s.value;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${path}[${i}]`));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node))
        out[key] = walk(value, path === '' ? key : `${path}.${key}`);
      return out;
    }
    return node;
  };
  const value = walk(tree, '');
  return { value, unset: [...unset].sort(), issues, unsetAt };
}
