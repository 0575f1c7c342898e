// No cookie value leaves the mapper unless `cookies: true`, in any profile, body mode or dataset.
import type { LogEntry } from '@logpush-otel/pipeline';
import { describe, expect, it } from 'vitest';
import { createMapper, encodeLogsJson } from '../src/index.ts';

const COOKIE = 'c00kieS3cret';

function entry(dataset: string): LogEntry {
  const record = {
    RayID: '8f1c2d3e4a5b6c7d',
    ClientRequestHost: 'example.com',
    Cookies: { session: COOKIE },
    RequestHeaders: { cookie: `session=${COOKIE}`, 'user-agent': 'curl/8' },
    ResponseHeaders: { 'Set-Cookie': `id=${COOKIE}; Path=/` },
  };
  return {
    dataset,
    record,
    timeUnixNano: 1_700_000_000_000_000_000n,
    observedUnixNano: 1_700_000_001_000_000_000n,
    raw: JSON.stringify(record),
    position: { source: 'test.log', line: 1, offset: 0 },
    attributes: {},
  };
}

const PROFILES = ['default', 'loki', 'datadog', 'datadog-raw'] as const;
const BODIES = ['summary', 'original', 'map'] as const;

describe('cookie values', () => {
  for (const dataset of ['http_requests', 'unknown'])
    for (const profile of PROFILES)
      for (const body of BODIES)
        it(`${dataset}, ${profile}, body ${body}: none without cookies: true`, () => {
          const mapped = createMapper({ profile, body })(entry(dataset));
          const text = encodeLogsJson([mapped]);
          expect(text).not.toContain(COOKIE);
          expect(text).toContain('example.com');
          // the rest of the header maps still goes out where the profile sends headers
          if (body === 'map') expect(JSON.stringify(mapped.log.body)).toContain('curl/8');
        });

  it('cookies: true keeps the Cookies field (the opt-in still works)', () => {
    const mapped = createMapper({ cookies: true })(entry('http_requests'));
    expect(encodeLogsJson([mapped])).toContain(COOKIE);
  });

  it('leaves a record without cookies as it is (the original line is the body)', () => {
    const plain = entry('http_requests');
    const record = { RayID: 'r', ClientRequestHost: 'example.com' };
    const mapped = createMapper({ body: 'original' })({ ...plain, record, raw: 'the line as read' });
    expect(mapped.log.body).toBe('the line as read');
  });
});
