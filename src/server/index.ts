// The server side's public surface.
export {
  BurrowServer,
  ServerRefusal,
  type CloseOptions,
  type ServerOptions,
  type ServerReloadResult,
} from './server.js';
export type { PeerInfo } from './control.js';
export { DEFAULT_DRAIN_MS } from './constants.js';
export { PortError } from './port-manager.js';
