// A proxy's `[proxies.plugin]` table: frp 0.70's client plugin types, each one's keys, and the keys each requires.
import { z } from 'zod';
import { bool, oneOf, str, strMap, table } from './fields.js';

/** frp 0.70's client plugin types (pkg/config/v1/proxy_plugin.go); virtual_net belongs to the VirtualNet feature gate. */
export const PLUGIN_TYPES = [
  'http_proxy',
  'socks5',
  'static_file',
  'unix_domain_socket',
  'http2https',
  'https2http',
  'https2https',
  'http2http',
  'tls2raw',
  'virtual_net',
] as const;
export type PluginType = (typeof PLUGIN_TYPES)[number];

/** The keys each plugin type has besides `type` (frp's *PluginOptions structs); `required` are refused when empty (frp's validation/plugin.go). */
export const PLUGIN_KEYS: Readonly<Record<PluginType, { keys: readonly string[]; required: readonly string[] }>> = {
  http_proxy: { keys: ['httpUser', 'httpPassword'], required: [] },
  socks5: { keys: ['username', 'password'], required: [] },
  static_file: { keys: ['localPath', 'stripPrefix', 'httpUser', 'httpPassword'], required: ['localPath'] },
  unix_domain_socket: { keys: ['unixPath'], required: ['unixPath'] },
  http2https: { keys: ['localAddr', 'hostHeaderRewrite', 'requestHeaders'], required: ['localAddr'] },
  https2http: {
    keys: ['localAddr', 'hostHeaderRewrite', 'requestHeaders', 'enableHTTP2', 'crtPath', 'keyPath'],
    required: ['localAddr'],
  },
  https2https: {
    keys: ['localAddr', 'hostHeaderRewrite', 'requestHeaders', 'enableHTTP2', 'crtPath', 'keyPath'],
    required: ['localAddr'],
  },
  http2http: { keys: ['localAddr', 'hostHeaderRewrite', 'requestHeaders'], required: ['localAddr'] },
  tls2raw: { keys: ['localAddr', 'crtPath', 'keyPath'], required: ['localAddr'] },
  virtual_net: { keys: [], required: [] },
};

/** Every plugin key of every type, for the key check's catalogue (its per-type rule is checkPlugin in ./checks.ts). */
export const ALL_PLUGIN_KEYS: readonly string[] = [...new Set(Object.values(PLUGIN_KEYS).flatMap((p) => p.keys))];

/**
 * `[proxies.plugin]`: the union of every type's keys, each with frp's zero value as default, so a
 * plugin reads only its own. Which keys belong to which type is checked in ./checks.ts.
 */
export const pluginSchema = table({
  type: oneOf(PLUGIN_TYPES),
  /** http_proxy, static_file: Basic auth the user must send (none when both are empty). */
  httpUser: str().default(''),
  httpPassword: str().default(''),
  /** socks5: username/password auth (RFC 1929) when set. */
  username: str().default(''),
  password: str().default(''),
  /** static_file: the folder served, and the URL prefix removed before looking a file up. */
  localPath: str().default(''),
  stripPrefix: str().default(''),
  /** unix_domain_socket: the socket the connections go to. */
  unixPath: str().default(''),
  /** http2https, https2http, https2https, http2http, tls2raw: the local service, host:port. */
  localAddr: str().default(''),
  hostHeaderRewrite: str().default(''),
  requestHeaders: table({ set: strMap().default({}) }).prefault({}),
  /** https2http, https2https: offer h2 by ALPN (frp's default true). */
  enableHTTP2: bool().default(true),
  /** https2http, https2https, tls2raw: the certificate the plugin serves; "" = a generated self-signed one. */
  crtPath: str().default(''),
  keyPath: str().default(''),
});

/** A proxy's plugin options, every key present. */
export type PluginConfig = z.output<typeof pluginSchema>;
