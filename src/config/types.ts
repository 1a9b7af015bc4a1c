// The config types burrow's server and client run on: the output of ./schema.ts (frp's keys, camelCase,
// nested as in TOML, every default filled in), named by section.
import type { z } from 'zod';
import type { clientTopSchema, proxySchema, serverSchema, visitorSchema } from './schema.js';

/** frps.toml. */
export type ServerConfig = z.output<typeof serverSchema>;
/** The server's [auth]: frp's keys plus burrow's identity policies and login-proof mode. */
export type ServerAuthConfig = ServerConfig['auth'];
/** burrow's [[auth.clients]] entry: what one client-certificate identity may do. */
export type ClientPolicy = ServerAuthConfig['clients'][number];
/** An allowed port range, both ends included; frp's `{ single = n }` becomes `{ start: n, end: n }`. */
export type PortRange = ServerConfig['allowPorts'][number];
/** burrow's server auth.loginProof (see src/wire/login-guard.ts). */
export type LoginProofMode = ServerAuthConfig['loginProof'];
/** The server's TLS settings (transport.tls). */
export type TlsServerConfig = ServerConfig['transport']['tls'];
/** [webServer] of either side; port 0 = off. */
export type WebServerConfig = ServerConfig['webServer'];
/** [log] of either side. */
export type LogConfig = ServerConfig['log'];
/** burrow's log.format values. */
export type LogFormat = LogConfig['format'];

/** One [[proxies]] entry. */
export type ProxyConfig = z.output<typeof proxySchema>;
export type ProxyType = ProxyConfig['type'];
/** One [[visitors]] entry. */
export type VisitorConfig = z.output<typeof visitorSchema>;
export type VisitorType = VisitorConfig['type'];

/** frpc.toml (with the proxies and visitors of included files, and without those that are disabled). */
export type ClientConfig = z.output<typeof clientTopSchema> & { proxies: ProxyConfig[]; visitors: VisitorConfig[] };
/** [auth] of either side; the token is already read from auth.tokenSource when one was given. */
export type AuthConfig = ClientConfig['auth'];
/** Which messages beyond Login carry the auth token's proof. */
export type AuthScope = AuthConfig['additionalScopes'][number];
/** The client's TLS settings (transport.tls). */
export type TlsClientConfig = ClientConfig['transport']['tls'];

/** Options of the loaders. */
export interface LoadOptions {
  /** The environment for {{ .Envs.NAME }} and http_proxy; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** frp's `--allow-unsafe` features; "TokenSourceExec" lets auth.tokenSource.type = "exec" run its command. */
  allowUnsafe?: readonly string[];
}

/** A loaded config, the warnings about it (one line each), and the file it came from. */
export interface Loaded<T> {
  config: T;
  warnings: string[];
  file: string;
}
