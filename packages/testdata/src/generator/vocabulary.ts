// The generator's vocabulary: places, user agents, hosts, paths, queries, WAF rules, ciphers and origins
// (realistic, invented; no real users).
import type { Rng } from './rng.ts';
import { cumulative, safe } from './rng.ts';

export interface Place {
  country: string;
  region: string;
  city: string;
  lat: string;
  lon: string;
  asn: number;
  asnName: string;
  colos: readonly string[];
}
export const places: readonly Place[] = [
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
export const placeWeights = cumulative([18, 8, 6, 5, 9, 8, 6, 4, 6, 3, 5, 4, 3, 4, 2, 2, 1]);
for (const p of places) for (const s of [p.city, p.asnName, ...p.colos]) safe(s);

type AgentKind = 'browser' | 'verified-bot' | 'bot' | 'tool';
export interface Agent {
  ua: string;
  kind: AgentKind;
  botCategory: string;
}
export const agents: readonly Agent[] = [
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
export const agentWeights = cumulative([22, 12, 14, 6, 6, 2, 6, 10, 3, 3, 4, 2, 1, 2, 2, 2, 1]);
for (const a of agents) safe(a.ua);

export const hosts = [
  'www.example.com',
  'api.example.com',
  'static.example.com',
  'shop.example.net',
  'example.com',
] as const;
export const hostWeights = cumulative([40, 25, 20, 10, 5]);
export const zoneOf = (host: string): string =>
  host.endsWith('example.net') ? 'example.net' : 'example.com';

type PathKind = 'page' | 'api' | 'static' | 'attack';
export interface PathPlan {
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
export const pagePaths: readonly PathPlan[] = [
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
export const pathWeights = cumulative([8, 8, 4, 2, 2, 10, 5, 4, 3, 18, 8, 12, 3, 1, 1, 0.6, 0.4]);
export const queries: readonly string[] = [
  'q=running+shoes&page=2',
  'utm_source=newsletter&utm_medium=email&utm_campaign=winter',
  'ref=home',
  'sort=price_asc&limit=24',
  'v=3',
];
export const attackQueries: readonly string[] = [
  'id=1%27%20OR%201%3D1--',
  'q=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  'cmd=cat+%2Fetc%2Fpasswd',
];
for (const q of [...queries, ...attackQueries]) safe(q);

export interface Rule {
  id: string;
  source: string; // http_requests SecuritySources spelling
  action: string; // http_requests SecurityActions spelling
  description: string;
  status: number;
}
export const rules: readonly Rule[] = [
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
export const logRule = rules[2] as Rule;
export const ruleWeights = cumulative([20, 10, 10, 25, 10, 10, 10, 5]);
for (const r of rules) safe(r.description);

export const ciphers = [
  'AEAD-AES128-GCM-SHA256',
  'AEAD-AES256-GCM-SHA384',
  'AEAD-CHACHA20-POLY1305-SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
];
export const ja4s = [
  't13d1516h2_8daaf6152771_b0da82dd1658',
  't13d1517h2_8daaf6152771_b1ff8ab2d16f',
  't13d311000_e8f1e7e78f70_d41ae481755e',
  't12d190800_d83cc789557e_7af1ed941c26',
];
export const origins = ['203.0.113.10', '203.0.113.11', '2001:db8:40::10'];
for (const s of [...hosts, ...slugs, ...ciphers, ...ja4s, ...origins]) safe(s);
