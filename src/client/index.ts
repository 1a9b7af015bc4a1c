// The client side's public surface.
export { BurrowClient, isLoginRefused, type ClientOptions, type ProxyStatus } from './client.js';
export { ClientAdminApi, ADMIN_API_TIMEOUT_MS } from './admin-client.js';
export { reconnectDelayMs } from './backoff.js';
export { FORWARD_RESPONSE_TIMEOUT_MS, type Forward, type ForwardOptions } from './forward.js';
export {
  configToToml,
  resolveConnectOptions,
  type ConnectOptions,
  type ProxyOptions,
  type VisitorOptions,
} from './options.js';
export type { ClientReloadResult } from './reload.js';
