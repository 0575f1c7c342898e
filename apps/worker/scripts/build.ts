// Bundles the Worker (src/index.ts and the workspace packages it imports, from their TypeScript sources) into
// dist/worker.js, the one module `wrangler deploy` uploads (wrangler.jsonc: `no_bundle`, `build.command`).
//
//   node scripts/build.ts   build, print the bundle size (`wrangler deploy` runs it first, see wrangler.jsonc)
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

export const bundlePath = fileURLToPath(new URL('../dist/worker.js', import.meta.url));

/**
 * `@logpush-otel/otlp` names its instrumentation scope after its package.json, which it reads from disk when
 * loaded; a Worker has no such file. This plugin replaces that module with the same `defaultScope`, its name and
 * version read at build time.
 */
const scopeFromPackageJson: Plugin = {
  name: 'otlp-scope-at-build-time',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/]otlp[\\/]src[\\/]scope\.ts$/ }, (args) => {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', pathToFileURL(args.path)), 'utf8')) as {
        name: string;
        version: string;
      };
      const scope = JSON.stringify({ name: pkg.name, version: pkg.version });
      return {
        contents: `export const defaultScope = Object.freeze(${scope});`,
        loader: 'ts',
      };
    });
  },
};

/** What {@link buildWorker} wrote. */
export interface BuildResult {
  readonly path: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** Bundles the Worker into dist/worker.js (minified unless `minify: false`). */
export async function buildWorker(options: { minify?: boolean } = {}): Promise<BuildResult> {
  await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    outfile: bundlePath,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    // The workspace packages export their TypeScript sources under this condition (see their package.json).
    conditions: ['logpush-otel-source', 'workerd', 'worker', 'import', 'default'],
    mainFields: ['module', 'main'],
    // node:* modules are provided by workerd (compatibility flag nodejs_compat).
    external: ['node:*'],
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [scopeFromPackageJson],
  });
  const bytes = statSync(bundlePath).size;
  return { path: bundlePath, bytes, gzipBytes: gzipSync(readFileSync(bundlePath)).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await buildWorker();
  console.log(
    `dist/worker.js: ${(result.bytes / 1024).toFixed(1)} KiB (${(result.gzipBytes / 1024).toFixed(1)} KiB gzip)`,
  );
}
