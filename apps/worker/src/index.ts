// A Cloudflare Worker as a Logpush HTTP destination: POST /<dataset> (or /, dataset detected) with the job's
// secret in X-CF-Secret. Each batch is converted with the logpush-otel packages and forwarded over OTLP/HTTP;
// the answer is 2xx only once the backend acknowledged every request, so Logpush retries whatever failed.
import { getDataset } from '@logpush-otel/schema';
import { secretMatches } from './auth.ts';
import { ConfigurationError, readSettings } from './config.ts';
import type { Env, Settings } from './config.ts';
import { processPush } from './push.ts';

export type { Env } from './config.ts';

/** Seconds Logpush is asked to wait while the Worker is misconfigured. */
const CONFIG_RETRY_AFTER = 300;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The dataset named by the path (`/http_requests`), `auto` for `/`, undefined for anything else. */
function datasetOf(pathname: string): string | undefined {
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.length === 0) return 'auto';
  if (segments.length !== 1) return undefined;
  const name = decodeURIComponent(segments[0] ?? '');
  return getDataset(name) === undefined ? undefined : name;
}

async function handle(request: Request, env: Env): Promise<Response> {
  if (request.method !== 'POST') return json(405, { error: 'POST a Logpush batch' }, { allow: 'POST' });
  let settings: Settings;
  try {
    settings = readSettings(env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    console.error(JSON.stringify({ msg: 'configuration error', error: error.message }));
    await request.body?.cancel();
    return json(
      503,
      { error: `the Worker is not configured: ${error.message}` },
      { 'retry-after': String(CONFIG_RETRY_AFTER) },
    );
  }
  if (!(await secretMatches(request.headers.get('x-cf-secret'), settings.secret))) {
    return json(401, { error: 'missing or wrong X-CF-Secret header' });
  }
  const url = new URL(request.url);
  const dataset = datasetOf(url.pathname);
  if (dataset === undefined) {
    return json(404, { error: `unknown dataset path ${url.pathname}: POST to / or /<Logpush dataset id>` });
  }
  if (request.body === null) return json(400, { error: 'empty body' });
  const outcome = await processPush(request.body, dataset, settings, env.DEAD_LETTERS);
  const headers: Record<string, string> = {};
  if (outcome.retryAfter !== undefined) headers['retry-after'] = String(outcome.retryAfter);
  return json(outcome.status, outcome.report, headers);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await handle(request, env);
    } catch (error) {
      // A bug, not bad input (bad input is reported per line): Logpush keeps the batch and retries.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(JSON.stringify({ msg: 'internal error', error: message }));
      return json(503, { error: 'internal error' }, { 'retry-after': '60' });
    }
  },
};
