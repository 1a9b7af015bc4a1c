// Which factory builds each client plugin type, and createClientPlugin(), which the proxy worker calls.
import type { PluginConfig, PluginType } from '../../config/plugin-schema.js';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { ClientPlugin, PluginContext, PluginFactory } from './plugin.js';
import { createUnixDomainSocketPlugin } from './unix-domain-socket.js';

/** The plugin types burrow implements; the config check warns about the others (virtual_net) and skips their proxies. */
const FACTORIES: Partial<Record<PluginType, PluginFactory>> = {
  unix_domain_socket: createUnixDomainSocketPlugin,
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
