// The processors the sidecar itself provides (the enrichment processors come from @logpush-otel/enrichment).
export { batchProcessorFactory } from './batch.ts';
export { cloudflareProcessorFactory } from './cloudflare.ts';
