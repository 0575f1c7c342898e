/**
 * What a Cloudflare field name says about its value, decided from the name alone so it also works for fields
 * added after this package was built. One rule set serves privacy (what to truncate or scrub) and indicators
 * (where to look for IPs, domains and ray ids).
 */
export type FieldKind = 'ip' | 'url' | 'query' | 'host' | 'ray' | 'headers' | 'cookies' | 'other';

// Names ending in IP/Ip/IPs/IPAddress/Address/Subnet hold addresses (ClientIP, OriginIP, clientIP, ResolvedIPs,
// ActorIPAddress, DeviceIPv4Address, SourceAddress, IPSourceSubnet); Netmask fields do not identify anyone.
const IP_NAME = /(?:^IP|IP|Ip|IPs|IPAddress|Address|Subnet)$/;
const NOT_IP_NAME = /(?:Netmask|EmailAddress|MACAddress)$/;
// Full URLs or request targets, which may carry a query string.
const URL_NAME = /(?:URI|URL|Uri|Url|Referer|Referrer|Path)$/;
// A bare query string (ClientRequestQuery, ClientRefererQuery).
const QUERY_NAME = /(?:RequestQuery|RefererQuery|^Query|QueryString)$/;
const HOST_NAME = /(?:Host|HTTPHost|ServerName|HelloServerName|Domain|DomainName|^QueryName)$/;
const RAY_NAME = /(?:RayID|RayId|rayID|rayId)$/;
const HEADERS_NAME = /(?<!Extension)Headers$/;
const COOKIES_NAME = /^Cookies?$/;

const cache = new Map<string, FieldKind>();

/** The kind of a field from its name (`ClientIP` → `ip`, `ClientRequestURI` → `url`, `RayID` → `ray`). */
export function fieldKind(name: string): FieldKind {
  let kind = cache.get(name);
  if (kind !== undefined) return kind;
  if (COOKIES_NAME.test(name)) kind = 'cookies';
  else if (HEADERS_NAME.test(name)) kind = 'headers';
  else if (RAY_NAME.test(name)) kind = 'ray';
  else if (IP_NAME.test(name) && !NOT_IP_NAME.test(name)) kind = 'ip';
  else if (QUERY_NAME.test(name)) kind = 'query';
  else if (URL_NAME.test(name)) kind = 'url';
  else if (HOST_NAME.test(name)) kind = 'host';
  else kind = 'other';
  if (cache.size < 10_000) cache.set(name, kind);
  return kind;
}
