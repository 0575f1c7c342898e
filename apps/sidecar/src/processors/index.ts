// The processors the sidecar itself provides (the enrichment processors come from @logpush-otel/enrichment).
export { batchProcessorFactory } from './batch.ts';
export type { BatchProcessorConfig } from './batch.ts';
export { cloudflareProcessorFactory } from './cloudflare.ts';
export type { CloudflareProcessorConfig } from './cloudflare.ts';
