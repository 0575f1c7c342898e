// The `logpush_s3` receiver factory: reads Cloudflare Logpush objects from S3, R2 or any S3-compatible store.
import { ConfigError } from '@logpush-otel/pipeline';
import type { Consumer, CreateSettings, ReceiverFactory } from '@logpush-otel/pipeline';
import { defaultLogpushS3Config, validateLogpushS3Config } from './config.ts';
import type { LogpushS3ReceiverConfig } from './config.ts';
import { LogpushS3Receiver } from './receiver.ts';

export { LogpushS3Receiver } from './receiver.ts';
export { startAfterKey, validateLogpushS3Config } from './config.ts';
export type { LogpushS3ReceiverConfig } from './config.ts';
export { isSkippedKey, shardOf, windowEndOf } from './keys.ts';
export { classifyFault } from './object-store.ts';

/** The `logpush_s3` receiver factory's type: `create` returns the concrete receiver (with `drained()`). */
export interface LogpushS3ReceiverFactory extends ReceiverFactory<LogpushS3ReceiverConfig> {
  create(
    settings: CreateSettings,
    config: LogpushS3ReceiverConfig,
    next: Consumer | undefined,
  ): LogpushS3Receiver;
}

/** Factory of the `logpush_s3` receiver (stability: alpha). `create` needs `next`, the consumer batches go to. */
export const logpushS3ReceiverFactory: LogpushS3ReceiverFactory = {
  type: 'logpush_s3',
  kind: 'receiver',
  stability: 'alpha',
  defaultConfig: defaultLogpushS3Config,
  validate: validateLogpushS3Config,
  create(
    settings: CreateSettings,
    config: LogpushS3ReceiverConfig,
    next: Consumer | undefined,
  ): LogpushS3Receiver {
    if (next === undefined) {
      throw new ConfigError([
        { path: `receivers.${settings.id}`, message: 'expected a pipeline to hand records to' },
      ]);
    }
    if (config.checkpoint_dir === '') {
      throw new ConfigError([
        {
          path: `receivers.${settings.id}.checkpoint_dir`,
          message: 'expected a directory for the checkpoints',
        },
      ]);
    }
    return new LogpushS3Receiver(settings, config, next);
  },
};
