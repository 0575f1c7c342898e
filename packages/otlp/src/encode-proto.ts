// A fast writer of the OTLP protobuf wire format (ExportLogsServiceRequest) straight from mapped entries. Field
// order and presence match the official @opentelemetry/otlp-transformer serializer, so equal input gives
// identical bytes.
import type { LogEntry, LogRecordData, ResourceData } from '@logpush-otel/pipeline';
import { closeGroup, enter, leave, openGroup, writeLogRecord } from './proto-writer.ts';
import type { Sink } from './proto-writer.ts';
import { defaultScope } from './scope.ts';
import type { Scope } from './scope.ts';

/** The buffer requests are written into (handed out as they are, then replaced by a fresh one). */
const sink: Sink = { buf: Buffer.alloc(1 << 20), pos: 0 };

interface Group {
  readonly resource: ResourceData;
  readonly logs: LogRecordData[];
}

/** Groups entries by resource key, in first-seen order. Throws if an entry was not mapped. */
export function groupByResource(entries: readonly LogEntry[]): Group[] {
  const groups: Group[] = [];
  let last: Group | undefined;
  let byKey: Map<string, Group> | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined) continue;
    const { log, resource } = entry;
    if (log === undefined || resource === undefined) {
      throw new TypeError(
        `encode: entry ${i} (${entry.position.source}:${entry.position.line}) has no log/resource; map it with createMapper first`,
      );
    }
    if (last !== undefined && (last.resource === resource || last.resource.key === resource.key)) {
      last.logs.push(log);
      continue;
    }
    if (byKey === undefined) {
      byKey = new Map();
      for (const g of groups) byKey.set(g.resource.key, g);
    }
    let group = byKey.get(resource.key);
    if (group === undefined) {
      group = { resource, logs: [] };
      groups.push(group);
      byKey.set(resource.key, group);
    }
    group.logs.push(log);
    last = group;
  }
  return groups;
}

/**
 * Encodes mapped entries (each with `log` and `resource` set) as an OTLP `ExportLogsServiceRequest` in protobuf:
 * one ResourceLogs per distinct resource key (first-seen order) with one ScopeLogs for `scope`. Synchronous;
 * the result is a fresh buffer owned by the caller.
 */
export function encodeLogsProto(entries: readonly LogEntry[], scope: Scope = defaultScope): Uint8Array {
  const groups = groupByResource(entries);
  sink.pos = 0;
  enter(sink);
  for (const group of groups) {
    const open = openGroup(group.resource.attributes, scope);
    for (const log of group.logs) writeLogRecord(log, log.attributes);
    closeGroup(open);
  }
  leave(sink);
  // Hand the written bytes out without copying; the next call writes into a fresh buffer sized for a similar
  // request (so a batch rarely grows the buffer, and the returned view wastes little memory). Buffers are
  // zero-filled (fresh pages from the OS, cheap), so the bytes past the view never hold stale process memory.
  const out = sink.buf.subarray(0, sink.pos);
  sink.buf = Buffer.alloc(Math.max(1 << 16, Math.ceil(sink.pos * 1.1) + 1024));
  return out;
}
