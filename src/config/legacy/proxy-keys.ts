// frp's legacy proxy and visitor section keys (pkg/config/legacy proxy.go, visitor.go) and the v1 key each becomes.
import type { Spec } from './common-keys.js';

const str = (to: string): Spec => ({ to, kind: 'str' });
const int = (to: string): Spec => ({ to, kind: 'int' });
const bool = (to: string): Spec => ({ to, kind: 'bool' });
const list = (to: string): Spec => ({ to, kind: 'list' });

/** BaseProxyConf (with LocalSvrConf and HealthCheckConf): every proxy type has these. */
const PROXY_BASE: Readonly<Record<string, Spec>> = {
  // The section name is the proxy's name (frp overwrites a `name` key with it).
  name: { ignored: 'the section name is the proxy name' },
  type: str('type'),
  use_encryption: bool('transport.useEncryption'),
  use_compression: bool('transport.useCompression'),
  group: str('loadBalancer.group'),
  group_key: str('loadBalancer.groupKey'),
  proxy_protocol_version: str('transport.proxyProtocolVersion'),
  bandwidth_limit: str('transport.bandwidthLimit'),
  bandwidth_limit_mode: str('transport.bandwidthLimitMode'),
  local_ip: str('localIP'),
  local_port: int('localPort'),
  plugin: str('plugin.type'),
  health_check_type: str('healthCheck.type'),
  health_check_timeout_s: int('healthCheck.timeoutSeconds'),
  health_check_max_failed: int('healthCheck.maxFailed'),
  health_check_interval_s: int('healthCheck.intervalSeconds'),
  health_check_url: str('healthCheck.path'),
};

const DOMAIN: Readonly<Record<string, Spec>> = {
  custom_domains: list('customDomains'),
  subdomain: str('subdomain'),
};

/** RoleServerCommonConf: the server side of stcp, sudp and xtcp. */
const ROLE_SERVER: Readonly<Record<string, Spec>> = {
  // role = server is the default; role = visitor makes the section a visitor (read before these tables).
  role: { control: 'str' },
  sk: str('secretKey'),
  allow_users: list('allowUsers'),
};

/** The keys of each legacy proxy type beyond PROXY_BASE; header_ (http) and plugin_ families are in the converter. */
export const PROXY_TYPE_KEYS: Readonly<Record<string, Readonly<Record<string, Spec>>>> = {
  tcp: { remote_port: int('remotePort') },
  udp: { remote_port: int('remotePort') },
  http: {
    ...DOMAIN,
    locations: list('locations'),
    http_user: str('httpUser'),
    http_pwd: str('httpPassword'),
    host_header_rewrite: str('hostHeaderRewrite'),
    route_by_http_user: str('routeByHTTPUser'),
  },
  https: { ...DOMAIN },
  tcpmux: {
    ...DOMAIN,
    http_user: str('httpUser'),
    http_pwd: str('httpPassword'),
    route_by_http_user: str('routeByHTTPUser'),
    multiplexer: str('multiplexer'),
  },
  stcp: ROLE_SERVER,
  sudp: ROLE_SERVER,
  xtcp: ROLE_SERVER,
};

/** The keys of one proxy type, base included. */
export function proxyKeys(type: string): Readonly<Record<string, Spec>> | undefined {
  const own = Object.hasOwn(PROXY_TYPE_KEYS, type) ? PROXY_TYPE_KEYS[type] : undefined;
  return own === undefined ? undefined : { ...PROXY_BASE, ...own };
}

/** BaseVisitorConf. */
const VISITOR_BASE: Readonly<Record<string, Spec>> = {
  name: { ignored: 'the section name is the visitor name' },
  type: str('type'),
  role: { control: 'str' },
  use_encryption: bool('transport.useEncryption'),
  use_compression: bool('transport.useCompression'),
  sk: str('secretKey'),
  server_user: str('serverUser'),
  server_name: str('serverName'),
  bind_addr: str('bindAddr'),
  bind_port: int('bindPort'),
};

/** The keys of each legacy visitor type. */
export const VISITOR_TYPE_KEYS: Readonly<Record<string, Readonly<Record<string, Spec>>>> = {
  stcp: VISITOR_BASE,
  sudp: VISITOR_BASE,
  xtcp: {
    ...VISITOR_BASE,
    protocol: str('protocol'),
    keep_tunnel_open: bool('keepTunnelOpen'),
    max_retries_an_hour: int('maxRetriesAnHour'),
    min_retry_interval: int('minRetryInterval'),
    fallback_to: str('fallbackTo'),
    fallback_timeout_ms: int('fallbackTimeoutMs'),
  },
};

/** The keys of one visitor type. */
export function visitorKeys(type: string): Readonly<Record<string, Spec>> | undefined {
  return Object.hasOwn(VISITOR_TYPE_KEYS, type) ? VISITOR_TYPE_KEYS[type] : undefined;
}

/** Each legacy plugin's plugin_* parameters and the v1 plugin key each becomes (conversion.go). */
export const PLUGIN_PARAMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  http2https: { plugin_local_addr: 'localAddr', plugin_host_header_rewrite: 'hostHeaderRewrite' },
  http_proxy: { plugin_http_user: 'httpUser', plugin_http_passwd: 'httpPassword' },
  https2http: {
    plugin_local_addr: 'localAddr',
    plugin_host_header_rewrite: 'hostHeaderRewrite',
    plugin_crt_path: 'crtPath',
    plugin_key_path: 'keyPath',
  },
  https2https: {
    plugin_local_addr: 'localAddr',
    plugin_host_header_rewrite: 'hostHeaderRewrite',
    plugin_crt_path: 'crtPath',
    plugin_key_path: 'keyPath',
  },
  socks5: { plugin_user: 'username', plugin_passwd: 'password' },
  static_file: {
    plugin_local_path: 'localPath',
    plugin_strip_prefix: 'stripPrefix',
    plugin_http_user: 'httpUser',
    plugin_http_passwd: 'httpPassword',
  },
  unix_domain_socket: { plugin_unix_path: 'unixPath' },
};

/** The plugins whose plugin_header_X parameters become requestHeaders.set.X. */
export const PLUGINS_WITH_HEADERS: ReadonlySet<string> = new Set(['http2https', 'https2http', 'https2https']);
