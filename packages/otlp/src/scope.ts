import { readFileSync } from 'node:fs';

/** The InstrumentationScope of the emitted records. */
export interface Scope {
  name: string;
  version: string;
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

/** `{ name: '@logpush-otel/otlp', version: <this package's version> }`. */
export const defaultScope: Scope = Object.freeze({ name: pkg.name, version: pkg.version });
