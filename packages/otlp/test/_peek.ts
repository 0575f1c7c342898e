import { createMapper } from '../src/index.ts';
import { fixtureEntries } from './helpers.ts';
const ids = process.argv.slice(2);
for (const id of ids) {
  const map = createMapper();
  for (const e of fixtureEntries(id)) {
    map(e);
    console.log(id, e.log?.severityNumber, e.log?.severityText, JSON.stringify(e.log?.body));
    if (process.env.ATTRS) console.log('  ', JSON.stringify(e.log?.attributes, (_k, v) => typeof v === 'bigint' ? `${v}n` : v), JSON.stringify(e.resource?.attributes));
  }
}
