import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildColoTable } from '../scripts/build-colo-table.ts';
import type { CloudflareLocation } from '../scripts/build-colo-table.ts';
import { coloTableText } from '../src/colo-table.ts';
import { enrichmentFactories } from '../src/index.ts';

describe('enrichmentFactories', () => {
  it('offers the nine processor types, each a processor with a stability', () => {
    expect(enrichmentFactories.map((f) => f.type)).toEqual([
      'geoip',
      'colo',
      'user_agent',
      'derived',
      'privacy',
      'indicators',
      'sample_weight',
      'filter',
      'sample',
    ]);
    for (const f of enrichmentFactories) {
      expect(f.kind).toBe('processor');
      expect(['development', 'alpha', 'beta', 'stable']).toContain(f.stability);
    }
  });

  it('accepts each default config except where the user must say something (databases, filter rules)', () => {
    const invalid = enrichmentFactories
      .filter((f) => !f.validate(f.defaultConfig(), `processors.${f.type}`).ok)
      .map((f) => f.type);
    expect(invalid).toEqual(['geoip', 'filter']);
  });

  it('refuses a config that is not a mapping, naming the path', () => {
    for (const f of enrichmentFactories) {
      const r = f.validate('yes', `processors.${f.type}`);
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.issues[0]).toEqual({
          path: `processors.${f.type}`,
          message: 'expected a mapping, got "yes"',
        });
    }
  });

  it('cannot be created without a next consumer', () => {
    const f = enrichmentFactories.find((x) => x.type === 'colo');
    const settings = {
      id: 'colo',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      metrics: {
        counter: () => ({ inc() {} }),
        gauge: () => ({ set() {}, inc() {}, dec() {} }),
        histogram: () => ({ observe() {} }),
      },
      deadLetters: { write: () => Promise.resolve() },
    };
    expect(() => f?.create(settings, f.defaultConfig(), undefined)).toThrow(/expected a next consumer/);
  });
});

describe('build-colo-table script', () => {
  const locations = JSON.parse(
    readFileSync(new URL('./fixtures/colo/locations.json', import.meta.url), 'utf8'),
  ) as CloudflareLocation[];

  it('reproduces the shipped table from an empty list', () => {
    expect(buildColoTable(coloTableText, [])).toBe(
      readFileSync(new URL('../src/colo-table.ts', import.meta.url), 'utf8'),
    );
  });

  it('adds new codes and updates known ones from Cloudflare’s list', () => {
    const out = buildColoTable(coloTableText, locations);
    expect(out).toContain('\nSJC|San Jose|US|37.3626|-121.929\n');
    expect(out).toContain('\nZZA|Testville|ZZ|10.5|-20.25\n');
    expect(out).toContain('\nLHR|London|GB|51.47|-0.4543\n');
  });

  it('names the entry it cannot use', () => {
    expect(() => buildColoTable('', [{ iata: 'SJ', lat: 0, lon: 0, cca2: 'US', city: 'x' }])).toThrow(
      /location 0: expected/,
    );
  });
});
