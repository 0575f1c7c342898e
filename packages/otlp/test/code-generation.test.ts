// Cloudflare Workers (workerd) allow `new Function` while a Worker's modules load and refuse it while a request is
// handled. The mapper probes once at load time, so it must also cope with a refusal that comes later.
import { afterEach, expect, it } from 'vitest';
import type { LogEntry } from '@logpush-otel/pipeline';
import { createMapper } from '../src/index.ts';

const realFunction = globalThis.Function;

afterEach(() => {
  globalThis.Function = realFunction;
});

function entry(attributes: Record<string, string>): LogEntry {
  return {
    dataset: 'http_requests',
    record: { ClientRequestMethod: 'GET', EdgeResponseStatus: 200, ClientRequestHost: 'example.com' },
    timeUnixNano: 1n,
    observedUnixNano: 2n,
    raw: '',
    position: { source: 'test', line: 1, offset: 0 },
    attributes,
  };
}

it('maps records when code generation is refused after the module loaded', () => {
  const map = createMapper();
  const expected = (): Record<string, unknown> | undefined => {
    const e = entry({ 'test.codegen.a': 'x', 'test.codegen.b': 'y' });
    map(e);
    return e.log?.attributes;
  };
  // The attribute shape is new: the builder compiles it on its second use, which now throws EvalError.
  const refused = function Refused(): never {
    throw new EvalError('Code generation from strings disallowed for this context');
  } as unknown as FunctionConstructor;
  globalThis.Function = refused;
  const results = [expected(), expected(), expected()];
  globalThis.Function = realFunction;
  for (const attributes of results) {
    expect(attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'test.codegen.a': 'x',
      'test.codegen.b': 'y',
    });
  }
  expect(Object.keys(results[2] ?? {})).toEqual(Object.keys(results[0] ?? {}));
});
