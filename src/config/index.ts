// Public API of the config layer: load and validate frps.toml / frpc.toml the way frp 0.70 reads them.
export { ConfigError } from './config-error.js';
export {
  DEFAULT_USER_CONN_IDLE_TIMEOUT,
  defaultClientConfig,
  defaultProxyConfig,
  defaultServerConfig,
} from './defaults.js';
export { loadClientConfig, parseClientConfig } from './client.js';
export { loadServerConfig, parseServerConfig } from './server.js';
export { renderTemplate } from './template.js';
export { UNSUPPORTED_WARNING } from './key-check.js';
export { UNSAFE_FEATURES, UNSAFE_TOKEN_SOURCE_EXEC } from './token-exec.js';
export type {
  AuthConfig,
  AuthScope,
  LoginProofMode,
  ClientPolicy,
  ServerAuthConfig,
  ClientConfig,
  LoadOptions,
  Loaded,
  LogConfig,
  PortRange,
  ProxyConfig,
  ProxyType,
  ServerConfig,
  TlsClientConfig,
  TlsServerConfig,
  VisitorConfig,
  VisitorType,
  WebServerConfig,
} from './types.js';
