// frp's Complete() rules that read another key or the environment, and the all-defaults configs;
// every other default is declared with its key in ./schema.ts.
import {
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_HEARTBEAT_TIMEOUT,
  DEFAULT_PROXY_TYPE,
  DEFAULT_VISITOR_TYPE,
  HEARTBEAT_OFF,
} from './default-values.js';
import { type VisitorInput, clientTopSchema, proxySchema, serverSchema, visitorSchema } from './schema.js';
import type { ClientConfig, ProxyConfig, ServerConfig, VisitorConfig } from './types.js';

export * from './default-values.js';

/** A heartbeat setting left at 0: off with tcpMux (yamux keep-alives detect dead links), else frp's default. */
function heartbeat(value: number, tcpMux: boolean, fallback: number): number {
  return value !== 0 ? value : tcpMux ? HEARTBEAT_OFF : fallback;
}

/** The server's config from what the schema read (the token is passed in, already read from a tokenSource). */
export function completeServer(c: ServerConfig, token?: string): ServerConfig {
  const t = c.transport;
  return {
    ...c,
    proxyBindAddr: c.proxyBindAddr === '' ? c.bindAddr : c.proxyBindAddr,
    auth: { ...c.auth, token: token ?? c.auth.token },
    transport: {
      ...t,
      heartbeatTimeout: heartbeat(t.heartbeatTimeout, t.tcpMux, DEFAULT_HEARTBEAT_TIMEOUT),
      // frp forces TLS once a CA is configured: client certificates cannot be checked on plain TCP.
      tls: { ...t.tls, force: t.tls.trustedCaFile !== '' || t.tls.trustedCaData !== '' || t.tls.force },
    },
  };
}

/**
 * A proxy entry with every default filled (for library users building configs in code). Name and type
 * are taken as given, not validated: a bad one is reported by the loader, as ConfigError, like a file's.
 */
export function defaultProxyConfig(name = '', type: ProxyConfig['type'] = DEFAULT_PROXY_TYPE): ProxyConfig {
  return { ...proxySchema.parse({}), name, type };
}

/** A visitor entry with every default filled; name and type as given (see defaultProxyConfig). */
export function completeVisitor(v: Pick<VisitorInput, 'name' | 'type'>): VisitorConfig {
  return { ...visitorSchema.parse({}), name: v.name ?? '', type: v.type ?? DEFAULT_VISITOR_TYPE };
}

/** The client's config from what the schema read; `proxies`/`visitors` are the final (merged, filtered) lists. */
export function completeClient(
  c: Omit<ClientConfig, 'proxies' | 'visitors'>,
  env: NodeJS.ProcessEnv,
  token?: string,
  proxies: ProxyConfig[] = [],
  visitors: VisitorConfig[] = [],
): ClientConfig {
  const t = c.transport;
  return {
    ...c,
    auth: { ...c.auth, token: token ?? c.auth.token },
    transport: {
      ...t,
      heartbeatInterval: heartbeat(t.heartbeatInterval, t.tcpMux, DEFAULT_HEARTBEAT_INTERVAL),
      heartbeatTimeout: heartbeat(t.heartbeatTimeout, t.tcpMux, DEFAULT_HEARTBEAT_TIMEOUT),
      proxyURL: t.proxyURL !== '' ? t.proxyURL : (env.http_proxy ?? ''),
    },
    proxies,
    visitors,
  };
}

/** frps's config when the file sets nothing: every default, as frp's Complete(). */
export function defaultServerConfig(): ServerConfig {
  return completeServer(serverSchema.parse({}));
}

/** frpc's config when the file sets nothing; transport.proxyURL comes from `env.http_proxy` as in frp. */
export function defaultClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  return completeClient(clientTopSchema.parse({}), env);
}
