// One record as JSON text: the request core shared by http_requests and firewall_events (drawn first, so a
// firewall event describes the same request as its http_requests line), and the lines of each dataset.
import type { Rng } from './rng.ts';
import { cumulative } from './rng.ts';
import {
  agents,
  agentWeights,
  attackQueries,
  ciphers,
  hosts,
  hostWeights,
  ja4s,
  logRule,
  origins,
  pagePaths,
  pathWeights,
  places,
  placeWeights,
  queries,
  rules,
  ruleWeights,
  zoneOf,
} from './vocabulary.ts';
import type { Agent, PathPlan, Place, Rule } from './vocabulary.ts';
import type { Clock } from './clock.ts';
import { GAP_NS, httpDate } from './clock.ts';

const SALT_CORE = 0x1f2e3d4c;
const SALT_HTTP = 0x2a3b4c5d;
export const SALT_FIREWALL = 0x3c4d5e6f;
const SALT_SPECTRUM = 0x4d5e6f70;

interface Core {
  offsetNs: number;
  rayId: string;
  ip: string;
  place: Place;
  colo: string;
  agent: Agent;
  host: string;
  path: PathPlan;
  pathText: string;
  query: string;
  method: string;
  protocol: string;
  rule: Rule | undefined;
  logFirst: boolean;
}

function ipv4(r: Rng): string {
  // Public-looking unicast addresses (skips 0, 10, 100, 127, 169, 172, 192, 198 and 224+ first octets).
  let a = r.range(1, 223);
  if (a === 10 || a === 100 || a === 127 || a === 169 || a === 172 || a === 192 || a === 198) a += 1;
  return `${a}.${r.int(256)}.${r.int(256)}.${r.range(1, 254)}`;
}
function ipv6(r: Rng): string {
  const h = (): string => r.int(65536).toString(16);
  return `2a0${r.int(10)}:${h()}:${h()}:${h()}:${h()}:${h()}:${h()}:${h()}`;
}

/**
 * Draws request i's core. The security verdict is drawn first, so that firewall_events (which only needs the
 * flagged requests) can stop early with `onlyFlagged`; the draws are the same either way.
 */
export function drawCore(r: Rng, seed: number, i: number, out: Core, onlyFlagged: boolean): boolean {
  r.reseed(seed, i, SALT_CORE);
  out.offsetNs = i * GAP_NS + r.int(GAP_NS);
  out.agent = r.weighted(agents, agentWeights);
  out.path = r.weighted(pagePaths, pathWeights);
  const attack = out.path.kind === 'attack' || (out.agent.kind !== 'browser' && r.chance(0.08));
  const flagged = attack
    ? r.chance(0.9)
    : out.agent.kind === 'bot' || out.agent.kind === 'tool'
      ? r.chance(0.3)
      : r.chance(0.02);
  out.rule = flagged ? r.weighted(rules, ruleWeights) : undefined;
  // A managed rule in log mode often matches before the terminating rule of the same request.
  out.logFirst = flagged && out.rule?.action !== 'log' && r.chance(0.15);
  if (onlyFlagged && !flagged) return false;
  out.rayId = r.hex8() + r.hex8();
  out.ip = r.chance(0.22) ? ipv6(r) : ipv4(r);
  out.place = r.weighted(places, placeWeights);
  out.colo = r.pick(out.place.colos);
  out.host = r.weighted(hosts, hostWeights);
  out.pathText = out.path.make(r);
  out.query = attack && r.chance(0.5) ? r.pick(attackQueries) : r.chance(0.18) ? r.pick(queries) : '';
  const post = out.path.kind === 'api' ? r.chance(0.3) : out.pathText === '/login' ? r.chance(0.5) : false;
  out.method = post ? 'POST' : r.chance(0.01) ? 'HEAD' : 'GET';
  out.protocol = r.weighted(protocols, protocolWeights);
  return true;
}

const protocols = ['HTTP/2', 'HTTP/1.1', 'HTTP/3'];
const protocolWeights = [0.62, 0.85, 1];

export function newCore(): Core {
  return {
    offsetNs: 0,
    rayId: '',
    ip: '',
    place: places[0] as Place,
    colo: '',
    agent: agents[0] as Agent,
    host: '',
    path: pagePaths[0] as PathPlan,
    pathText: '',
    query: '',
    method: '',
    protocol: '',
    rule: undefined,
    logFirst: false,
  };
}

const statusDynamic = [200, 301, 302, 304, 401, 404, 429, 499, 500, 502, 503, 504];
const statusDynamicW = cumulative([86.5, 1.5, 1.5, 2, 1, 4, 0.5, 0.5, 0.8, 0.7, 0.6, 0.4]);
const statusStatic = [200, 304, 404, 500, 502, 503];
const statusStaticW = cumulative([80, 14, 5, 0.4, 0.3, 0.3]);
const cacheStatic = ['hit', 'miss', 'expired', 'revalidated', 'updating', 'stale'];
const cacheStaticW = cumulative([84, 9, 3, 2, 1, 1]);
const cacheDynamic = ['dynamic', 'bypass', 'miss'];
const cacheDynamicW = cumulative([90, 6, 4]);

const lower = (s: string): string => s.toLowerCase();

function jsonArray(values: readonly string[]): string {
  return values.length === 0 ? '[]' : `["${values.join('","')}"]`;
}

export function httpLine(core: Core, r: Rng, seed: number, i: number, clock: Clock): string {
  r.reseed(seed, i, SALT_HTTP);
  const { agent, place, rule, path } = core;
  const blocked = rule !== undefined && rule.action !== 'log';
  const isStatic = path.kind === 'static';
  const status = blocked
    ? rule.status
    : path.kind === 'attack'
      ? 404
      : isStatic
        ? r.weighted(statusStatic, statusStaticW)
        : r.weighted(statusDynamic, statusDynamicW);
  const cache = blocked
    ? 'unknown'
    : isStatic
      ? r.weighted(cacheStatic, cacheStaticW)
      : r.weighted(cacheDynamic, cacheDynamicW);
  const fromOrigin = !blocked && cache !== 'hit' && cache !== 'stale' && cache !== 'updating';
  const bodyBytes =
    status === 304 || core.method === 'HEAD'
      ? 0
      : blocked
        ? r.range(4000, 9000)
        : r.range(path.min, path.max);
  const compressible = path.contentType.startsWith('text') || path.contentType.startsWith('application');
  const ratio = compressible && bodyBytes > 1000 ? Math.round((1.5 + r.float() * 3) * 100) / 100 : 1;
  const edgeBytes = Math.round(bodyBytes / ratio) + r.range(350, 900);
  const originMs = fromOrigin
    ? status === 504
      ? r.range(100_000, 125_000)
      : r.range(15, path.kind === 'page' ? 900 : 300)
    : 0;
  const ttfb = originMs + r.range(1, 25);
  const durationNs = ttfb * 1_000_000 + r.range(100_000, 40_000_000);
  const sec = clock.seconds(core.offsetNs);
  const bot = agent.kind;
  const botScore = bot === 'verified-bot' ? 1 : bot === 'browser' ? r.range(30, 99) : r.range(1, 29);
  const botSrc =
    bot === 'verified-bot'
      ? 'Verified Bot'
      : bot === 'browser'
        ? r.weighted(['Machine Learning', 'Heuristics', 'JS Fingerprinting'], [0.85, 0.95, 1])
        : 'Heuristics';
  const attack = path.kind === 'attack' || core.query.includes('%');
  const waf = (): number => (attack ? r.range(1, 20) : r.range(80, 99));
  const wafRce = waf();
  const wafSqli = waf();
  const wafXss = waf();
  const wafScore = Math.min(wafRce, wafSqli, wafXss);
  const uri = core.query === '' ? core.pathText : `${core.pathText}?${core.query}`;
  const referer =
    path.kind === 'static' || (path.kind === 'page' && r.chance(0.5)) ? `https://${core.host}/` : '';
  const originIp = fromOrigin ? r.pick(origins) : '';
  const ipClass =
    bot === 'verified-bot'
      ? 'searchEngine'
      : r.chance(0.01)
        ? 'tor'
        : r.chance(0.03)
          ? 'badHost'
          : 'noRecord';
  const headers = r.chance(0.15);
  const requestHeaders = headers
    ? `{"accept-language":"${r.pick(['en-US,en;q=0.9', 'de-DE,de;q=0.9,en;q=0.8', 'fr-FR,fr;q=0.9', 'ja-JP,ja;q=0.9'])}","x-forwarded-proto":"https"}`
    : '{}';
  const responseHeaders = headers
    ? `{"cache-control":"${isStatic ? 'public, max-age=31536000, immutable' : 'private, no-store'}","x-content-type-options":"nosniff"}`
    : '{}';
  const cookies =
    headers && bot === 'browser'
      ? `{"__cf_bm":"${r.hex8()}${r.hex8()}${r.hex8()}","session":"${r.hex8()}${r.hex8()}"}`
      : '{}';
  const ja4Signals =
    bot === 'browser' && r.chance(0.3)
      ? `{"h2h3_ratio_1h":${r.float().toFixed(4)},"heuristic_ratio_1h":${(r.float() / 100).toFixed(5)},"reqs_quantile_1h":${r.float().toFixed(4)},"uas_rank_h":${r.range(1, 5000)}}`
      : '{}';
  const matched = rule === undefined ? [] : core.logFirst ? [logRule, rule] : [rule];
  const secActions = jsonArray(matched.map((m) => m.action));
  const secRuleIds = jsonArray(matched.map((m) => m.id));
  const secSources = jsonArray(matched.map((m) => m.source));
  const botTags = bot === 'verified-bot' ? '["search_engine"]' : bot === 'bot' ? '["automated"]' : '[]';
  const legacy = r.chance(0.03);
  const expires = fromOrigin && isStatic ? httpDate(sec + 86_400 * 365) : '';
  const lastModified = fromOrigin && isStatic ? httpDate(sec - r.range(3600, 86_400 * 90)) : '';
  const legacyFields = legacy
    ? `"FirewallMatchesActions":${secActions},"FirewallMatchesRuleIDs":${secRuleIds},"FirewallMatchesSources":${secSources},` +
      `"WAFAction":"unknown","WAFProfile":"unknown","WAFRuleID":"","ZoneID":${r.range(100_000_000, 999_999_999)},`
    : '';
  // A typical job's field selection (about 70 of the 108 fields); about 1.4 KB a line on average.
  return (
    `{"BotScore":${botScore},"BotScoreSrc":"${botSrc}","BotTags":${botTags},` +
    `"CacheCacheStatus":"${cache}",` +
    `"ClientASN":${place.asn},` +
    `"ClientCountry":"${place.country}","ClientIP":"${core.ip}",` +
    `"ClientIPClass":"${ipClass}",` +
    `"ClientRequestHost":"${core.host}","ClientRequestMethod":"${core.method}","ClientRequestPath":"${core.pathText}",` +
    `"ClientRequestProtocol":"${core.protocol}","ClientRequestReferer":"${referer}",` +
    `"ClientRequestURI":"${uri}","ClientRequestUserAgent":"${agent.ua}",` +
    `"ClientSSLProtocol":"${core.protocol === 'HTTP/1.1' && r.chance(0.3) ? 'TLSv1.2' : 'TLSv1.3'}",` +
    `"ClientSrcPort":${r.range(1024, 65535)},"Cookies":${cookies},` +
    `"EdgeColoCode":"${core.colo}",` +
    `"EdgeEndTimestamp":${clock.json(core.offsetNs + durationNs)},"EdgeResponseBytes":${edgeBytes},` +
    `"EdgeResponseContentType":"${blocked ? 'text/html' : path.contentType}","EdgeResponseStatus":${status},` +
    `"EdgeStartTimestamp":${clock.json(core.offsetNs)},` +
    legacyFields +
    `"JA4":"${r.pick(ja4s)}","JA4Signals":${ja4Signals},"OriginIP":"${originIp}",` +
    `"OriginResponseDurationMs":${originMs},"OriginResponseHTTPExpires":"${expires}",` +
    `"OriginResponseHTTPLastModified":"${lastModified}","OriginResponseStatus":${fromOrigin ? status : 0},` +
    `"OriginResponseTime":${originMs * 1_000_000},"RayID":"${core.rayId}",` +
    `"RequestHeaders":${requestHeaders},"ResponseHeaders":${responseHeaders},` +
    `"SecurityAction":"${rule ? rule.action : ''}","SecurityActions":${secActions},` +
    `"SecurityRuleDescription":"${rule ? rule.description : ''}",` +
    `"SecurityRuleIDs":${secRuleIds},"SecuritySources":${secSources},"VerifiedBotCategory":"${agent.botCategory}",` +
    `"WAFAttackScore":${wafScore},"WAFRCEAttackScore":${wafRce},` +
    `"WAFSQLiAttackScore":${wafSqli},"WAFXSSAttackScore":${wafXss},` +
    `"ZoneName":"${zoneOf(core.host)}"}`
  );
}

export function firewallLine(core: Core, rule: Rule, matchIndex: number, r: Rng, clock: Clock): string {
  const blocked = rule.action !== 'log';
  const referer = core.path.kind === 'static' && r.chance(0.5);
  const metadata =
    rule.source === 'firewallManaged'
      ? `{"ruleset_version":"${r.range(40, 99)}","type":"customer"}`
      : rule.source === 'rateLimit'
        ? '{"characteristics":"ip.src","counting_expression":""}'
        : '{}';
  return (
    `{"AISecurityInjectionScore":0,"AISecurityPIICategories":[],"AISecurityTokenCount":0,"AISecurityUnsafeTopicCategories":[],` +
    `"Action":"${lower(rule.action)}","ClientASN":${core.place.asn},"ClientASNDescription":"${core.place.asnName}",` +
    `"ClientCountry":"${core.place.country}","ClientIP":"${core.ip}",` +
    `"ClientIPClass":"${core.agent.kind === 'verified-bot' ? 'searchEngine' : 'noRecord'}",` +
    `"ClientRefererHost":"${referer ? core.host : ''}","ClientRefererPath":"${referer ? '/' : ''}",` +
    `"ClientRefererQuery":"","ClientRefererScheme":"${referer ? 'https' : ''}",` +
    `"ClientRequestHost":"${core.host}","ClientRequestMethod":"${core.method}","ClientRequestPath":"${core.pathText}",` +
    `"ClientRequestProtocol":"${core.protocol}","ClientRequestQuery":"${core.query === '' ? '' : `?${core.query}`}",` +
    `"ClientRequestScheme":"https","ClientRequestUserAgent":"${core.agent.ua}",` +
    `"ContentScanObjResults":[],"ContentScanObjSizes":[],"ContentScanObjTypes":[],` +
    `"Datetime":${clock.json(core.offsetNs + r.range(200_000, 4_000_000))},"Description":"${rule.description}",` +
    `"EdgeColoCode":"${core.colo}","EdgeResponseStatus":${blocked ? rule.status : 200},` +
    `"FraudUserID":"","Kind":"firewall","LeakedCredentialCheckResult":"","MatchIndex":${matchIndex},` +
    `"Metadata":${metadata},"OriginResponseStatus":0,"OriginatorRayID":"00","RayID":"${core.rayId}","Ref":"",` +
    `"RuleID":"${rule.id}","Source":"${lower(rule.source)}"}`
  );
}

const apps = [
  { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', port: 22, sni: '', tls: false, proto: 'tcp' },
  { id: 'b2c3d4e5f60718293a4b5c6d7e8f90a1', port: 25565, sni: '', tls: false, proto: 'tcp' },
  { id: 'c3d4e5f60718293a4b5c6d7e8f90a1b2', port: 443, sni: 'mqtt.example.com', tls: true, proto: 'tcp' },
  { id: 'd4e5f60718293a4b5c6d7e8f90a1b2c3', port: 27015, sni: '', tls: false, proto: 'udp' },
] as const;
const events = ['connect', 'disconnect', 'originError', 'clientFiltered', 'tlsError', 'resolveOrigin'];
const eventW = cumulative([46, 46, 3, 3, 1.5, 0.5]);

export function spectrumLine(r: Rng, seed: number, i: number, clock: Clock): string {
  r.reseed(seed, i, SALT_SPECTRUM);
  const offset = i * GAP_NS + r.int(GAP_NS);
  const place = r.weighted(places, placeWeights);
  const app = r.pick(apps);
  const event = r.weighted(events, eventW);
  const ip = r.chance(0.2) ? ipv6(r) : ipv4(r);
  const disconnect = event === 'disconnect';
  const durationNs = disconnect ? r.range(1, 3_600_000) * 1_000_000 : 0;
  const filtered = event === 'clientFiltered';
  const tlsFail = event === 'tlsError';
  const tlsOk = app.tls && !tlsFail;
  const stringTime = clock.format === 'rfc3339' || clock.format === 'rfc3339ns';
  const disconnectTs = disconnect ? clock.json(offset) : stringTime ? '""' : '0';
  const connectTs = filtered ? (stringTime ? '""' : '0') : clock.json(offset - durationNs);
  const status = disconnect
    ? 0
    : event === 'originError'
      ? r.pick([1, 3])
      : filtered
        ? 4
        : event === 'tlsError'
          ? 2
          : 0;
  return (
    `{"Application":"${app.id}","ClientAsn":${place.asn},"ClientBytes":${disconnect ? r.range(200, 50_000_000) : 0},` +
    `"ClientCountry":"${place.country}","ClientIP":"${ip}",` +
    `"ClientMatchedIpFirewall":"${filtered ? r.pick(['BLOCK_IP', 'BLOCK_COUNTRY', 'BLOCK_ASN']) : r.chance(0.7) ? 'UNKNOWN' : 'ALLOW'}",` +
    `"ClientPort":${r.range(1024, 65535)},"ClientProto":"${app.proto}","ClientTcpRtt":${app.proto === 'tcp' ? r.range(1_000_000, 180_000_000) : 0},` +
    `"ClientTlsCipher":"${tlsOk ? r.pick(ciphers) : ''}","ClientTlsClientHelloServerName":"${app.sni}",` +
    `"ClientTlsProtocol":"${tlsOk ? 'TLSv1.3' : app.tls ? 'unknown' : 'none'}",` +
    `"ClientTlsStatus":"${tlsFail ? r.pick(['HANDSHAKE_FAILED', 'INVALID_SNI']) : tlsOk ? 'OK' : 'UNKNOWN'}",` +
    `"ColoCode":"${r.pick(place.colos)}","ConnectTimestamp":${connectTs},"DisconnectTimestamp":${disconnectTs},` +
    `"Event":"${event}","IpFirewall":${filtered || r.chance(0.4)},"OriginBytes":${disconnect ? r.range(200, 80_000_000) : 0},` +
    `"OriginIP":"${filtered ? '' : r.pick(origins)}","OriginPort":${app.port},"OriginProto":"${app.proto}",` +
    `"OriginTcpRtt":${!filtered && app.proto === 'tcp' ? r.range(500_000, 40_000_000) : 0},` +
    `"OriginTlsCipher":"","OriginTlsFingerprint":"","OriginTlsMode":"off","OriginTlsProtocol":"none",` +
    `"OriginTlsStatus":"UNKNOWN","ProxyProtocol":"${r.weighted(['off', 'v1', 'v2', 'simple'], [0.7, 0.8, 0.95, 1])}",` +
    `"Status":${status},"Timestamp":${clock.json(offset)}}`
  );
}
