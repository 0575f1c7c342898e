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
  private readonly create: (resource: ResourceData, first: boolean) => G;

  constructor(create: (resource: ResourceData, first: boolean) => G) {
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
      group = this.create(resource, this.list.length === 0);
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
  readonly sink: Sink;
  readonly open: OpenGroup;
}

class ProtoEncoder implements DirectEncoder {
  count = 0;
  private readonly core: MappingCore;
  private readonly groups: Groups<ProtoGroup>;
  /** Initial size of the first group's buffer: a little more than the last request needed. */
  private sizeHint = 1 << 16;

  constructor(core: MappingCore, scope: Scope) {
    this.core = core;
    this.groups = new Groups((resource, first) => {
      const sink: Sink = { buf: Buffer.alloc(first ? this.sizeHint : 1 << 16), pos: 0 };
      enter(sink);
      const open = openGroup(resource.attributes, scope);
      leave(sink);
      return { key: resource.key, sink, open };
    });
  }

  add(entry: LogEntry): void {
    const fields = this.core.map(entry);
    const group = this.groups.of(fields.resource);
    const sink = group.sink;
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
    this.count++;
  }

  finish(): Uint8Array {
    const list = this.groups.list;
    this.groups.clear();
    this.count = 0;
    let total = 0;
    for (const group of list) {
      enter(group.sink);
      closeGroup(group.open);
      leave(group.sink);
      total += group.sink.pos;
    }
    this.sizeHint = Math.max(1 << 16, Math.ceil(total * 1.1) + 1024);
    const only = list.length === 1 ? list[0] : undefined;
    // One resource (the common case): hand its buffer out without copying. Its bytes past the view are zeros
    // (Buffer.alloc), never stale process memory.
    if (only !== undefined) return only.sink.buf.subarray(0, only.sink.pos);
    const out = Buffer.alloc(total);
    let at = 0;
    for (const group of list) {
      group.sink.buf.copy(out, at, 0, group.sink.pos);
      at += group.sink.pos;
    }
    return out;
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
