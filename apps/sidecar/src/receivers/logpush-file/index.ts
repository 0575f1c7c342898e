// The `logpush_file` receiver factory: reads Cloudflare Logpush files from a directory tree.
import { ConfigError } from '@logpush-otel/pipeline';
import type { Consumer, CreateSettings, ReceiverFactory } from '@logpush-otel/pipeline';
import { defaultLogpushFileConfig, validateLogpushFileConfig } from './config.ts';
import type { LogpushFileReceiverConfig } from './config.ts';
import { LogpushFileReceiver } from './receiver.ts';
import { inputMetrics } from './input-report.ts';

export { LogpushFileReceiver } from './receiver.ts';
export type { LogpushFileReceiverConfig } from './config.ts';
export { isLogpushControlFile, isSidecarOutputFile, logpushWindow } from './file-name.ts';

/** The `logpush_file` receiver factory's type: `create` returns the concrete receiver (with `drained()`). */
export interface LogpushFileReceiverFactory extends ReceiverFactory<LogpushFileReceiverConfig> {
  create(
    settings: CreateSettings,
    config: LogpushFileReceiverConfig,
    next: Consumer | undefined,
  ): LogpushFileReceiver;
}

/**
 * Factory of the `logpush_file` receiver (stability: beta). `create` needs `next`, the consumer batches are
 * handed to; the receiver it returns also has `drained()` for `--once` runs.
 */
export const logpushFileReceiverFactory: LogpushFileReceiverFactory = {
  type: 'logpush_file',
  kind: 'receiver',
  stability: 'beta',
  defaultConfig: defaultLogpushFileConfig,
  validate: validateLogpushFileConfig,
  create(
    settings: CreateSettings,
    config: LogpushFileReceiverConfig,
    next: Consumer | undefined,
  ): LogpushFileReceiver {
    if (next === undefined) {
      throw new ConfigError([
        { path: `receivers.${settings.id}`, message: 'expected a pipeline to hand records to' },
      ]);
    }
    inputMetrics(settings);
    return new LogpushFileReceiver(settings, config, next);
  },
};
