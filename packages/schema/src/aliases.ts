/**
 * Log-type names other tools use for Cloudflare datasets, mapped to Logpush dataset ids.
 * Panther names its tables `Cloudflare.HttpRequest`, `Cloudflare.Firewall` and `Cloudflare.Spectrum`.
 */
export const datasetAliases = {
  'Cloudflare.HttpRequest': 'http_requests',
  'Cloudflare.Firewall': 'firewall_events',
  'Cloudflare.Spectrum': 'spectrum_events',
} as const satisfies Record<string, string>;

/** Resolves a dataset id or a known alias to the Logpush dataset id; returns undefined for unknown names. */
export function resolveDatasetAlias(name: string): string | undefined {
  if (Object.hasOwn(datasetAliases, name)) return datasetAliases[name as keyof typeof datasetAliases];
  return undefined;
}
