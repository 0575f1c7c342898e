import type { LogpushRecord } from '@logpush-otel/pipeline';
import { describe, expect, it } from 'vitest';
import { createMapper } from '../src/index.ts';
import { entryOf } from './helpers.ts';

function severity(dataset: string, record: LogpushRecord): [number, string, unknown] {
  const entry = entryOf(dataset, record);
  createMapper()(entry);
  return [
    entry.log?.severityNumber ?? -1,
    entry.log?.severityText ?? '?',
    entry.log?.attributes['error.type'],
  ];
}

describe('http_requests severity', () => {
  it.each([
    [100, 9, 'INFO', undefined],
    [200, 9, 'INFO', undefined],
    [304, 9, 'INFO', undefined],
    [399, 9, 'INFO', undefined],
    [400, 13, 'WARN', undefined],
    [404, 13, 'WARN', undefined],
    [499, 13, 'WARN', undefined],
    [500, 17, 'ERROR', '500'],
    [522, 17, 'ERROR', '522'],
    [599, 17, 'ERROR', '599'],
  ])('grades EdgeResponseStatus %i as %i %s', (status, n, text, errorType) => {
    expect(severity('http_requests', { EdgeResponseStatus: status })).toEqual([n, text, errorType]);
  });

  it.each([
    ['block', 13, 'WARN'],
    ['connectionClose', 13, 'WARN'],
    ['forceConnectionClose', 13, 'WARN'],
    ['managedChallenge', 9, 'INFO'],
    ['log', 9, 'INFO'],
  ])('without a status, grades SecurityAction %s as %i %s', (action, n, text) => {
    expect(severity('http_requests', { EdgeResponseStatus: 0, SecurityAction: action })).toEqual([
      n,
      text,
      undefined,
    ]);
  });

  it('falls back to the legacy WAFAction when SecurityAction is absent', () => {
    expect(severity('http_requests', { WAFAction: 'block' })).toEqual([13, 'WARN', undefined]);
    expect(severity('http_requests', {})).toEqual([9, 'INFO', undefined]);
  });
});

describe('firewall_events severity', () => {
  it.each([
    ['allow', 9],
    ['bypass', 9],
    ['skip', 9],
    ['log', 9],
    ['rewrite', 9],
    ['unknown', 9],
    ['challengeSolved', 9],
    ['jschallengesolved', 9],
    ['managedchallengenoninteractivesolved', 9],
    ['managedchallengeinteractivesolved', 9],
    ['challengebypassed', 9],
    ['jschallengeBypassed', 9],
    ['managedchallengebypassed', 9],
    ['simulate', 10],
    ['challenge', 13],
    ['jschallenge', 13],
    ['managedChallenge', 13],
    ['challengeFailed', 14],
    ['jschallengefailed', 14],
    ['block', 15],
    ['drop', 15],
    ['connectionClose', 15],
    ['forceconnectionclose', 15],
    ['somethingNew', 9],
  ])('grades Action %s as %i', (action, n) => {
    const [number, text, errorType] = severity('firewall_events', { Action: action });
    expect(number).toBe(n);
    expect(text).toBe(n >= 13 ? 'WARN' : 'INFO');
    expect(errorType).toBeUndefined();
  });
});

describe('spectrum_events severity', () => {
  it.each([
    [0, 'connect', 9, 'INFO', undefined],
    [200, 'disconnect', 9, 'INFO', undefined],
    [400, 'disconnect', 13, 'WARN', '400'],
    [443, 'tlsError', 13, 'WARN', '443'],
    [490, 'disconnect', 13, 'WARN', '490'],
    [497, 'disconnect', 13, 'WARN', '497'],
    [403, 'clientFiltered', 15, 'WARN', '403'],
    [444, 'disconnect', 17, 'ERROR', '444'],
    [448, 'disconnect', 17, 'ERROR', '448'],
    [500, 'disconnect', 17, 'ERROR', '500'],
    [503, 'disconnect', 17, 'ERROR', '503'],
    [520, 'originError', 17, 'ERROR', '520'],
    [524, 'originError', 17, 'ERROR', '524'],
    [530, 'resolveOrigin', 17, 'ERROR', '530'],
    [533, 'resolveOrigin', 17, 'ERROR', '533'],
    [540, 'tlsError', 17, 'ERROR', '540'],
    [999, 'disconnect', 17, 'ERROR', '999'],
  ])('grades Status %i (%s) as %i %s', (status, event, n, text, errorType) => {
    expect(severity('spectrum_events', { Status: status, Event: event })).toEqual([n, text, errorType]);
  });

  it.each([
    ['originError', 17, 'ERROR'],
    ['resolveOrigin', 17, 'ERROR'],
    ['clientFiltered', 15, 'WARN'],
    ['tlsError', 13, 'WARN'],
    ['connect', 9, 'INFO'],
    ['disconnect', 9, 'INFO'],
  ])('falls back to Event %s for an unlisted status code', (event, n, text) => {
    const [number, t, errorType] = severity('spectrum_events', { Status: 777, Event: event });
    expect([number, t]).toEqual([n, text]);
    expect(errorType).toBe(n >= 13 ? '777' : undefined);
  });

  it('grades by Event when there is no Status, naming the event as error.type', () => {
    expect(severity('spectrum_events', { Event: 'originError' })).toEqual([17, 'ERROR', 'originError']);
    expect(severity('spectrum_events', {})).toEqual([0, '', undefined]);
  });
});

describe('other datasets', () => {
  it('grade an HTTP status like http_requests and leave the rest unspecified', () => {
    expect(severity('gateway_http', { HTTPStatusCode: 502 })).toEqual([17, 'ERROR', '502']);
    expect(severity('gateway_http', { HTTPStatusCode: 403 })).toEqual([13, 'WARN', undefined]);
    expect(severity('dns_logs', { QueryName: 'example.com' })).toEqual([0, '', undefined]);
  });

  it('never writes a severity text other than the bare range names', () => {
    for (const [dataset, record] of [
      ['http_requests', { EdgeResponseStatus: 418 }],
      ['firewall_events', { Action: 'jschallengefailed' }],
      ['spectrum_events', { Status: 999 }],
    ] as const) {
      expect(['INFO', 'WARN', 'ERROR']).toContain(severity(dataset, record)[1]);
    }
  });
});
