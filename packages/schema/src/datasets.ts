import { resolveDatasetAlias } from './aliases.ts';
import { datasetData } from './generated/datasets.ts';
import type { DatasetSchema, FieldSchema } from './types.ts';

function build(): Readonly<Record<string, DatasetSchema>> {
  const out: Record<string, DatasetSchema> = {};
  for (const d of datasetData) {
    const fieldsByName = new Map<string, FieldSchema>();
    for (const f of d.fields) fieldsByName.set(f.name, f);
    out[d.id] = Object.freeze({ ...d, fieldsByName });
  }
  return Object.freeze(out);
}

/**
 * Every Logpush dataset of Cloudflare's catalog keyed by id ('http_requests', 'firewall_events@account', ...),
 * with the seed tables' legacy fields added (`legacy: true`). Generated data; never mutate.
 */
export const datasets: Readonly<Record<string, DatasetSchema>> = build();

/** Every dataset id, in sorted order. */
export const datasetIds: readonly string[] = Object.freeze(Object.keys(datasets));

/**
 * Looks up a dataset by its id ('http_requests', 'websocket_analytics@account') or by an alias such as Panther's
 * 'Cloudflare.HttpRequest'; undefined when neither is known.
 */
export function getDataset(idOrAlias: string): DatasetSchema | undefined {
  if (Object.hasOwn(datasets, idOrAlias)) return datasets[idOrAlias];
  const id = resolveDatasetAlias(idOrAlias);
  return id === undefined ? undefined : datasets[id];
}
