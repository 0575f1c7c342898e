// The processors the sidecar itself provides (the enrichment processors come from @logpush-otel/enrichment).
export { BatchProcessor, batchProcessorFactory, defaultBatchProcessorConfig } from './batch.ts';
export type { BatchProcessorConfig } from './batch.ts';
export {
  CloudflareProcessor,
  cloudflareProcessorFactory,
  defaultCloudflareProcessorConfig,
  mappingOptions,
} from './cloudflare.ts';
export type { CloudflareProcessorConfig } from './cloudflare.ts';
