// Entries as the cloudflare processor leaves them (log and resource set), for exporter tests.
import type { MappedBatch, MappedEntry } from '@logpush-otel/pipeline';

/** A mapped http_requests entry numbered `n` (log and resource set as the cloudflare processor would). */
export function entry(n: number): MappedEntry {
  const record = { RayID: `ray${n}`, EdgeResponseStatus: 200, ClientRequestPath: `/item/${n}` };
  const time = 1_700_000_000_123_456_789n + BigInt(n);
  return {
    dataset: 'http_requests',
    record,
    timeUnixNano: time,
    observedUnixNano: 1_700_000_100_000_000_000n,
    raw: JSON.stringify(record),
    position: { source: 'logs/20261122/a.log.gz', line: n, offset: n * 100 },
    attributes: {},
    log: {
      timeUnixNano: time,
      observedTimeUnixNano: 1_700_000_100_000_000_000n,
      severityNumber: 9,
      severityText: 'INFO',
      body: `GET /item/${n} 200`,
      eventName: 'cloudflare.http_request',
      attributes: {
        'cloudflare.ray_id': `ray${n}`,
        'http.response.status_code': 200,
        'url.path': `/item/${n}`,
      },
      droppedAttributesCount: 0,
    },
    resource: {
      key: 'cf',
      attributes: { 'service.name': 'cloudflare', 'cloud.provider': 'cloudflare' },
    },
  };
}

/** `count` mapped entries numbered from `from`. */
export function batch(count: number, from = 1): MappedBatch {
  return { entries: Array.from({ length: count }, (_, i) => entry(from + i)) };
}
