// Which factory builds each client plugin type, and createClientPlugin(), which the proxy worker calls.
import type { PluginConfig, PluginType } from '../../config/plugin-schema.js';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { ClientPlugin, PluginContext, PluginFactory } from './plugin.js';
import { createHttpProxyPlugin } from './http-proxy.js';
import { createSocks5Plugin } from './socks5.js';
import { createStaticFilePlugin } from './static-file.js';
import { createUnixDomainSocketPlugin } from './unix-domain-socket.js';
import { createHttp2HttpPlugin } from './http2http.js';
import { createHttp2HttpsPlugin } from './http2https.js';
import { createHttps2HttpPlugin } from './https2http.js';
import { createHttps2HttpsPlugin } from './https2https.js';
import { createTls2RawPlugin } from './tls2raw.js';

/** Every plugin type but virtual_net, whose proxies the config check skips with a warning (frp's VirtualNet feature). */
const FACTORIES: Record<Exclude<PluginType, 'virtual_net'>, PluginFactory> = {
  unix_domain_socket: createUnixDomainSocketPlugin,
  http_proxy: createHttpProxyPlugin,
  socks5: createSocks5Plugin,
  static_file: createStaticFilePlugin,
  http2http: createHttp2HttpPlugin,
  http2https: createHttp2HttpsPlugin,
  https2http: createHttps2HttpPlugin,
  https2https: createHttps2HttpsPlugin,
  tls2raw: createTls2RawPlugin,
};

/** Builds a proxy's plugin; throws BurrowError PLUGIN with the reason (a missing file, an unreadable key, …). */
export function createClientPlugin(options: PluginConfig, context: PluginContext): ClientPlugin {
  const factory = options.type === 'virtual_net' ? undefined : FACTORIES[options.type];
  if (factory === undefined) {
    throw new BurrowError(ErrorCode.PLUGIN, `plugin "${options.type}" is not supported by burrow yet`);
  }
  try {
    return factory(options, context);
  } catch (err) {
    if (err instanceof BurrowError) throw err;
    throw new BurrowError(ErrorCode.PLUGIN, `plugin "${options.type}": ${errorMessage(err)}`, { cause: err });
  }
}
