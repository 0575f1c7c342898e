// Which logpush_file receivers read in worker threads. A worker maps and encodes records itself, so it can take
// over only a pipeline whose processing it reproduces exactly: the receiver feeds one pipeline, whose only
// processor is `cloudflare` and whose exporters all take pre-encoded bodies of one encoding (otlp exporters
// with the same protocol and compression). Any other pipeline (enrichment, privacy, sampling, a batch processor,
// debug or file exporters) keeps reading on the main thread, as before.
import { settleAll } from '@logpush-otel/pipeline';
import type { Logger, Service, ServiceGraph } from '@logpush-otel/pipeline';
import { mappingOptions } from '../processors/cloudflare.ts';
import type { CloudflareProcessorConfig } from '../processors/cloudflare.ts';
import type { LogpushFileReceiverConfig } from '../receivers/logpush-file/config.ts';
import { LogpushFileReceiver } from '../receivers/logpush-file/receiver.ts';
import type { WorkerPlan } from '../receivers/logpush-file/worker-pass.ts';
import { workerCount } from './count.ts';
import { isEncodedConsumer, sameEncoding } from './encoded.ts';
import type { EncodedBatch, EncodedConsumer } from './encoded.ts';
import { WorkerPool } from './pool.ts';

/** The plan for receiver `id`, or why it reads on the main thread. */
function planFor(
  service: Service,
  graph: ServiceGraph,
  id: string,
): Omit<WorkerPlan, 'pool'> | { reason: string } {
  const pipelines = graph.pipelines.filter((p) => p.receivers.includes(id));
  const pipeline = pipelines[0];
  if (pipeline === undefined || pipelines.length > 1) return { reason: 'it feeds more than one pipeline' };
  const [processorId, ...others] = pipeline.processors;
  const processor = processorId === undefined ? undefined : graph.processors.get(processorId);
  if (
    processorId === undefined ||
    processor === undefined ||
    others.length > 0 ||
    processor.factory.type !== 'cloudflare'
  ) {
    return { reason: `pipeline ${pipeline.name} has processors other than one cloudflare processor` };
  }
  const exporters: EncodedConsumer[] = [];
  for (const exporterId of pipeline.exporters) {
    const c = service.components.find((s) => s.kind === 'exporter' && s.id === exporterId)?.component;
    if (!isEncodedConsumer(c)) return { reason: `exporter ${exporterId} needs records, not encoded bodies` };
    exporters.push(c);
  }
  const first = exporters[0];
  if (first === undefined) return { reason: `pipeline ${pipeline.name} has no exporter` };
  if (exporters.some((e) => !sameEncoding(e.encoding, first.encoding))) {
    return { reason: `the exporters of pipeline ${pipeline.name} encode differently` };
  }
  const deliver =
    exporters.length === 1
      ? (batch: EncodedBatch) => first.consumeEncoded(batch)
      : (batch: EncodedBatch) => settleAll(exporters.map((e) => e.consumeEncoded(batch)));
  return {
    mapping: mappingOptions(processor.config as CloudflareProcessorConfig),
    mapComponent: `processors/${processorId}`,
    encoding: first.encoding,
    deliver,
  };
}

/**
 * Gives every logpush_file receiver of `service` whose `workers` setting is above 1 and whose pipeline allows it
 * a worker pool (the receiver closes it at shutdown); logs which read in workers and why others do not.
 */
export function attachWorkers(service: Service, graph: ServiceGraph, logger: Logger): void {
  for (const c of service.components) {
    if (c.kind !== 'receiver' || !(c.component instanceof LogpushFileReceiver)) continue;
    const config = graph.receivers.get(c.id)?.config as LogpushFileReceiverConfig | undefined;
    if (config === undefined) continue;
    const count = workerCount(config.workers);
    if (count <= 1) continue;
    const plan = planFor(service, graph, c.id);
    if ('reason' in plan) {
      logger.info('the receiver reads on the main thread', { component: c.name, reason: plan.reason });
      continue;
    }
    const heapLimitMb = Math.ceil(config.worker_heap_limit / (1024 * 1024));
    c.component.useWorkers({ ...plan, pool: new WorkerPool(count, { heapLimitMb }) });
    logger.info('the receiver reads, maps and encodes in worker threads', {
      component: c.name,
      workers: count,
    });
  }
}
