// The line and column of every key and list item of a parsed YAML document, by config path, so that a config
// issue (`receivers.logpush_file.directroy`) can point at the place in the file where it was written.
import { isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter } from 'yaml';
import type { SourcePoint } from '@logpush-otel/pipeline';

/**
 * Maps config paths to 1-based positions: `a.b` to the key `b` of mapping `a`, `a.list[2]` to the third item of
 * `a.list`. Keys that are not scalars (rare YAML) and aliases are skipped.
 */
export function keyPositions(document: Document, lineCounter: LineCounter): Map<string, SourcePoint> {
  const out = new Map<string, SourcePoint>();
  const at = (offset: number): SourcePoint => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const child = path === '' ? key : `${path}.${key}`;
        const range = pair.key.range;
        if (range !== null && range !== undefined) out.set(child, at(range[0]));
        walk(pair.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = `${path}[${i}]`;
        const range = (item as { range?: [number, number, number] | null } | null)?.range;
        if (range !== null && range !== undefined) out.set(child, at(range[0]));
        walk(item, child);
      });
    }
  };
  walk(document.contents, '');
  return out;
}
