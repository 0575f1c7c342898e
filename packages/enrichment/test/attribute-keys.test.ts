import { createMapper, lokiNormalise } from '@logpush-otel/otlp';
import { expect, it } from 'vitest';
import { UserAgentCache, enrichUserAgent } from '../src/user-agent.ts';
import { applySampleRate } from '../src/sample-weight.ts';
import { enrichColo } from '../src/colo.ts';
import { enrichDerived } from '../src/derived.ts';
import { enrichIndicators } from '../src/indicators.ts';
import { geoAttributes } from '../src/geoip.ts';
import { entryOf, httpRecord } from './support/entries.ts';

it('adds attribute keys that stay unique, also after Loki normalisation, next to the mapped ones', () => {
  const e = entryOf('http_requests', httpRecord({ EdgeResponseStatus: 503, BotScoreSrc: 'Verified Bot' }));
  enrichColo(e);
  enrichDerived(e);
  enrichUserAgent(e, new UserAgentCache(10));
  enrichIndicators(e);
  applySampleRate(e, 0.5, true);
  createMapper()(e);
  const keys = [
    ...Object.keys(e.log?.attributes ?? {}),
    ...Object.values(geoAttributes).filter((k) => !(k in (e.log?.attributes ?? {}))),
    ...Object.keys(e.resource?.attributes ?? {}),
  ];
  expect(Object.keys(e.attributes).every((k) => k in (e.log?.attributes ?? {}))).toBe(true);
  const normalised = keys.map(lokiNormalise);
  const duplicates = normalised.filter((k, i) => normalised.indexOf(k) !== i);
  expect(duplicates).toEqual([]);
});
