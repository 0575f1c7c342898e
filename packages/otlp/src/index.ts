export { createMapper } from './mapper.ts';
export { BODY_MODES, PROFILES } from './options.ts';
export type { BodyMode, MappingOptions, Profile } from './options.ts';
export { encodeLogsProto } from './encode-proto.ts';
export { encodeLogsJson } from './encode-json.ts';
export { decodeExportLogsResponse } from './response.ts';
export type { ExportResponse } from './response.ts';
export { defaultScope } from './scope.ts';
export type { Scope } from './scope.ts';

export { lokiNormalise } from './keys.ts';
export {
  createOtelLogRecordMapper,
  emitLogRecords,
  getLogpushLogger,
  toHrTime,
  toOtelAttributes,
  toOtelLogRecord,
} from './otel-sdk.ts';
export type { EmitOptions, OtelMappedRecord, OtelRecordInit } from './otel-sdk.ts';
export { createDirectEncoder } from './direct-encoder.ts';
export type { DirectEncoder, DirectEncoderOptions, DirectFormat } from './direct-encoder.ts';
