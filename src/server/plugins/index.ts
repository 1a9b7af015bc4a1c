// Public API of the server plugins (frp's [[httpPlugins]]): the manager, the op contents and the protocol constants.
export { PluginManager, type PluginManagerOptions } from './manager.js';
export {
  HttpPlugin,
  MAX_PLUGIN_PENDING_REQUESTS,
  MAX_PLUGIN_RESPONSE_BYTES,
  PLUGIN_REQUEST_TIMEOUT_MS,
  PLUGIN_TIMEOUT_ENV,
  pluginTimeoutMs,
  pluginUrl,
  type HttpPluginConfig,
} from './http-plugin.js';
export { PLUGIN_API_VERSION, parseResponse, type PluginOp, type PluginResponse } from './protocol.js';
export type {
  CloseProxyContent,
  LoginContent,
  NewProxyContent,
  NewUserConnContent,
  NewWorkConnContent,
  PingContent,
  PluginUser,
} from './contents.js';
