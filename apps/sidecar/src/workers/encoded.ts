// A batch that arrives already encoded: the OTLP request body a worker built (compressed when the exporter
// compresses), with what the main thread needs to deliver it without the records: how many records it holds,
// their newest event time, and a way to get the mapped records back (read again from the file) for the rare
// cases that need them (a body over max_request_size to split, records to dead-letter).
import type { MappedEntry } from '@logpush-otel/pipeline';

/** How an exporter wants its request bodies; workers encode to it. */
export interface BodyEncoding {
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly compression: 'gzip' | 'none';
  readonly compressionLevel: number;
}

export interface EncodedBatch {
  /** LogRecords in the body. */
  readonly records: number;
  /** The request body as sent on the wire. */
  readonly wire: Uint8Array;
  /** Size of the body before compression. */
  readonly encodedBytes: number;
  readonly encoding: BodyEncoding;
  /** Newest event time among the records, unix nanoseconds. */
  readonly newestTimeUnixNano: bigint | undefined;
  /** The mapped records again, in order (read from the source once more: slow, for the rare paths). */
  readonly entries: () => Promise<MappedEntry[]>;
}

/** A component that can deliver an {@link EncodedBatch} (the otlp exporter). */
export interface EncodedConsumer {
  readonly encoding: BodyEncoding;
  consumeEncoded(batch: EncodedBatch): Promise<void>;
}

export function isEncodedConsumer(value: unknown): value is EncodedConsumer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<EncodedConsumer>).consumeEncoded === 'function' &&
    typeof (value as Partial<EncodedConsumer>).encoding === 'object'
  );
}

export function sameEncoding(a: BodyEncoding, b: BodyEncoding): boolean {
  return (
    a.protocol === b.protocol && a.compression === b.compression && a.compressionLevel === b.compressionLevel
  );
}

/**
 * A receiver's consumer that counts the batches in flight (the service's instrumentation). A batch delivered
 * encoded bypasses `consume`, so the receiver runs its delivery through {@link InFlightCounting.counted} instead.
 */
export interface InFlightCounting {
  counted<T>(run: () => Promise<T>): Promise<T>;
}

export function countsInFlight(value: unknown): value is InFlightCounting {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<InFlightCounting>).counted === 'function'
  );
}
