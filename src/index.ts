// burrow's library API: start a server, connect a client, load configs, all typed.
import { BurrowClient, type ClientOptions } from './client/index.js';
import type { ClientConfig, ServerConfig } from './config/index.js';
import { BurrowServer, type ServerOptions } from './server/index.js';

export { BurrowError, ErrorCode, isBurrowError, type ErrorCodeValue } from './errors.js';
export { BURROW_VERSION, FRP_COMPAT_VERSION } from './version.js';
export { createLogger, silentLogger, type Logger } from './log.js';
export { BurrowServer, ServerRefusal, type ServerOptions } from './server/index.js';
export { BurrowClient, isLoginRefused, type ClientOptions, type ProxyStatus } from './client/index.js';
export {
  loadServerConfig,
  loadClientConfig,
  parseServerConfig,
  parseClientConfig,
  defaultServerConfig,
  defaultClientConfig,
  defaultProxyConfig,
  ConfigError,
  type ServerConfig,
  type ClientConfig,
  type ProxyConfig,
  type VisitorConfig,
  type Loaded,
} from './config/index.js';

/** Starts a server with a complete config (see loadServerConfig / defaultServerConfig). */
export async function startServer(config: ServerConfig, options: ServerOptions = {}): Promise<BurrowServer> {
  const server = new BurrowServer(config, options);
  await server.start();
  return server;
}

/** Starts a client and waits for its first login (see BurrowClient.start for failure rules). */
export async function connect(config: ClientConfig, options: ClientOptions = {}): Promise<BurrowClient> {
  const client = new BurrowClient(config, options);
  await client.start();
  return client;
}
export { startQuickstart, type Quickstart, type QuickstartOptions } from './quickstart/quickstart.js';
export { probeTls, type ProbeOptions, type ProbeResult } from './tls/probe.js';
export * from './pki/index.js';
