import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDrainable } from '@logpush-otel/pipeline';
import { CollectingConsumer, createTestHost, runLifecycleSuite } from '@logpush-otel/pipeline/testing';
import { expect, it } from 'vitest';
import { logpushFileReceiverFactory } from '../src/receivers/logpush-file/index.ts';

const dirs: string[] = [];

runLifecycleSuite(
  'logpush_file receiver',
  async (host) => {
    const dir = await mkdtemp(join(tmpdir(), 'logpush-lifecycle-'));
    dirs.push(dir);
    const config = logpushFileReceiverFactory.validate({ directory: dir }, 'receivers.logpush_file');
    if (!config.ok) throw new Error('invalid config');
    return logpushFileReceiverFactory.create(host, config.config, new CollectingConsumer());
  },
  {
    cleanup: async () => {
      for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    },
  },
);

it('is drainable, for --once runs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'logpush-lifecycle-'));
  dirs.push(dir);
  const config = logpushFileReceiverFactory.validate({ directory: dir }, 'r');
  if (!config.ok) throw new Error('invalid config');
  const receiver = logpushFileReceiverFactory.create(
    createTestHost('r'),
    config.config,
    new CollectingConsumer(),
  );
  expect(isDrainable(receiver)).toBe(true);
  await rm(dir, { recursive: true, force: true });
});

it('refuses to be created without a consumer to hand records to', () => {
  const config = logpushFileReceiverFactory.validate({ directory: '/tmp' }, 'r');
  if (!config.ok) throw new Error('invalid config');
  expect(() => logpushFileReceiverFactory.create(createTestHost('r'), config.config, undefined)).toThrow(
    /expected a pipeline/,
  );
});
