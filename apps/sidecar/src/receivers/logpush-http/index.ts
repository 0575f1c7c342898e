// The `logpush_http` receiver factory: a Logpush HTTP destination whose 2xx means the push is stored durably.
import { ConfigError } from '@logpush-otel/pipeline';
import type { Consumer, CreateSettings, ReceiverFactory } from '@logpush-otel/pipeline';
import { defaultLogpushHttpConfig, validateLogpushHttpConfig } from './config.ts';
import type { LogpushHttpReceiverConfig } from './config.ts';
import { LogpushHttpReceiver } from './receiver.ts';

export { LogpushHttpReceiver } from './receiver.ts';
export { validateLogpushHttpConfig } from './config.ts';
export type { LogpushHttpReceiverConfig } from './config.ts';

/** The `logpush_http` receiver factory's type: `create` returns the concrete receiver (with `url`, `notReadyReason()`). */
export interface LogpushHttpReceiverFactory extends ReceiverFactory<LogpushHttpReceiverConfig> {
  create(
    settings: CreateSettings,
    config: LogpushHttpReceiverConfig,
    next: Consumer | undefined,
  ): LogpushHttpReceiver;
}

/** Factory of the `logpush_http` receiver (stability: alpha). */
export const logpushHttpReceiverFactory: LogpushHttpReceiverFactory = {
  type: 'logpush_http',
  kind: 'receiver',
  stability: 'alpha',
  defaultConfig: defaultLogpushHttpConfig,
  validate: validateLogpushHttpConfig,
  create(
    settings: CreateSettings,
    config: LogpushHttpReceiverConfig,
    next: Consumer | undefined,
  ): LogpushHttpReceiver {
    if (next === undefined) {
      throw new ConfigError([
        { path: `receivers.${settings.id}`, message: 'expected a pipeline to hand records to' },
      ]);
    }
    return new LogpushHttpReceiver(settings, config, next);
  },
};
