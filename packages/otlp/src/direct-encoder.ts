// The direct path: records mapped straight into an OTLP request, without the per-record LogRecord and attributes
// objects of the reference path (createMapper, then encodeLogsProto/encodeLogsJson). The mapping itself is the
// reference's (createMappingCore); only its last step differs: the attributes the mapping collected are written
// from the builder's arrays into the request instead of into an object. Both paths give identical bytes.
import type { LogEntry, ResourceData } from '@logpush-otel/pipeline';
import { groupJsonHead, scopeJson, writeLogRecordJson } from './encode-json.ts';
import type { JsonKeyHead, JsonOut } from './encode-json.ts';
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

/**
 * The LogRecords of the request being built, in arrival order, in one buffer reused from request to request, and
 * which group each belongs to; a request is assembled from them group by group.
 */
class Spans {
  readonly sink: Sink = { buf: Buffer.alloc(1 << 16), pos: 0 };
  count = 0;
  /** Per record: where it starts in `sink`, and its group. */
  private starts = new Int32Array(1024);
  private groupOf = new Int32Array(1024);

  /** Records that a record was written from `start` to the sink's position, for group `group`. */
  push(start: number, group: number): void {
    const n = this.count;
    if (n === this.starts.length) {
      const starts = new Int32Array(n * 2);
      starts.set(this.starts);
      this.starts = starts;
      const groupOf = new Int32Array(n * 2);
      groupOf.set(this.groupOf);
      this.groupOf = groupOf;
    }
    this.starts[n] = start;
    this.groupOf[n] = group;
    this.count = n + 1;
  }

  /**
   * Copies the records of `group` (in order; runs of consecutive records at once) to `out`, leaving out the
   * first `skip` bytes of the first one; `all`: every record belongs to it.
   */
  copyGroup(group: number, all: boolean, out: Sink, skip: number): void {
    const sink = this.sink;
    if (all) {
      sink.buf.copy(out.buf, out.pos, skip, sink.pos);
      out.pos += sink.pos - skip;
      return;
    }
    const n = this.count;
    let first = true;
    for (let i = 0; i < n;) {
      if (this.groupOf[i] !== group) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n && this.groupOf[j] === group) j++;
      const from = (this.starts[i] ?? 0) + (first ? skip : 0);
      const to = j < n ? (this.starts[j] ?? 0) : sink.pos;
      sink.buf.copy(out.buf, out.pos, from, to);
      out.pos += to - from;
      first = false;
      i = j;
    }
  }

  clear(): void {
    this.count = 0;
    this.sink.pos = 0;
  }
}

/** A cache of per-resource values (a resource key stands for its attributes), bounded. */
function perResource<T>(make: (resource: ResourceData) => T): (resource: ResourceData) => T {
  const cache = new Map<string, T>();
  return (resource) => {
    let value = cache.get(resource.key);
    if (value === undefined) {
      value = make(resource);
      if (cache.size >= 1024) cache.clear();
      cache.set(resource.key, value);
    }
    return value;
  };
}

class ProtoEncoder implements DirectEncoder {
  private readonly core: MappingCore;
  private readonly groups: Groups<ProtoGroup>;
  private readonly spans = new Spans();

  constructor(core: MappingCore, scope: Scope) {
    this.core = core;
    // the headers of recent resources are kept from request to request
    const headOf = perResource((resource) => writeHead(resource, scope));
    this.groups = new Groups((resource) => {
      const head = headOf(resource);
      return { key: resource.key, index: this.groups.list.length, head: head.head, open: head.open };
    });
  }

  get count(): number {
    return this.spans.count;
  }

  add(entry: LogEntry): void {
    const fields = this.core.map(entry);
    const sink = this.spans.sink;
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
    // the group only once the record is written: a record that failed leaves no trace in the request
    this.spans.push(at, this.groups.of(fields.resource).index);
  }

  finish(): Uint8Array {
    const list = this.groups.list;
    let size = this.spans.sink.pos;
    for (const group of list) size += group.head.length;
    // Exactly the request's size when every length fits the bytes reserved for it; zero-filled, so the bytes
    // past the returned view (when a length needed fewer) are never stale process memory.
    const out: Sink = { buf: Buffer.alloc(size), pos: 0 };
    for (const group of list) {
      const base = out.pos;
      out.buf.set(group.head, base);
      out.pos += group.head.length;
      this.spans.copyGroup(group.index, list.length === 1, out, 0);
      enter(out);
      closeGroup({ resourceLogs: base + group.open.resourceLogs, scopeLogs: base + group.open.scopeLogs });
      leave(out);
    }
    this.groups.clear();
    this.spans.clear();
    return out.buf.subarray(0, out.pos);
  }
}

interface JsonGroup {
  readonly key: string;
  readonly index: number;
  /** The group's ResourceLogs up to its first LogRecord, UTF-8. */
  readonly head: Uint8Array;
}

/** A {@link JsonOut} writing UTF-8 into a sink. */
class ByteOut implements JsonOut {
  readonly sink: Sink;

  constructor(sink: Sink) {
    this.sink = sink;
  }

  private ensure(extra: number): void {
    const sink = this.sink;
    if (sink.pos + extra <= sink.buf.length) return;
    let size = sink.buf.length * 2;
    while (size < sink.pos + extra) size *= 2;
    const bigger = Buffer.alloc(size);
    sink.buf.copy(bigger, 0, 0, sink.pos);
    sink.buf = bigger;
  }

  text(s: string): void {
    const n = s.length;
    this.ensure(3 * n);
    const sink = this.sink;
    if (n < 16) {
      // short pieces (punctuation, small values): byte by byte while ASCII, cheaper than a call into the runtime
      const buf = sink.buf;
      const start = sink.pos;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          sink.pos = start + buf.write(s, start, 'utf8');
          return;
        }
        buf[start + i] = c;
      }
      sink.pos = start + n;
      return;
    }
    sink.pos += sink.buf.write(s, sink.pos, 'utf8');
  }

  key(head: JsonKeyHead): void {
    this.ensure(head.bytes.length);
    this.sink.buf.set(head.bytes, this.sink.pos);
    this.sink.pos += head.bytes.length;
  }
}

const REQUEST_START = Buffer.from('{"resourceLogs":[');

class JsonEncoder implements DirectEncoder {
  private readonly core: MappingCore;
  private readonly groups: Groups<JsonGroup>;
  private readonly spans = new Spans();
  private readonly out: ByteOut;

  constructor(core: MappingCore, scope: Scope) {
    this.core = core;
    this.out = new ByteOut(this.spans.sink);
    const scopeText = scopeJson(scope);
    const headOf = perResource((resource) => Buffer.from(groupJsonHead(resource.attributes, scopeText)));
    this.groups = new Groups((resource) => ({
      key: resource.key,
      index: this.groups.list.length,
      head: headOf(resource),
    }));
  }

  get count(): number {
    return this.spans.count;
  }

  add(entry: LogEntry): void {
    const fields = this.core.map(entry);
    const sink = this.spans.sink;
    const at = sink.pos;
    try {
      // every record after a comma (left out for the first of its group when the request is assembled)
      this.out.text(',');
      writeLogRecordJson(this.out, fields, this.core.builder);
    } catch (error) {
      sink.pos = at;
      throw error;
    }
    this.spans.push(at, this.groups.of(fields.resource).index);
  }

  finish(): Uint8Array {
    const list = this.groups.list;
    let size = REQUEST_START.length + this.spans.sink.pos + 2;
    for (const group of list) size += group.head.length + 5;
    const out: Sink = { buf: Buffer.alloc(size), pos: 0 };
    out.buf.set(REQUEST_START, 0);
    out.pos = REQUEST_START.length;
    list.forEach((group, i) => {
      if (i > 0) out.buf[out.pos++] = 0x2c; // ,
      out.buf.set(group.head, out.pos);
      out.pos += group.head.length;
      this.spans.copyGroup(group.index, list.length === 1, out, 1);
      out.pos += out.buf.write(']}]}', out.pos, 'latin1');
    });
    out.pos += out.buf.write(']}', out.pos, 'latin1');
    this.groups.clear();
    this.spans.clear();
    return out.buf.subarray(0, out.pos);
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
