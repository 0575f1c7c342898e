import { describe, expect, it } from 'vitest';
import { resolveDatasetAlias } from '../src/index.ts';

describe('resolveDatasetAlias', () => {
  it('accepts the Panther log-type names', () => {
    expect(resolveDatasetAlias('Cloudflare.HttpRequest')).toBe('http_requests');
    expect(resolveDatasetAlias('Cloudflare.Firewall')).toBe('firewall_events');
    expect(resolveDatasetAlias('Cloudflare.Spectrum')).toBe('spectrum_events');
  });
  it('does not resolve inherited object keys or unknown names', () => {
    expect(resolveDatasetAlias('toString')).toBeUndefined();
    expect(resolveDatasetAlias('Cloudflare.Nope')).toBeUndefined();
  });
});
