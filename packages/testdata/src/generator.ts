// Deterministic, realistic Cloudflare Logpush records for tests, benchmarks and the demo.
//
// Records are built as JSON text directly (never through JSON.stringify of an object), so unixnano timestamps
// come out as exact 19-digit integers. Every request i of a seed has a "core" (time, client, host, path, user
// agent, ray id, security verdict) drawn from its own PRNG stream, so http_requests and firewall_events generated
// with the same seed describe the same requests: a firewall event carries the RayID of its http request.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';

/** The datasets of the seed tables, the ones the generator knows. */
export type SeedDataset = 'http_requests' | 'firewall_events' | 'spectrum_events';
/** Logpush `timestamp_format` values the generator writes. */
export type TimestampFormat = 'unixnano' | 'unix' | 'rfc3339' | 'rfc3339ns';

/** What to generate. */
export interface GenerateOptions {
  dataset: SeedDataset;
  /** Number of records (lines). */
  count: number;
  /** PRNG seed (default 1): the same options give the same bytes. */
  seed?: number;
  /** Default 'unixnano' (19-digit integers). */
  timestampFormat?: TimestampFormat;
  /** Time of the first request; default 2024-01-01T00:00:00Z. Requests follow about 1 ms apart. */
  startUnixNano?: bigint;
}

/** The seed datasets, for CLIs and tests. */
export const seedDatasets: readonly SeedDataset[] = ['http_requests', 'firewall_events', 'spectrum_events'];
/** The timestamp formats, for CLIs and tests. */
export const timestampFormats: readonly TimestampFormat[] = ['unixnano', 'unix', 'rfc3339', 'rfc3339ns'];
/** Default start time: 2024-01-01T00:00:00Z in unix nanoseconds. */
export const DEFAULT_START_UNIX_NANO = 1_704_067_200_000_000_000n;

/** Mean gap between consecutive requests, in nanoseconds. */
const GAP_NS = 1_000_000;

// ---------------------------------------------------------------------------------------------------------------
// PRNG: mulberry32, reseeded per request from (seed, index) so every request has its own reproducible stream.

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

class Rng {
  s = 0;
  reseed(seed: number, index: number, salt: number): void {
    let h =
      Math.imul(seed ^ salt, 0x9e3779b1) ^
      Math.imul(index, 0x85ebca6b) ^
      Math.imul(Math.floor(index / 4294967296), 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    this.s = (h ^ (h >>> 16)) | 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** Picks by cumulative weights (`weights` sum to 1, last entry catches the rest). */
  weighted<T>(items: readonly T[], cumulative: readonly number[]): T {
    const x = this.float();
    for (let i = 0; i < cumulative.length; i++) if (x < (cumulative[i] ?? 1)) return items[i] as T;
    return items[items.length - 1] as T;
  }
  hex8(): string {
    const x = this.next();
    return (
      (HEX[x >>> 24] ?? '') +
      (HEX[(x >>> 16) & 255] ?? '') +
      (HEX[(x >>> 8) & 255] ?? '') +
      (HEX[x & 255] ?? '')
    );
  }
}

function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / total));
}

/** Vocabulary strings are embedded into JSON text as they are, so they must need no escaping. */
function safe<T extends string>(s: T): T {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c === 0x22 || c === 0x5c)
      throw new Error(`generator vocabulary needs JSON escaping: ${s}`);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary (realistic, invented; no real users).

interface Place {
  country: string;
  region: string;
  city: string;
  lat: string;
  lon: string;
  asn: number;
  asnName: string;
  colos: readonly string[];
}
const places: readonly Place[] = [
  {
    country: 'us',
    region: 'CA',
    city: 'San Jose',
    lat: '37.33939',
    lon: '-121.89496',
    asn: 7922,
    asnName: 'COMCAST-7922',
    colos: ['SJC', 'LAX'],
  },
  {
    country: 'us',
    region: 'VA',
    city: 'Ashburn',
    lat: '39.04372',
    lon: '-77.48749',
    asn: 16509,
    asnName: 'AMAZON-02',
    colos: ['IAD'],
  },
  {
    country: 'us',
    region: 'IL',
    city: 'Chicago',
    lat: '41.85003',
    lon: '-87.65005',
    asn: 7018,
    asnName: 'ATT-INTERNET4',
    colos: ['ORD'],
  },
  {
    country: 'us',
    region: 'TX',
    city: 'Dallas',
    lat: '32.78306',
    lon: '-96.80667',
    asn: 21928,
    asnName: 'T-MOBILE-AS21928',
    colos: ['DFW'],
  },
  {
    country: 'de',
    region: 'HE',
    city: 'Frankfurt am Main',
    lat: '50.11552',
    lon: '8.68417',
    asn: 3320,
    asnName: 'DTAG',
    colos: ['FRA'],
  },
  {
    country: 'gb',
    region: 'ENG',
    city: 'London',
    lat: '51.50853',
    lon: '-0.12574',
    asn: 2856,
    asnName: 'BT-UK-AS',
    colos: ['LHR', 'MAN'],
  },
  {
    country: 'fr',
    region: 'IDF',
    city: 'Paris',
    lat: '48.85341',
    lon: '2.3488',
    asn: 3215,
    asnName: 'Orange',
    colos: ['CDG'],
  },
  {
    country: 'nl',
    region: 'NH',
    city: 'Amsterdam',
    lat: '52.37403',
    lon: '4.88969',
    asn: 1136,
    asnName: 'KPN',
    colos: ['AMS'],
  },
  {
    country: 'jp',
    region: '13',
    city: 'Tokyo',
    lat: '35.6895',
    lon: '139.69171',
    asn: 2516,
    asnName: 'KDDI',
    colos: ['NRT'],
  },
  {
    country: 'sg',
    region: '01',
    city: 'Singapore',
    lat: '1.28967',
    lon: '103.85007',
    asn: 9506,
    asnName: 'SINGTEL-FIBRE',
    colos: ['SIN'],
  },
  {
    country: 'in',
    region: 'MH',
    city: 'Mumbai',
    lat: '19.07283',
    lon: '72.88261',
    asn: 55836,
    asnName: 'RELIANCEJIO-IN',
    colos: ['BOM'],
  },
  {
    country: 'br',
    region: 'SP',
    city: 'Sao Paulo',
    lat: '-23.5475',
    lon: '-46.63611',
    asn: 28573,
    asnName: 'Claro NXT',
    colos: ['GRU'],
  },
  {
    country: 'au',
    region: 'NSW',
    city: 'Sydney',
    lat: '-33.86785',
    lon: '151.20732',
    asn: 1221,
    asnName: 'ASN-TELSTRA',
    colos: ['SYD'],
  },
  {
    country: 'ca',
    region: 'ON',
    city: 'Toronto',
    lat: '43.70011',
    lon: '-79.4163',
    asn: 812,
    asnName: 'ROGERS-COMMUNICATIONS',
    colos: ['YYZ'],
  },
  {
    country: 'pl',
    region: '14',
    city: 'Warsaw',
    lat: '52.22977',
    lon: '21.01178',
    asn: 5617,
    asnName: 'TPNET',
    colos: ['WAW'],
  },
  {
    country: 'cn',
    region: 'BJ',
    city: 'Beijing',
    lat: '39.9075',
    lon: '116.39723',
    asn: 4134,
    asnName: 'CHINANET-BACKBONE',
    colos: ['HKG'],
  },
  {
    country: 'ru',
    region: 'MOW',
    city: 'Moscow',
    lat: '55.75222',
    lon: '37.61556',
    asn: 12389,
    asnName: 'ROSTELECOM-AS',
    colos: ['FRA'],
  },
];
const placeWeights = cumulative([18, 8, 6, 5, 9, 8, 6, 4, 6, 3, 5, 4, 3, 4, 2, 2, 1]);
for (const p of places) for (const s of [p.city, p.asnName, ...p.colos]) safe(s);

type AgentKind = 'browser' | 'verified-bot' | 'bot' | 'tool';
interface Agent {
  ua: string;
  kind: AgentKind;
  botCategory: string;
}
const agents: readonly Agent[] = [
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    kind: 'browser',
    botCategory: '',
  },
  {
    ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    kind: 'verified-bot',
    botCategory: 'Search Engine Crawler',
  },
  {
    ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    kind: 'verified-bot',
    botCategory: 'Search Engine Crawler',
  },
  {
    ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
    kind: 'verified-bot',
    botCategory: 'AI Crawler',
  },
  { ua: 'curl/8.5.0', kind: 'tool', botCategory: '' },
  { ua: 'python-requests/2.32.3', kind: 'tool', botCategory: '' },
  { ua: 'Go-http-client/1.1', kind: 'bot', botCategory: '' },
  { ua: 'Mozilla/5.0 zgrab/0.x', kind: 'bot', botCategory: '' },
];
const agentWeights = cumulative([22, 12, 14, 6, 6, 2, 6, 10, 3, 3, 4, 2, 1, 2, 2, 2, 1]);
for (const a of agents) safe(a.ua);

const hosts = [
  'www.example.com',
  'api.example.com',
  'static.example.com',
  'shop.example.net',
  'example.com',
] as const;
const hostWeights = cumulative([40, 25, 20, 10, 5]);
const zoneOf = (host: string): string => (host.endsWith('example.net') ? 'example.net' : 'example.com');

type PathKind = 'page' | 'api' | 'static' | 'attack';
interface PathPlan {
  kind: PathKind;
  make: (r: Rng) => string;
  contentType: string;
  min: number;
  max: number;
}
const slugs = [
  'red-running-shoes',
  'wool-socks',
  'trail-backpack-30l',
  'rain-jacket',
  'camp-stove',
  'water-filter',
];
const pagePaths: readonly PathPlan[] = [
  { kind: 'page', make: () => '/', contentType: 'text/html; charset=utf-8', min: 12_000, max: 60_000 },
  {
    kind: 'page',
    make: (r) => `/products/${r.pick(slugs)}`,
    contentType: 'text/html; charset=utf-8',
    min: 20_000,
    max: 90_000,
  },
  { kind: 'page', make: () => '/search', contentType: 'text/html; charset=utf-8', min: 15_000, max: 70_000 },
  { kind: 'page', make: () => '/cart', contentType: 'text/html; charset=utf-8', min: 8_000, max: 30_000 },
  { kind: 'page', make: () => '/login', contentType: 'text/html; charset=utf-8', min: 6_000, max: 12_000 },
  {
    kind: 'api',
    make: (r) => `/api/v1/users/${r.range(1000, 99999)}`,
    contentType: 'application/json',
    min: 200,
    max: 4_000,
  },
  { kind: 'api', make: () => '/api/v1/orders', contentType: 'application/json', min: 300, max: 20_000 },
  {
    kind: 'api',
    make: (r) => `/api/v1/products/${r.pick(slugs)}/reviews`,
    contentType: 'application/json',
    min: 500,
    max: 30_000,
  },
  { kind: 'api', make: () => '/graphql', contentType: 'application/json', min: 200, max: 50_000 },
  {
    kind: 'static',
    make: (r) => `/static/js/app.${r.hex8()}.js`,
    contentType: 'application/javascript',
    min: 20_000,
    max: 400_000,
  },
  { kind: 'static', make: () => '/static/css/main.css', contentType: 'text/css', min: 8_000, max: 90_000 },
  {
    kind: 'static',
    make: (r) => `/images/${r.pick(slugs)}.webp`,
    contentType: 'image/webp',
    min: 10_000,
    max: 300_000,
  },
  { kind: 'static', make: () => '/favicon.ico', contentType: 'image/x-icon', min: 1_000, max: 15_000 },
  { kind: 'static', make: () => '/robots.txt', contentType: 'text/plain', min: 100, max: 800 },
  { kind: 'attack', make: () => '/wp-login.php', contentType: 'text/html', min: 500, max: 5_000 },
  { kind: 'attack', make: () => '/.env', contentType: 'text/html', min: 500, max: 5_000 },
  {
    kind: 'attack',
    make: () => '/cgi-bin/luci/;stok=/locale',
    contentType: 'text/html',
    min: 500,
    max: 5_000,
  },
];
const pathWeights = cumulative([8, 8, 4, 2, 2, 10, 5, 4, 3, 18, 8, 12, 3, 1, 1, 0.6, 0.4]);
const queries: readonly string[] = [
  'q=running+shoes&page=2',
  'utm_source=newsletter&utm_medium=email&utm_campaign=winter',
  'ref=home',
  'sort=price_asc&limit=24',
  'v=3',
];
const attackQueries: readonly string[] = [
  'id=1%27%20OR%201%3D1--',
  'q=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  'cmd=cat+%2Fetc%2Fpasswd',
];
for (const q of [...queries, ...attackQueries]) safe(q);

interface Rule {
  id: string;
  source: string; // http_requests SecuritySources spelling
  action: string; // http_requests SecurityActions spelling
  description: string;
  status: number;
}
const rules: readonly Rule[] = [
  {
    id: 'e3a567afc347477d9702d9047e97d760',
    source: 'firewallManaged',
    action: 'block',
    description: 'SQLi - Comment',
    status: 403,
  },
  {
    id: '6179ae15870a4bb7b2d480d4843b323c',
    source: 'firewallManaged',
    action: 'block',
    description: 'Anomaly:Header:User-Agent - Missing',
    status: 403,
  },
  {
    id: '5de7edfa648c4d6891dc3e7f84534ffa',
    source: 'firewallManaged',
    action: 'log',
    description: 'XSS - JavaScript URI',
    status: 0,
  },
  {
    id: '1b0c6a1c3f7d4a8e9c2b5d7e8f9a0b1c',
    source: 'firewallCustom',
    action: 'block',
    description: 'Block WordPress probes',
    status: 403,
  },
  {
    id: '2c1d7b2d4e8f4b9fad3c6e8f9a0b1c2d',
    source: 'firewallCustom',
    action: 'managedChallenge',
    description: 'Challenge high-risk countries',
    status: 403,
  },
  {
    id: '3d2e8c3e5f904cabbe4d7f9a0b1c2d3e',
    source: 'rateLimit',
    action: 'block',
    description: 'API rate limit 100/min',
    status: 429,
  },
  {
    id: '4e3f9d4f6a0b4dbccf5e8a0b1c2d3e4f',
    source: 'botFight',
    action: 'managedChallenge',
    description: 'Bot Fight Mode',
    status: 403,
  },
  {
    id: '5f4a0e5a7b1c4ecdda6f9b1c2d3e4f5a',
    source: 'securityLevel',
    action: 'jschallenge',
    description: 'Security level',
    status: 403,
  },
];
const logRule = rules[2] as Rule;
const ruleWeights = cumulative([20, 10, 10, 25, 10, 10, 10, 5]);
for (const r of rules) safe(r.description);

const ciphers = [
  'AEAD-AES128-GCM-SHA256',
  'AEAD-AES256-GCM-SHA384',
  'AEAD-CHACHA20-POLY1305-SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
];
const ja4s = [
  't13d1516h2_8daaf6152771_b0da82dd1658',
  't13d1517h2_8daaf6152771_b1ff8ab2d16f',
  't13d311000_e8f1e7e78f70_d41ae481755e',
  't12d190800_d83cc789557e_7af1ed941c26',
];
const origins = ['203.0.113.10', '203.0.113.11', '2001:db8:40::10'];
for (const s of [...hosts, ...slugs, ...ciphers, ...ja4s, ...origins]) safe(s);

// ---------------------------------------------------------------------------------------------------------------
// Time formatting.

function pad9(n: number): string {
  return n >= 100_000_000 ? String(n) : String(n).padStart(9, '0');
}

class Clock {
  readonly format: TimestampFormat;
  readonly startSec: number;
  readonly startNs: number;
  private cachedSec = -1;
  private cachedIso = '';
  constructor(format: TimestampFormat, start: bigint) {
    this.format = format;
    this.startSec = Number(start / 1_000_000_000n);
    this.startNs = Number(start % 1_000_000_000n);
  }
  private iso(sec: number): string {
    if (sec !== this.cachedSec) {
      this.cachedSec = sec;
      this.cachedIso = new Date(sec * 1000).toISOString().slice(0, 19);
    }
    return this.cachedIso;
  }
  /** JSON text of the timestamp `offsetNs` after the start, in the configured format. */
  json(offsetNs: number): string {
    const total = this.startNs + offsetNs;
    const carry = Math.floor(total / 1e9);
    const sec = this.startSec + carry;
    const ns = total - carry * 1e9;
    switch (this.format) {
      case 'unixnano':
        return sec === 0 ? String(ns) : `${sec}${pad9(ns)}`;
      case 'unix':
        return String(sec);
      case 'rfc3339':
        return `"${this.iso(sec)}Z"`;
      case 'rfc3339ns':
        return `"${this.iso(sec)}.${pad9(ns)}Z"`;
    }
  }
  /** Whole seconds since the epoch of the timestamp `offsetNs` after the start. */
  seconds(offsetNs: number): number {
    return this.startSec + Math.floor((this.startNs + offsetNs) / 1e9);
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** RFC 1123 date as origins send in Expires / Last-Modified. */
function httpDate(sec: number): string {
  const d = new Date(sec * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
}

// ---------------------------------------------------------------------------------------------------------------
// The request core shared by http_requests and firewall_events.

const SALT_CORE = 0x1f2e3d4c;
const SALT_HTTP = 0x2a3b4c5d;
const SALT_FIREWALL = 0x3c4d5e6f;
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
function drawCore(r: Rng, seed: number, i: number, out: Core, onlyFlagged: boolean): boolean {
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

function newCore(): Core {
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

// ---------------------------------------------------------------------------------------------------------------
// http_requests

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

function httpLine(core: Core, r: Rng, seed: number, i: number, clock: Clock): string {
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

// ---------------------------------------------------------------------------------------------------------------
// firewall_events: one event per request with a security verdict (same RayID), sometimes a second 'log' match.

function firewallLine(core: Core, rule: Rule, matchIndex: number, r: Rng, clock: Clock): string {
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

// ---------------------------------------------------------------------------------------------------------------
// spectrum_events

const apps = [
  { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', port: 22, sni: '', tls: false, proto: 'tcp' },
  { id: 'b2c3d4e5f60718293a4b5c6d7e8f90a1', port: 25565, sni: '', tls: false, proto: 'tcp' },
  { id: 'c3d4e5f60718293a4b5c6d7e8f90a1b2', port: 443, sni: 'mqtt.example.com', tls: true, proto: 'tcp' },
  { id: 'd4e5f60718293a4b5c6d7e8f90a1b2c3', port: 27015, sni: '', tls: false, proto: 'udp' },
] as const;
const events = ['connect', 'disconnect', 'originError', 'clientFiltered', 'tlsError', 'resolveOrigin'];
const eventW = cumulative([46, 46, 3, 3, 1.5, 0.5]);

function spectrumLine(r: Rng, seed: number, i: number, clock: Clock): string {
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

// ---------------------------------------------------------------------------------------------------------------
// Public API.

function checkOptions(options: GenerateOptions): void {
  if (!seedDatasets.includes(options.dataset))
    throw new TypeError(`dataset must be one of ${seedDatasets.join(', ')}, got ${String(options.dataset)}`);
  if (!Number.isSafeInteger(options.count) || options.count < 0)
    throw new TypeError(`count must be a non-negative integer, got ${options.count}`);
  const format = options.timestampFormat ?? 'unixnano';
  if (!timestampFormats.includes(format))
    throw new TypeError(
      `timestampFormat must be one of ${timestampFormats.join(', ')}, got ${String(format)}`,
    );
}

interface TimedLine {
  line: string;
  /** Whole unix seconds of the record's event time. */
  seconds: number;
}

function* timedRecords(options: GenerateOptions): Generator<TimedLine> {
  checkOptions(options);
  const seed = options.seed ?? 1;
  const clock = new Clock(
    options.timestampFormat ?? 'unixnano',
    options.startUnixNano ?? DEFAULT_START_UNIX_NANO,
  );
  const r = new Rng();
  const item: TimedLine = { line: '', seconds: 0 };
  if (options.dataset === 'spectrum_events') {
    for (let i = 0; i < options.count; i++) {
      item.line = spectrumLine(r, seed, i, clock);
      item.seconds = clock.seconds(i * GAP_NS);
      yield item;
    }
    return;
  }
  const core = newCore();
  if (options.dataset === 'http_requests') {
    for (let i = 0; i < options.count; i++) {
      drawCore(r, seed, i, core, false);
      item.line = httpLine(core, r, seed, i, clock);
      item.seconds = clock.seconds(core.offsetNs);
      yield item;
    }
    return;
  }
  let emitted = 0;
  for (let i = 0; emitted < options.count; i++) {
    if (!drawCore(r, seed, i, core, true)) continue;
    const rule = core.rule;
    if (rule === undefined) continue;
    r.reseed(seed, i, SALT_FIREWALL);
    item.seconds = clock.seconds(core.offsetNs);
    // A managed 'log' match often precedes the terminating rule of the same request.
    if (core.logFirst && emitted + 1 < options.count) {
      item.line = firewallLine(core, logRule, 0, r, clock);
      yield item;
      emitted++;
      item.line = firewallLine(core, rule, 1, r, clock);
    } else item.line = firewallLine(core, rule, 0, r, clock);
    yield item;
    emitted++;
  }
}

/**
 * Generates `count` NDJSON lines (without newline) of realistic records of a seed dataset. Deterministic: the same
 * options give the same bytes. http_requests and firewall_events with the same seed and start describe the same
 * requests (a firewall event's RayID, client and path are those of an http request). Throws TypeError for bad
 * options.
 */
export function* generateRecords(options: GenerateOptions): Generator<string> {
  for (const item of timedRecords(options)) yield item.line;
}

function compactUtc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replaceAll('-', '').replaceAll(':', '') + 'Z';
}

/**
 * Writes the records into `dir` the way Logpush lays out a storage destination:
 * `{YYYYMMDD}/<start>_<end>_<hash>.log.gz` with compact UTC times (20240101T000000Z) of the file's first and last
 * records and 8 hex chars of the content's SHA-1. `files` (default 1) splits the records evenly; `gzip: false`
 * writes plain `.log` files. Resolves with the written paths in order; rejects on I/O errors.
 */
export async function writeLogpushDirectory(
  dir: string,
  options: GenerateOptions & { files?: number; gzip?: boolean },
): Promise<string[]> {
  const files = options.files ?? 1;
  if (!Number.isSafeInteger(files) || files < 1)
    throw new TypeError(`files must be a positive integer, got ${files}`);
  const gzip = options.gzip ?? true;
  checkOptions(options);
  await mkdir(dir, { recursive: true });
  const records = timedRecords(options);
  const written: string[] = [];
  let previousEnd = 0;
  for (let f = 0; f < files; f++) {
    const n = Math.floor((options.count * (f + 1)) / files) - Math.floor((options.count * f) / files);
    if (n === 0) continue;
    const tmp = join(dir, `.partial-${process.pid}-${f}.log`);
    const hash = createHash('sha1');
    let first = -1;
    let last = 0;
    const source = function* (): Generator<string> {
      let buffer = '';
      for (let k = 0; k < n; k++) {
        const next = records.next();
        if (next.done === true) break;
        if (first < 0) first = next.value.seconds;
        last = next.value.seconds;
        buffer += next.value.line + '\n';
        if (buffer.length >= 1 << 20) {
          hash.update(buffer);
          yield buffer;
          buffer = '';
        }
      }
      hash.update(buffer);
      yield buffer;
    };
    try {
      if (gzip) await pipeline(source, createGzip(), createWriteStream(tmp));
      else await pipeline(source, createWriteStream(tmp));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    // Consecutive, non-overlapping windows: a file starts where the previous one ended.
    const start = Math.max(first, previousEnd);
    const end = Math.max(last + 1, start + 1);
    previousEnd = end;
    const day = compactUtc(start).slice(0, 8);
    const name = `${compactUtc(start)}_${compactUtc(end)}_${hash.digest('hex').slice(0, 8)}.log${gzip ? '.gz' : ''}`;
    await mkdir(join(dir, day), { recursive: true });
    const path = join(dir, day, name);
    await rename(tmp, path);
    written.push(path);
  }
  return written;
}
