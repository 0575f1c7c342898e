// The JSON Schema shipped in config.schema.json: generated from the components' validation, it accepts every
// shipped example and the README's configuration snippets, and refuses what the decoder refuses.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.ts';
import { configSchema } from '../src/config/schema.ts';
import { createSidecarRegistry } from '../src/registry.ts';

const registry = createSidecarRegistry();
const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const shipped = JSON.parse(readFileSync(new URL('../config.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(shipped);

function errors(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** The example configurations: the files, and the config.yaml of the Kubernetes ConfigMap. */
function examples(): { name: string; text: string }[] {
  const out = ['examples/config.yaml', 'examples/docker/config.yaml'].map((name) => ({
    name,
    text: readFileSync(root(name), 'utf8'),
  }));
  for (const doc of parseAllDocuments(readFileSync(root('examples/kubernetes/sidecar.yaml'), 'utf8'))) {
    const object = doc.toJS() as { kind?: string; data?: Record<string, string> };
    const text = object.data?.['config.yaml'];
    if (object.kind === 'ConfigMap' && text !== undefined)
      out.push({ name: 'examples/kubernetes/sidecar.yaml (ConfigMap)', text });
  }
  return out;
}

/** The ```yaml blocks of the READMEs that are configuration files (every top-level key is a config section). */
function readmeConfigs(): { name: string; doc: Record<string, unknown> }[] {
  const sections = new Set(['receivers', 'processors', 'exporters', 'service', 'storage']);
  const out: { name: string; doc: Record<string, unknown> }[] = [];
  for (const file of ['README.md', 'apps/sidecar/README.md', 'packages/enrichment/README.md']) {
    const text = readFileSync(root(file), 'utf8');
    let i = 0;
    for (const m of text.matchAll(/```yaml\n([\s\S]*?)```/g)) {
      i++;
      let doc: unknown;
      try {
        doc = parseYaml(m[1] ?? '');
      } catch {
        continue;
      }
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) continue;
      const keys = Object.keys(doc);
      if (keys.length > 0 && keys.every((k) => sections.has(k)))
        out.push({ name: `${file} yaml block ${i}`, doc: doc as Record<string, unknown> });
    }
  }
  return out;
}

describe('config.schema.json', () => {
  it('is what the components declare today (regenerate with npm run generate:schema -w logpush-otel)', () => {
    expect(shipped).toEqual(JSON.parse(JSON.stringify(configSchema(registry))));
  });

  it('accepts every example configuration', () => {
    const found = examples();
    expect(found.map((e) => e.name)).toHaveLength(3);
    for (const { name, text } of found) expect(errors(parseYaml(text)), name).toEqual([]);
  });

  it("accepts the README's configuration snippets (full files, or sections of one)", () => {
    const snippets = readmeConfigs();
    expect(snippets.length).toBeGreaterThan(0);
    const partial = ajv.compile({ ...shipped, required: [] });
    for (const { name, doc } of snippets) {
      const ok = partial(doc);
      expect(ok ? [] : partial.errors, name).toEqual([]);
    }
  });

  const base = `receivers:
  logpush_file: { directory: /logs }
exporters:
  otlp: { endpoint: http://collector:4318 }
service:
  pipelines:
    logs: { receivers: [logpush_file], exporters: [otlp] }
`;
  const bad: Record<string, string> = {
    'a misspelt key': base.replace('directory: /logs', 'directroy: /logs'),
    'a bare number as a duration': base.replace('directory: /logs', 'directory: /logs, poll_interval: 1000'),
    'a duration without unit grammar': base.replace('{ endpoint:', '{ timeout: soon, endpoint:'),
    'an unknown component type': base.replace('receivers:\n', 'receivers:\n  kafka: {}\n'),
    'a value outside its enum': base.replace('{ endpoint:', '{ compression: zstd, endpoint:'),
    'a number out of range': base.replace('{ endpoint:', '{ compression_level: 12, endpoint:'),
    'an unknown top-level key': `${base}extensions: {}\n`,
    'an unknown key in a nested section': base.replace(
      '{ endpoint:',
      '{ retry_on_failure: { tries: 3 }, endpoint:',
    ),
  };
  for (const [what, text] of Object.entries(bad)) {
    it(`refuses ${what}, as the decoder does`, () => {
      expect(parseConfig(text, { registry, env: {} }).ok).toBe(false);
      expect(errors(parseYaml(text))).not.toEqual([]);
    });
  }

  it('accepts ${env:NAME} wherever a typed value goes, and the forms the decoder accepts', () => {
    const text = base
      .replace(
        'directory: /logs',
        'directory: /logs, poll_interval: 1d, max_line_bytes: 2MiB, watch: "${env:WATCH}"',
      )
      .replace(
        '{ endpoint:',
        '{ timeout: "${env:TIMEOUT:-5s}", concurrency: "${env:CONCURRENCY}", endpoint:',
      );
    expect(errors(parseYaml(text))).toEqual([]);
    const loaded = parseConfig(text, { registry, env: { WATCH: 'false', CONCURRENCY: '8' } });
    expect(loaded.ok).toBe(true);
  });
});
