// Which factory builds each client plugin type, and createClientPlugin(), which the proxy worker calls.
import type { PluginConfig, PluginType } from '../../config/plugin-schema.js';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { ClientPlugin, PluginContext, PluginFactory } from './plugin.js';
import { createUnixDomainSocketPlugin } from './unix-domain-socket.js';
import { createHttp2HttpPlugin } from './http2http.js';
import { createHttp2HttpsPlugin } from './http2https.js';
import { createHttps2HttpPlugin } from './https2http.js';
import { createHttps2HttpsPlugin } from './https2https.js';
import { createTls2RawPlugin } from './tls2raw.js';

/** The plugin types burrow implements; the config check warns about the others (virtual_net) and skips their proxies. */
const FACTORIES: Partial<Record<PluginType, PluginFactory>> = {
  unix_domain_socket: createUnixDomainSocketPlugin,
  http2http: createHttp2HttpPlugin,
  http2https: createHttp2HttpsPlugin,
  https2http: createHttps2HttpPlugin,
  https2https: createHttps2HttpsPlugin,
  tls2raw: createTls2RawPlugin,
};

/** True when burrow can run plugins of this type. */
export function isPluginImplemented(type: PluginType): boolean {
  return FACTORIES[type] !== undefined;
}

/** Builds a proxy's plugin; throws BurrowError PLUGIN with the reason (a missing file, an unreadable key, …). */
export function createClientPlugin(options: PluginConfig, context: PluginContext): ClientPlugin {
  const factory = FACTORIES[options.type];
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
