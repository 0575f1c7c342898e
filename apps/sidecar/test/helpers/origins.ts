// Where each generated record sits (file and 1-based line), to check what a sidecar sent against a saved checkpoint.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export interface Origin {
  readonly file: string;
  readonly line: number;
}

/**
 * The origin of every line of `paths` (gzip by the `.gz` suffix), keyed by `keyOf(line)`; throws when a key is
 * missing or repeats, since the checks built on it need each record told apart.
 */
export async function originsOf(
  paths: readonly string[],
  keyOf: (line: string) => string | undefined,
): Promise<Map<string, Origin>> {
  const out = new Map<string, Origin>();
  for (const file of paths) {
    const bytes = await readFile(file);
    const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    text.split('\n').forEach((raw, i) => {
      if (raw === '') return;
      const key = keyOf(raw);
      if (key === undefined || out.has(key)) throw new Error(`no unique record key at ${file}:${i + 1}`);
      out.set(key, { file, line: i + 1 });
    });
  }
  return out;
}
