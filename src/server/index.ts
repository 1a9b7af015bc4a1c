// The server side's public surface.
export { BurrowServer, ServerRefusal, type ServerOptions } from './server.js';
export { PortError } from './port-manager.js';
