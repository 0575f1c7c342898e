// A pass over one file run in a pool worker (workers/file-pass-task.ts): the worker reads, parses, maps and
// encodes; this side turns each encoded batch into a unit for delivery, and can read a batch's records again on
// the main thread when the exporter needs them (a body to split, records to dead-letter).
import { createMapper } from '@logpush-otel/otlp';
import type { MappingOptions } from '@logpush-otel/otlp';
import type { Attributes, LogEntry, MappedEntry } from '@logpush-otel/pipeline';
import type { StreamPosition } from '../../checkpoint/ack-tracker.ts';
import { logEntryOf } from '../../log-entry.ts';
import type { BodyEncoding, EncodedBatch } from '../../workers/encoded.ts';
import { mapEntries } from '../../workers/file-pass-task.ts';
import type { FilePassChunk, FilePassTask } from '../../workers/file-pass-task.ts';
import type { WorkerPool } from '../../workers/pool.ts';
import type { ReceiverContext } from './context.ts';
import type { Unit } from './delivery.ts';
import { readFilePass } from './file-pass.ts';
import type { FileDescription, PassOptions } from './file-pass.ts';
import type { TrackedFile } from './file-state.ts';

/** What the receiver needs to read in workers: set up by the service wiring (workers/wiring.ts). */
export interface WorkerPlan {
  readonly pool: WorkerPool;
  /** The mapping of the pipeline's `cloudflare` processor, and that processor's component name. */
  readonly mapping: MappingOptions;
  readonly mapComponent: string;
  readonly encoding: BodyEncoding;
  /** Delivers an encoded batch to the pipeline's exporters. */
  readonly deliver: (batch: EncodedBatch) => Promise<void>;
}

/** The attributes the receiver adds to every entry of file `path`. */
export function fileAttributes(ctx: ReceiverContext, path: string, fileName: string): Attributes {
  const attributes: Attributes = {};
  if (ctx.config.include_file_name) attributes['log.file.name'] = fileName;
  if (ctx.config.include_file_path) attributes['log.file.path'] = path;
  return attributes;
}

/** The task input of a pass over `f` from `start`. */
export function passTask(
  ctx: ReceiverContext,
  plan: WorkerPlan,
  file: FileDescription,
  start: StreamPosition,
  pass: PassOptions,
  fileName: string,
): FilePassTask {
  return {
    file,
    start,
    pass,
    fileAttributes: fileAttributes(ctx, file.path, fileName),
    mapping: plan.mapping,
    receiverComponent: ctx.component,
    mapComponent: plan.mapComponent,
    encoding: plan.encoding,
  };
}

/**
 * The mapped entries of the records between `start` and `end` of the file, read again on the main thread
 * (records the mapping refuses are left out: they were dead-lettered with the batch).
 */
async function reread(
  task: FilePassTask,
  start: StreamPosition,
  end: StreamPosition,
): Promise<MappedEntry[]> {
  const map = createMapper(task.mapping);
  const pass = readFilePass(task.file, start, { ...task.pass, flushTail: true, batchSize: 1000 });
  const entries: LogEntry[] = [];
  const observed = BigInt(Date.now()) * 1_000_000n;
  let step = await pass.next();
  try {
    while (step.done !== true) {
      const batch = step.value;
      for (const r of batch.records) {
        if (batch.base.offset + r.nextOffset > end.offset) return mapEntries(entries, map, '').mapped;
        entries.push(logEntryOf(r, task.file.path, observed, batch.base, { ...task.fileAttributes }));
      }
      step = await pass.next();
    }
  } finally {
    if (step.done !== true) await pass.return({ kind: 'replaced' });
  }
  if (step.value.kind !== 'read') {
    throw new Error(
      `${task.file.path} cannot be read again (${step.value.kind}); the batch is retried later`,
    );
  }
  return mapEntries(entries, map, '').mapped;
}

/** The delivery unit of an encoded batch of `f`. */
export function unitOfChunk(
  ctx: ReceiverContext,
  plan: WorkerPlan,
  f: TrackedFile,
  task: FilePassTask,
  chunk: FilePassChunk,
): Unit {
  if (f.cp.dataset === undefined && chunk.dataset !== undefined && ctx.config.dataset === 'auto') {
    f.cp.dataset = chunk.dataset;
  }
  ctx.metrics.bytes.inc(chunk.bytes, ctx.labels);
  const unit: Unit = { entries: [], letters: [...chunk.letters, ...chunk.unmappable], count: chunk.records };
  if (chunk.wire !== undefined && chunk.records > 0) {
    unit.encoded = {
      batch: {
        records: chunk.records,
        wire: chunk.wire,
        encodedBytes: chunk.encodedBytes,
        encoding: plan.encoding,
        newestTimeUnixNano: chunk.newestTimeUnixNano,
        entries: () => reread(task, chunk.start, chunk.end),
      },
      deliver: plan.deliver,
    };
  }
  return unit;
}
