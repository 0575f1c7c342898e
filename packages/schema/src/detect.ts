import { datasetData } from './generated/datasets.ts';

/** The answer of {@link detectDataset} when the keys do not single out one dataset. */
export const UNKNOWN_DATASET = 'unknown';

const ids: string[] = datasetData.map((d) => d.id);
/** field name → indexes (into `ids`) of the datasets that have it (fields, legacy fields, changelog additions). */
const owners = new Map<string, number[]>();
datasetData.forEach((d, i) => {
  const names = new Set([...d.fields.map((f) => f.name), ...(d.changelogAdditions ?? [])]);
  for (const name of names) {
    const list = owners.get(name);
    if (list) list.push(i);
    else owners.set(name, [i]);
  }
});
/** Index of the zone twin of an account-scope dataset with the same Logpush id ('firewall_events@account'). */
const zoneTwin: (number | undefined)[] = datasetData
  .map((d) => (d.scope === 'account' ? ids.indexOf(d.datasetId) : undefined))
  .map((i) => (i === undefined || i < 0 ? undefined : i));

/**
 * Tells which Logpush dataset a record comes from by its keys (case-sensitive), or 'unknown' when unsure.
 *
 * Rule: keys that no dataset knows are ignored. Every dataset scores `hits - 2 × misses`, where hits are the
 * record's known keys it has and misses the record's known keys it lacks. The single best score wins. A tie means
 * 'unknown' (a record of only common fields such as ClientIP, RayID), except a tie between the zone and account
 * variants of one dataset, which goes to the zone variant: the account variant is chosen only when a key that
 * only it has is present (`ZoneName` for firewall_events@account). Also 'unknown' when the best score is below 1
 * (no known key, or more foreign keys than own).
 */
export function detectDataset(keys: readonly string[]): string {
  const hits = new Array<number>(ids.length).fill(0);
  let known = 0;
  for (const key of keys) {
    const list = owners.get(key);
    if (list === undefined) continue;
    known++;
    for (const i of list) hits[i] = (hits[i] ?? 0) + 1;
  }
  if (known === 0) return UNKNOWN_DATASET;
  let best = -Infinity;
  let winners: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const h = hits[i] ?? 0;
    const score = h - 2 * (known - h);
    if (score > best) {
      best = score;
      winners = [i];
    } else if (score === best) winners.push(i);
  }
  if (best < 1) return UNKNOWN_DATASET;
  if (winners.length === 2) {
    const [a = 0, b = 0] = winners;
    if (zoneTwin[a] === b) return ids[b] ?? UNKNOWN_DATASET;
    if (zoneTwin[b] === a) return ids[a] ?? UNKNOWN_DATASET;
  }
  return winners.length === 1 ? (ids[winners[0] ?? -1] ?? UNKNOWN_DATASET) : UNKNOWN_DATASET;
}
