import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeExportLogsRequest,
  decodeExportLogsResponse,
  encodeOtlpMessage,
  loadOtlpProtos,
  readZip,
} from '../src/otlp-proto.ts';

function zipOf(files: Record<string, { data: string; deflate: boolean }>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, { data, deflate }] of Object.entries(files)) {
    const raw = Buffer.from(data);
    const body = deflate ? deflateRawSync(raw) : raw;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(files).length, 8);
  eocd.writeUInt16LE(Object.keys(files).length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, eocd]));
}

describe('readZip', () => {
  it('reads stored and deflated entries of a zip archive', () => {
    const files = readZip(
      zipOf({
        'a/x.proto': { data: 'syntax = "proto3";', deflate: true },
        'b.txt': { data: 'plain', deflate: false },
      }),
    );
    expect(new TextDecoder().decode(files.get('a/x.proto'))).toBe('syntax = "proto3";');
    expect(new TextDecoder().decode(files.get('b.txt'))).toBe('plain');
  });

  it('says so when the bytes are not a zip file', () => {
    expect(() => readZip(new Uint8Array(100))).toThrow(/end of central directory/);
  });
});

describe('loadOtlpProtos', () => {
  it('decodes an ExportLogsServiceRequest with the official definitions', async () => {
    const root = await loadOtlpProtos();
    expect(root.lookupType('opentelemetry.proto.logs.v1.LogRecord').fields.eventName?.id).toBe(12);
    const bytes = encodeOtlpMessage('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest', {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cloudflare' } }] },
          scopeLogs: [
            {
              scope: { name: 'test' },
              logRecords: [{ timeUnixNano: '1700000000123456789', severityNumber: 9, severityText: 'INFO' }],
            },
          ],
        },
      ],
    });
    expect(decodeExportLogsRequest(bytes)).toEqual({
      resourceLogs: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'cloudflare' } }],
            entityRefs: [],
          },
          scopeLogs: [
            {
              scope: { name: 'test', attributes: [] },
              logRecords: [
                {
                  timeUnixNano: '1700000000123456789',
                  severityNumber: 9,
                  severityText: 'INFO',
                  attributes: [],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('decodes a partial-success ExportLogsServiceResponse', async () => {
    await loadOtlpProtos();
    const bytes = encodeOtlpMessage('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse', {
      partialSuccess: { rejectedLogRecords: '2', errorMessage: 'too old' },
    });
    expect(decodeExportLogsResponse(bytes)).toEqual({
      partialSuccess: { rejectedLogRecords: '2', errorMessage: 'too old' },
    });
  });
});
