// burrow's library API: start a server, connect a client, load configs, all typed.
import { BurrowClient, resolveConnectOptions, type ClientOptions, type ConnectOptions } from './client/index.js';
import type { ServerConfig } from './config/index.js';
import { BurrowServer, type ServerOptions } from './server/index.js';

export { BurrowError, ErrorCode, isBurrowError, type ErrorCodeValue } from './errors.js';
export { isMuxError } from './mux/index.js';
export { BURROW_VERSION, FRP_COMPAT_VERSION } from './version.js';
export { createLogger, loggerFromConfig, silentLogger, type Logger, type LoggerOptions } from './log.js';
export {
  BurrowServer,
  DEFAULT_DRAIN_MS,
  ServerRefusal,
  type CloseOptions,
  type PeerInfo,
  type ServerOptions,
  type ServerReloadResult,
} from './server/index.js';
export { createEnrollService, joinServer, renewCertificate, renewalDue } from './enroll/index.js';
export {
  BurrowClient,
  ClientAdminApi,
  isLoginRefused,
  type ClientOptions,
  type ClientReloadResult,
  type ConnectOptions,
  type Forward,
  type ForwardOptions,
  type ProxyOptions,
  type ProxyStatus,
  type VisitorOptions,
} from './client/index.js';
export type { ClientProxyStatus, ClientView, ServerView } from './observe/index.js';
export {
  loadServerConfig,
  loadClientConfig,
  parseServerConfig,
  parseClientConfig,
  defaultServerConfig,
  defaultClientConfig,
  defaultProxyConfig,
  ConfigError,
  UNSAFE_TOKEN_SOURCE_EXEC,
  type LoadOptions,
  type ServerConfig,
  type ClientConfig,
  type ProxyConfig,
  type VisitorConfig,
  type Loaded,
} from './config/index.js';
export {
  convertConfigFile,
  convertConfigText,
  type ConvertOptions,
  type ConvertedConfig,
  type Role as ConfigRole,
} from './config/convert.js';

/** Starts a server with a complete config (see loadServerConfig / defaultServerConfig). */
export async function startServer(config: ServerConfig, options: ServerOptions = {}): Promise<BurrowServer> {
  const server = new BurrowServer(config, options);
  await server.start();
  return server;
}

/**
 * Starts a client and waits for its first login (see BurrowClient.start for failure rules).
 * `options` holds frpc.toml's keys in camelCase, any subset (a full ClientConfig works too); they
 * are completed with frp's defaults and checked as the file would be (ConfigError when invalid).
 */
export async function connect(options: ConnectOptions, clientOptions: ClientOptions = {}): Promise<BurrowClient> {
  const resolved = resolveConnectOptions(options, clientOptions.env);
  // A config read from a file had its warnings reported by the loader; options from code get them here.
  if (clientOptions.configFile === undefined) {
    for (const warning of resolved.warnings) clientOptions.logger?.warn(warning);
  }
  const client = new BurrowClient(resolved.config, { configText: resolved.text, ...clientOptions });
  await client.start();
  return client;
}
export { startQuickstart, type Quickstart, type QuickstartOptions } from './quickstart/quickstart.js';
export { probeTls, type ProbeOptions, type ProbeResult } from './tls/probe.js';
export * from './pki/index.js';
