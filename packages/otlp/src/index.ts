export { createMapper } from './mapper.ts';
export { BODY_MODES, DATADOG_RESERVED, PROFILES } from './options.ts';
export type { BodyMode, MappingOptions, Profile } from './options.ts';
export { encodeLogsProto } from './encode-proto.ts';
export { encodeLogsJson } from './encode-json.ts';
export { decodeExportLogsResponse } from './response.ts';
export type { ExportResponse } from './response.ts';
export { defaultScope } from './scope.ts';
export type { Scope } from './scope.ts';
export {
  severityFromTable,
  severityText,
  FIREWALL_ACTION_SEVERITY,
  SPECTRUM_EVENT_SEVERITY,
  SPECTRUM_STATUS_SEVERITY,
} from './severity.ts';
export { commonFields, datasetTables } from './tables/index.ts';
export type {
  Convert,
  DatasetTable,
  Derivation,
  FieldMapping,
  Kind,
  Priority,
  SeverityCase,
  SeverityTable,
  SeverityValue,
  SummaryPart,
} from './tables/index.ts';
export { Action, compileDataset, ruleKeys } from './compile.ts';
export type { ActionCode, CompiledDataset, Rule } from './compile.ts';
export { lokiNormalise, snakeCase, vendorKey } from './keys.ts';
export {
  createOtelLogRecordMapper,
  emitLogRecords,
  getLogpushLogger,
  toHrTime,
  toOtelAnyValue,
  toOtelAttributes,
  toOtelLogRecord,
} from './otel-sdk.ts';
export type { EmitOptions, OtelMappedRecord, OtelRecordInit } from './otel-sdk.ts';
