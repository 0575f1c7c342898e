// Every component type the sidecar knows, by kind. Adding a component means adding its factory here.
import { enrichmentFactories } from '@logpush-otel/enrichment';
import { createRegistry } from '@logpush-otel/pipeline';
import type { AnyFactory, ComponentRegistry } from '@logpush-otel/pipeline';
import { debugExporterFactory, fileExporterFactory, otlpExporterFactory } from './exporters/index.ts';
import { batchProcessorFactory, cloudflareProcessorFactory } from './processors/index.ts';
import { logpushFileReceiverFactory } from './receivers/logpush-file/index.ts';
import { logpushHttpReceiverFactory } from './receivers/logpush-http/index.ts';
import { logpushS3ReceiverFactory } from './receivers/logpush-s3/index.ts';

/** The factories of the sidecar: receivers, processors (own and enrichment), exporters. */
export function sidecarFactories(): AnyFactory[] {
  return [
    logpushFileReceiverFactory,
    logpushHttpReceiverFactory,
    logpushS3ReceiverFactory,
    cloudflareProcessorFactory,
    batchProcessorFactory,
    ...enrichmentFactories,
    otlpExporterFactory,
    fileExporterFactory,
    debugExporterFactory,
  ];
}

/** The registry `run` and `validate` use. */
export function createSidecarRegistry(): ComponentRegistry {
  return createRegistry(sidecarFactories());
}
