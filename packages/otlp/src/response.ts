// ExportLogsServiceResponse: the OTLP partial-success answer (rejected_log_records, error_message).

/** What an OTLP endpoint said about a request it accepted: how many records it rejected, and why. */
export interface ExportResponse {
  rejectedLogRecords: number;
  errorMessage: string;
}

class Reader {
  pos = 0;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw new Error(`truncated varint at byte ${this.pos}`);
      const b = this.bytes[this.pos++] ?? 0;
      result += (b & 0x7f) * multiplier;
      if (b < 0x80) return result;
      multiplier *= 128;
    }
    throw new Error(`varint longer than 10 bytes at byte ${this.pos}`);
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.pos += this.varint();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType} at byte ${this.pos}`);
    if (this.pos > this.bytes.length) throw new Error('truncated message');
  }
  bytesField(): Uint8Array {
    const length = this.varint();
    const start = this.pos;
    this.pos += length;
    if (this.pos > this.bytes.length) throw new Error(`truncated field of ${length} bytes at byte ${start}`);
    return this.bytes.subarray(start, this.pos);
  }
}

function decodeProto(body: Uint8Array): ExportResponse {
  const result: ExportResponse = { rejectedLogRecords: 0, errorMessage: '' };
  const outer = new Reader(body);
  while (outer.pos < body.length) {
    const tag = outer.varint();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const inner = new Reader(outer.bytesField());
      while (inner.pos < inner.bytes.length) {
        const t = inner.varint();
        if (t >>> 3 === 1 && (t & 7) === 0) {
          const n = inner.varint();
          // int64: a negative value arrives as a 10-byte two's complement varint.
          result.rejectedLogRecords = n >= 2 ** 63 ? n - 2 ** 64 : n;
        } else if (t >>> 3 === 2 && (t & 7) === 2) {
          result.errorMessage = new TextDecoder().decode(inner.bytesField());
        } else inner.skip(t & 7);
      }
    } else outer.skip(tag & 7);
  }
  return result;
}

function decodeJson(body: Uint8Array): ExportResponse {
  const text = new TextDecoder().decode(body).trim();
  if (text === '') return { rejectedLogRecords: 0, errorMessage: '' };
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('expected a JSON object');
  }
  const partial =
    (parsed as Record<string, unknown>).partialSuccess ?? (parsed as Record<string, unknown>).partial_success;
  if (partial === undefined || partial === null) return { rejectedLogRecords: 0, errorMessage: '' };
  if (typeof partial !== 'object') throw new Error('expected partialSuccess to be an object');
  const p = partial as Record<string, unknown>;
  const rejected = p.rejectedLogRecords ?? p.rejected_log_records ?? 0;
  const message = p.errorMessage ?? p.error_message ?? '';
  const n = typeof rejected === 'string' ? Number(rejected) : rejected;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new Error(`expected rejectedLogRecords to be an integer; got ${JSON.stringify(rejected)}`);
  }
  return {
    rejectedLogRecords: n,
    errorMessage: typeof message === 'string' ? message : JSON.stringify(message),
  };
}

/**
 * Decodes an OTLP logs export response body: JSON when `contentType` contains `json`, protobuf otherwise. An
 * empty body means full success ({ rejectedLogRecords: 0, errorMessage: '' }). Throws an Error naming the content
 * type and the problem when the body is not a valid response.
 */
export function decodeExportLogsResponse(body: Uint8Array, contentType: string): ExportResponse {
  const json = contentType.toLowerCase().includes('json');
  try {
    return json ? decodeJson(body) : decodeProto(body);
  } catch (error) {
    const excerpt = new TextDecoder().decode(body.subarray(0, 100));
    throw new Error(
      `decodeExportLogsResponse: invalid ${json ? 'JSON' : 'protobuf'} ExportLogsServiceResponse ` +
        `(content-type ${JSON.stringify(contentType)}, ${body.length} bytes): ` +
        `${error instanceof Error ? error.message : String(error)}; starts with ${JSON.stringify(excerpt)}`,
      { cause: error },
    );
  }
}
