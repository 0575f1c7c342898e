export { datasetAliases, resolveDatasetAlias } from './aliases.ts';
export { datasetIds, datasets, getDataset } from './datasets.ts';
export { UNKNOWN_DATASET, detectDataset } from './detect.ts';
export { TimestampError, formatRfc3339Nano, toUnixNano, unitForDigits } from './time.ts';
export type { TimeUnit } from './time.ts';
export type { DatasetSchema, FieldSchema, FieldType } from './types.ts';
export type * from './generated/records.ts';
