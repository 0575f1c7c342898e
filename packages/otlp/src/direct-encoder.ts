// The direct path: records mapped straight into an OTLP request, without the per-record LogRecord and attributes
// objects of the reference path (createMapper, then encodeLogsProto/encodeLogsJson). The mapping itself is the
// reference's (createMappingCore); only its last step differs: the attributes the mapping collected are written
// from the builder's arrays into the request instead of into an object. Both paths give identical bytes.
import type { LogEntry, ResourceData } from '@logpush-otel/pipeline';
import { groupJsonHead, logRecordJson, scopeJson } from './encode-json.ts';
import { createMappingCore } from './mapper.ts';
import type { MappingCore } from './mapper.ts';
import type { MappingOptions } from './options.ts';
import { closeGroup, enter, leave, openGroup, position, truncate, writeLogRecord } from './proto-writer.ts';
import type { OpenGroup, Sink } from './proto-writer.ts';
import { defaultScope } from './scope.ts';
import type { Scope } from './scope.ts';

/** The request format of a {@link DirectEncoder}: OTLP protobuf, or OTLP/JSON (UTF-8, one line, no newline). */
export type DirectFormat = 'otlp-proto' | 'otlp-json';

/** Options of {@link createDirectEncoder}. */
export interface DirectEncoderOptions {
  /** `otlp-proto` (default) or `otlp-json`. */
  format?: DirectFormat;
  /** The InstrumentationScope of the records; default {@link defaultScope}. */
  scope?: Scope;
}

/**
 * Maps records and writes them into one OTLP `ExportLogsServiceRequest` at a time: the same bytes as
 * `createMapper` followed by `encodeLogsProto` (or `encodeLogsJson`, as UTF-8) over the same entries, without
 * setting `entry.log` and `entry.resource`.
 */
export interface DirectEncoder {
  /**
   * Maps `entry` and adds its LogRecord to the request being built (to the ResourceLogs of its resource: one per
   * distinct resource, in first-seen order). Throws, having added nothing, if the record cannot be mapped.
   */
  add(entry: LogEntry): void;
  /** Records in the request being built. */
  readonly count: number;
  /** The request of the records added since the last `finish()` (a buffer of its own); then starts anew. */
  finish(): Uint8Array;
}

/** Groups a request's records by resource key, in first-seen order (as `encodeLogsProto` does). */
class Groups<G extends { readonly key: string }> {
  list: G[] = [];
  private last: G | undefined;
  private byKey: Map<string, G> | undefined;
  private readonly create: (resource: ResourceData) => G;

  constructor(create: (resource: ResourceData) => G) {
    this.create = create;
  }

  of(resource: ResourceData): G {
    const last = this.last;
    if (last !== undefined && last.key === resource.key) return last;
    if (this.byKey === undefined) {
      this.byKey = new Map();
      for (const g of this.list) this.byKey.set(g.key, g);
    }
    let group = this.byKey.get(resource.key);
    if (group === undefined) {
      group = this.create(resource);
      this.list.push(group);
      this.byKey.set(resource.key, group);
    }
    this.last = group;
    return group;
  }

  clear(): void {
    this.list = [];
    this.last = undefined;
    this.byKey = undefined;
  }
}

interface ProtoGroup {
  readonly key: string;
  /** Its position in the request (first-seen order). */
  readonly index: number;
  /** The group's ResourceLogs up to its first LogRecord, lengths reserved (see openGroup). */
  readonly head: Uint8Array;
  /** Where the lengths go, from the start of `head`. */
  readonly open: OpenGroup;
}

/** A resource's ResourceLogs header: its bytes up to the first LogRecord, and where its lengths go. */
interface Head {
  readonly head: Uint8Array;
  readonly open: OpenGroup;
}

/** Writes a resource's ResourceLogs header, in a buffer of its own (copied into every request it is in). */
function writeHead(resource: ResourceData, scope: Scope): Head {
  const sink: Sink = { buf: Buffer.alloc(256), pos: 0 };
  enter(sink);
  const open = openGroup(resource.attributes, scope);
  leave(sink);
  return { head: sink.buf.subarray(0, sink.pos), open };
}

class ProtoEncoder implements DirectEncoder {
  count = 0;
  private readonly core: MappingCore;
  private readonly groups: Groups<ProtoGroup>;
  /** The LogRecords of the request being built, in arrival order (reused from request to request). */
  private readonly records: Sink = { buf: Buffer.alloc(1 << 16), pos: 0 };
  /** Per record: where it starts in `records`, and its group. */
  private starts = new Int32Array(1024);
  private groupOf = new Int32Array(1024);

  constructor(core: MappingCore, scope: Scope) {
    this.core = core;
    // the headers of recent resources, kept from request to request (a resource key stands for its attributes)
    const heads = new Map<string, Head>();
    this.groups = new Groups((resource) => {
      let head = heads.get(resource.key);
      if (head === undefined) {
        head = writeHead(resource, scope);
        if (heads.size >= 1024) heads.clear();
        heads.set(resource.key, head);
      }
      return { key: resource.key, index: this.groups.list.length, head: head.head, open: head.open };
    });
  }

  add(entry: LogEntry): void {
    const fields = this.core.map(entry);
    const sink = this.records;
    enter(sink);
    const at = position();
    try {
      writeLogRecord(fields, this.core.builder);
    } catch (error) {
      truncate(at);
      throw error;
    } finally {
      leave(sink);
    }
    const n = this.count;
    if (n === this.starts.length) {
      const starts = new Int32Array(n * 2);
      starts.set(this.starts);
      this.starts = starts;
      const groupOf = new Int32Array(n * 2);
      groupOf.set(this.groupOf);
      this.groupOf = groupOf;
    }
    // the group only once the record is written: a record that failed leaves no trace in the request
    this.starts[n] = at;
    this.groupOf[n] = this.groups.of(fields.resource).index;
    this.count = n + 1;
  }

  finish(): Uint8Array {
    const list = this.groups.list;
    const records = this.records;
    let size = records.pos;
    for (const group of list) size += group.head.length;
    // Exactly the request's size when every length fits the bytes reserved for it; zero-filled, so the bytes
    // past the returned view (when a length needed fewer) are never stale process memory.
    const out: Sink = { buf: Buffer.alloc(size), pos: 0 };
    for (const group of list) {
      const base = out.pos;
      out.buf.set(group.head, base);
      out.pos += group.head.length;
      if (list.length === 1) {
        records.buf.copy(out.buf, out.pos, 0, records.pos);
        out.pos += records.pos;
      } else {
        // this group's records, in order: runs of consecutive records copied at once
        for (let i = 0; i < this.count;) {
          if (this.groupOf[i] !== group.index) {
            i++;
            continue;
          }
          let j = i + 1;
          while (j < this.count && this.groupOf[j] === group.index) j++;
          const from = this.starts[i] ?? 0;
          const to = j < this.count ? (this.starts[j] ?? 0) : records.pos;
          records.buf.copy(out.buf, out.pos, from, to);
          out.pos += to - from;
          i = j;
        }
      }
      enter(out);
      closeGroup({ resourceLogs: base + group.open.resourceLogs, scopeLogs: base + group.open.scopeLogs });
      leave(out);
    }
    this.groups.clear();
    this.count = 0;
    records.pos = 0;
    return out.buf.subarray(0, out.pos);
  }
}

interface JsonGroup {
  readonly key: string;
  readonly head: string;
  records: string;
}

const utf8 = new TextEncoder();

class JsonEncoder implements DirectEncoder {
  count = 0;
  private readonly core: MappingCore;
  private readonly groups: Groups<JsonGroup>;

  constructor(core: MappingCore, scope: Scope) {
    this.core = core;
    const scopeText = scopeJson(scope);
    this.groups = new Groups((resource) => ({
      key: resource.key,
      head: groupJsonHead(resource.attributes, scopeText),
      records: '',
    }));
  }

  add(entry: LogEntry): void {
    const fields = this.core.map(entry);
    const record = logRecordJson(fields, this.core.builder);
    const group = this.groups.of(fields.resource);
    group.records += group.records === '' ? record : `,${record}`;
    this.count++;
  }

  finish(): Uint8Array {
    const list = this.groups.list;
    this.groups.clear();
    this.count = 0;
    let s = '{"resourceLogs":[';
    for (let i = 0; i < list.length; i++) {
      const group = list[i] as JsonGroup;
      s += `${i > 0 ? ',' : ''}${group.head}${group.records}]}]}`;
    }
    return utf8.encode(`${s}]}`);
  }
}

/**
 * Creates a {@link DirectEncoder}: the mapping of `createMapper(mapping)` and the encoding of `encodeLogsProto`
 * (or `encodeLogsJson`) in one step, writing each record straight into the request. Use it where the mapping is
 * the last step before encoding (no processor reads or changes `entry.log` after it). Throws TypeError for
 * invalid options.
 */
export function createDirectEncoder(
  mapping: MappingOptions = {},
  options: DirectEncoderOptions = {},
): DirectEncoder {
  const format = options.format ?? 'otlp-proto';
  if (format !== 'otlp-proto' && format !== 'otlp-json') {
    throw new TypeError(
      `createDirectEncoder: format must be otlp-proto or otlp-json; got ${JSON.stringify(format)}`,
    );
  }
  const core = createMappingCore(mapping);
  const scope = options.scope ?? defaultScope;
  return format === 'otlp-proto' ? new ProtoEncoder(core, scope) : new JsonEncoder(core, scope);
}
