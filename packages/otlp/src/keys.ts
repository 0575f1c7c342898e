// Attribute-key helpers: Cloudflare field names to snake_case and Loki's key normalisation.

/**
 * Words kept whole when a Cloudflare field name is split into snake_case (longest first at each position).
 * A naive split on case humps gets several of these wrong (`WAFRCEAttackScore` → `wafrce_…`, `O2O` → `o2_o`).
 */
export const ACRONYMS: readonly string[] = [
  'CNAMEs',
  'CNAME',
  'RCode',
  'IPv4',
  'IPv6',
  'MTLS',
  'HTTP',
  'SQLi',
  'ASN',
  'ISP',
  'IPs',
  'IDs',
  'SSL',
  'TLS',
  'TCP',
  'RTT',
  'URI',
  'URL',
  'DNS',
  'WAF',
  'RCE',
  'XSS',
  'CPU',
  'O2O',
  'JA3',
  'JA4',
  'DoH',
  'DoT',
  'IP',
  'ID',
  'CF',
  'Ms',
  'Us',
];

const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Splits a Cloudflare field name into lower-case words joined by `_`: `ClientTCPRTTMs` → `client_tcp_rtt_ms`,
 * `WAFRCEAttackScore` → `waf_rce_attack_score`, `EdgeCFConnectingO2O` → `edge_cf_connecting_o2o`,
 * `IpFirewall` → `ip_firewall`. Characters other than letters and digits separate words.
 */
export function snakeCase(name: string): string {
  const words: string[] = [];
  let i = 0;
  const n = name.length;
  outer: while (i < n) {
    const c = name.charCodeAt(i);
    if (!isUpper(c) && !isLower(c) && !isDigit(c)) {
      i++;
      continue;
    }
    if (isUpper(c)) {
      for (const acronym of ACRONYMS) {
        if (name.startsWith(acronym, i)) {
          const next = name.charCodeAt(i + acronym.length);
          if (Number.isNaN(next) || !isLower(next)) {
            let end = i + acronym.length;
            while (end < n && isDigit(name.charCodeAt(end))) end++;
            words.push(name.slice(i, end).toLowerCase());
            i = end;
            continue outer;
          }
        }
      }
    }
    let end = i + 1;
    if (isUpper(c)) {
      // An upper-case run: `AIInjection` → `AI` + `Injection`; `Ipv4` → `Ipv4`.
      while (end < n && isUpper(name.charCodeAt(end))) end++;
      if (end - i > 1 && end < n && isLower(name.charCodeAt(end))) end--;
      if (end - i === 1) while (end < n && isLower(name.charCodeAt(end))) end++;
    } else {
      while (end < n && (isLower(name.charCodeAt(end)) || (isDigit(c) && isDigit(name.charCodeAt(end)))))
        end++;
    }
    while (end < n && isDigit(name.charCodeAt(end))) end++;
    words.push(name.slice(i, end).toLowerCase());
    i = end;
  }
  return words.join('_');
}

/**
 * A key as Grafana Loki stores it as structured metadata: every character outside `[A-Za-z0-9_]` becomes `_`,
 * runs of `_` collapse to one, and a leading digit gets a `key_` prefix.
 */
export function lokiNormalise(key: string): string {
  let out = '';
  let lastUnderscore = false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (isUpper(c) || isLower(c) || isDigit(c)) {
      out += key[i];
      lastUnderscore = false;
    } else if (!lastUnderscore) {
      out += '_';
      lastUnderscore = true;
    }
  }
  return out.length > 0 && isDigit(out.charCodeAt(0)) ? `key_${out}` : out;
}
