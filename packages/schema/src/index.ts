export { datasetAliases, resolveDatasetAlias } from './aliases.ts';
