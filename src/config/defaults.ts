// frp's defaults (Complete() in pkg/config/v1): fill every key a config file left out.
import type { ClientInput, ProxyInput, ServerInput, VisitorInput } from './schema.js';
import type { ClientConfig, LogConfig, ProxyConfig, ServerConfig, VisitorConfig, WebServerConfig } from './types.js';

/** frp's defaults, in seconds, counts and bytes. */
export const DEFAULT_BIND_ADDR = '0.0.0.0';
export const DEFAULT_BIND_PORT = 7000;
export const DEFAULT_SERVER_ADDR = '0.0.0.0';
export const DEFAULT_SERVER_PORT = 7000;
export const DEFAULT_TCP_MUX_KEEPALIVE_INTERVAL = 30;
/** Server-side TCP keep-alive probe interval. */
export const DEFAULT_TCP_KEEPALIVE = 7200;
export const DEFAULT_MAX_POOL_COUNT = 5;
/** Heartbeats without tcpMux (with tcpMux, yamux keep-alives replace them: -1 = off). */
export const DEFAULT_HEARTBEAT_INTERVAL = 30;
export const DEFAULT_HEARTBEAT_TIMEOUT = 90;
export const HEARTBEAT_OFF = -1;
export const DEFAULT_USER_CONN_TIMEOUT = 10;
export const DEFAULT_UDP_PACKET_SIZE = 1500;
export const DEFAULT_POOL_COUNT = 1;
export const DEFAULT_DIAL_SERVER_TIMEOUT = 10;
export const DEFAULT_DIAL_SERVER_KEEPALIVE = 7200;
export const DEFAULT_WEB_SERVER_ADDR = '127.0.0.1';
export const DEFAULT_LOG_TO = 'console';
export const DEFAULT_LOG_LEVEL = 'info';
export const DEFAULT_LOG_MAX_DAYS = 3;
export const DEFAULT_LOCAL_IP = '127.0.0.1';
export const DEFAULT_VISITOR_BIND_ADDR = '127.0.0.1';
export const DEFAULT_BANDWIDTH_LIMIT_MODE = 'client';
/** burrow's transport.connectionRateLimit: new connections per second per client IP on bindPort. */
export const DEFAULT_CONNECTION_RATE_LIMIT = 50;
/** burrow's transport.connectionBurst: connections per IP before the rate applies. */
export const DEFAULT_CONNECTION_BURST = 200;
/** burrow's userConnIdleTimeout: one hour of silence both ways (long enough for an idle SSH session). */
export const DEFAULT_USER_CONN_IDLE_TIMEOUT = 3600;
/** burrow's maxPortsPerClient when the file does not set it (frp: no limit; an explicit 0 still means none). */
export const DEFAULT_MAX_PORTS_PER_CLIENT = 100;
/** burrow's maxProxiesPerClient when unset: proxies one client may register at once (0 = no limit). */
export const DEFAULT_MAX_PROXIES_PER_CLIENT = 200;
/** burrow's log.format: readable on a TTY, JSON where output is piped or written to a file. */
export const DEFAULT_LOG_FORMAT = 'auto';
/** burrow's auth.loginProof: burrow clients prove each login, frp clients still log in. */
export const DEFAULT_LOGIN_PROOF = 'auto';

/** frp's util.EmptyOr: the zero value (undefined, 0, "") means "use the default". */
function or<T extends string | number>(value: T | undefined, fallback: T): T {
  return value === undefined || value === 0 || value === '' ? fallback : value;
}

function completeWebServer(w: ServerInput['webServer']): WebServerConfig {
  return {
    addr: or(w?.addr, DEFAULT_WEB_SERVER_ADDR),
    port: w?.port ?? 0,
    user: w?.user ?? '',
    password: w?.password ?? '',
    tls: { certFile: w?.tls?.certFile ?? '', keyFile: w?.tls?.keyFile ?? '' },
    allowUnauthenticated: w?.allowUnauthenticated ?? false,
  };
}

function completeLog(l: ServerInput['log']): LogConfig {
  return {
    to: or(l?.to, DEFAULT_LOG_TO),
    level: or(l?.level, DEFAULT_LOG_LEVEL),
    maxDays: or(l?.maxDays, DEFAULT_LOG_MAX_DAYS),
    format: l?.format ?? DEFAULT_LOG_FORMAT,
  };
}

/** `{ single }` or `{ start, end }` as written → an inclusive range. */
function toRange(r: { start?: number; end?: number; single?: number }): { start: number; end: number } {
  return r.single !== undefined ? { start: r.single, end: r.single } : { start: r.start ?? 0, end: r.end ?? 0 };
}

/** A full ServerConfig from what frps.toml set (the token is passed in, already read from a tokenSource). */
export function completeServer(c: ServerInput, token?: string): ServerConfig {
  const t = c.transport;
  const tcpMux = t?.tcpMux ?? true;
  const bindAddr = or(c.bindAddr, DEFAULT_BIND_ADDR);
  const trustedCaFile = t?.tls?.trustedCaFile ?? '';
  const trustedCaData = t?.tls?.trustedCaData ?? '';
  return {
    bindAddr,
    bindPort: or(c.bindPort, DEFAULT_BIND_PORT),
    proxyBindAddr: or(c.proxyBindAddr, bindAddr),
    vhostHTTPPort: c.vhostHTTPPort ?? 0,
    vhostHTTPSPort: c.vhostHTTPSPort ?? 0,
    subDomainHost: c.subDomainHost ?? '',
    auth: {
      method: 'token',
      token: token ?? c.auth?.token ?? '',
      additionalScopes: [...(c.auth?.additionalScopes ?? [])],
      clients: (c.auth?.clients ?? []).map((p) => ({
        id: p.id ?? '',
        allowProxies: [...(p.allowProxies ?? [])],
        allowPorts: (p.allowPorts ?? []).map(toRange),
        allowDomains: [...(p.allowDomains ?? [])],
      })),
      loginProof: c.auth?.loginProof ?? DEFAULT_LOGIN_PROOF,
    },
    transport: {
      tcpMux,
      tcpMuxKeepaliveInterval: or(t?.tcpMuxKeepaliveInterval, DEFAULT_TCP_MUX_KEEPALIVE_INTERVAL),
      heartbeatTimeout: or(t?.heartbeatTimeout, tcpMux ? HEARTBEAT_OFF : DEFAULT_HEARTBEAT_TIMEOUT),
      maxPoolCount: or(t?.maxPoolCount, DEFAULT_MAX_POOL_COUNT),
      tcpKeepalive: or(t?.tcpKeepalive, DEFAULT_TCP_KEEPALIVE),
      // 0 is meaningful here (no limit), so only an absent key takes the default.
      connectionRateLimit: t?.connectionRateLimit ?? DEFAULT_CONNECTION_RATE_LIMIT,
      connectionBurst: t?.connectionBurst ?? DEFAULT_CONNECTION_BURST,
      tls: {
        // frp forces TLS once a CA is configured: client certificates cannot be checked on plain TCP.
        force: trustedCaFile !== '' || trustedCaData !== '' ? true : (t?.tls?.force ?? false),
        certFile: t?.tls?.certFile ?? '',
        keyFile: t?.tls?.keyFile ?? '',
        trustedCaFile,
        trustedCaData,
        crlFile: t?.tls?.crlFile ?? '',
        caDir: t?.tls?.caDir ?? '',
      },
    },
    allowPorts: (c.allowPorts ?? []).map(toRange),
    maxPortsPerClient: c.maxPortsPerClient ?? DEFAULT_MAX_PORTS_PER_CLIENT,
    maxProxiesPerClient: c.maxProxiesPerClient ?? DEFAULT_MAX_PROXIES_PER_CLIENT,
    userConnTimeout: or(c.userConnTimeout, DEFAULT_USER_CONN_TIMEOUT),
    userConnIdleTimeout: c.userConnIdleTimeout ?? DEFAULT_USER_CONN_IDLE_TIMEOUT,
    detailedErrorsToClient: c.detailedErrorsToClient ?? true,
    udpPacketSize: or(c.udpPacketSize, DEFAULT_UDP_PACKET_SIZE),
    webServer: completeWebServer(c.webServer),
    enablePrometheus: c.enablePrometheus ?? false,
    log: completeLog(c.log),
    stateDir: c.stateDir ?? '',
  };
}

/** A full ProxyConfig from one [[proxies]] entry (already checked: name and type are present). */
export function completeProxy(p: ProxyInput): ProxyConfig {
  return {
    name: p.name ?? '',
    type: p.type ?? 'tcp',
    localIP: or(p.localIP, DEFAULT_LOCAL_IP),
    localPort: p.localPort ?? 0,
    remotePort: p.remotePort ?? 0,
    customDomains: [...(p.customDomains ?? [])],
    subdomain: p.subdomain ?? '',
    locations: [...(p.locations ?? [])],
    hostHeaderRewrite: p.hostHeaderRewrite ?? '',
    httpUser: p.httpUser ?? '',
    httpPassword: p.httpPassword ?? '',
    requestHeaders: { set: { ...(p.requestHeaders?.set ?? {}) } },
    responseHeaders: { set: { ...(p.responseHeaders?.set ?? {}) } },
    routeByHTTPUser: p.routeByHTTPUser ?? '',
    secretKey: p.secretKey ?? '',
    allowUsers: [...(p.allowUsers ?? [])],
    transport: {
      useEncryption: p.transport?.useEncryption ?? false,
      useCompression: p.transport?.useCompression ?? false,
      bandwidthLimit: p.transport?.bandwidthLimit?.trim() ?? '',
      bandwidthLimitMode: or(p.transport?.bandwidthLimitMode, DEFAULT_BANDWIDTH_LIMIT_MODE),
      proxyProtocolVersion: p.transport?.proxyProtocolVersion ?? '',
    },
    loadBalancer: { group: p.loadBalancer?.group ?? '', groupKey: p.loadBalancer?.groupKey ?? '' },
    metadatas: { ...(p.metadatas ?? {}) },
    annotations: { ...(p.annotations ?? {}) },
  };
}

/** A proxy entry with every default filled (for library users building configs in code). */
export function defaultProxyConfig(name = '', type: ProxyConfig['type'] = 'tcp'): ProxyConfig {
  return completeProxy({ name, type });
}

/** A full VisitorConfig from one [[visitors]] entry (already checked). */
export function completeVisitor(v: VisitorInput): VisitorConfig {
  return {
    name: v.name ?? '',
    type: v.type ?? 'stcp',
    serverName: v.serverName ?? '',
    serverUser: v.serverUser ?? '',
    secretKey: v.secretKey ?? '',
    bindAddr: or(v.bindAddr, DEFAULT_VISITOR_BIND_ADDR),
    bindPort: v.bindPort ?? 0,
    transport: {
      useEncryption: v.transport?.useEncryption ?? false,
      useCompression: v.transport?.useCompression ?? false,
    },
  };
}

/** A full ClientConfig from what frpc.toml set; `proxies`/`visitors` are the final (merged, filtered) lists. */
export function completeClient(
  c: ClientInput,
  env: NodeJS.ProcessEnv,
  token?: string,
  proxies: ProxyConfig[] = (c.proxies ?? []).map(completeProxy),
  visitors: VisitorConfig[] = (c.visitors ?? []).map(completeVisitor),
): ClientConfig {
  const t = c.transport;
  const tcpMux = t?.tcpMux ?? true;
  return {
    serverAddr: or(c.serverAddr, DEFAULT_SERVER_ADDR),
    serverPort: or(c.serverPort, DEFAULT_SERVER_PORT),
    user: c.user ?? '',
    clientID: c.clientID ?? '',
    loginFailExit: c.loginFailExit ?? true,
    metadatas: { ...(c.metadatas ?? {}) },
    auth: {
      method: 'token',
      token: token ?? c.auth?.token ?? '',
      additionalScopes: [...(c.auth?.additionalScopes ?? [])],
    },
    transport: {
      protocol: or(t?.protocol, 'tcp'),
      wireProtocol: or(t?.wireProtocol, 'v1'),
      poolCount: or(t?.poolCount, DEFAULT_POOL_COUNT),
      tcpMux,
      tcpMuxKeepaliveInterval: or(t?.tcpMuxKeepaliveInterval, DEFAULT_TCP_MUX_KEEPALIVE_INTERVAL),
      // With tcpMux, yamux keep-alives detect dead links, so frp turns application heartbeats off.
      heartbeatInterval: or(t?.heartbeatInterval, tcpMux ? HEARTBEAT_OFF : DEFAULT_HEARTBEAT_INTERVAL),
      heartbeatTimeout: or(t?.heartbeatTimeout, tcpMux ? HEARTBEAT_OFF : DEFAULT_HEARTBEAT_TIMEOUT),
      dialServerTimeout: or(t?.dialServerTimeout, DEFAULT_DIAL_SERVER_TIMEOUT),
      dialServerKeepalive: or(t?.dialServerKeepalive, DEFAULT_DIAL_SERVER_KEEPALIVE),
      connectServerLocalIP: t?.connectServerLocalIP ?? '',
      proxyURL: or(t?.proxyURL, env.http_proxy ?? ''),
      tls: {
        enable: t?.tls?.enable ?? true,
        certFile: t?.tls?.certFile ?? '',
        keyFile: t?.tls?.keyFile ?? '',
        trustedCaFile: t?.tls?.trustedCaFile ?? '',
        serverName: t?.tls?.serverName ?? '',
        disableCustomTLSFirstByte: t?.tls?.disableCustomTLSFirstByte ?? true,
        trustedCaData: t?.tls?.trustedCaData ?? '',
        serverFingerprint: t?.tls?.serverFingerprint ?? '',
        verify: t?.tls?.verify ?? 'auto',
      },
    },
    udpPacketSize: or(c.udpPacketSize, DEFAULT_UDP_PACKET_SIZE),
    webServer: completeWebServer(c.webServer),
    log: completeLog(c.log),
    proxies,
    visitors,
  };
}

/** frps's config when the file sets nothing: every default, as frp's Complete(). */
export function defaultServerConfig(): ServerConfig {
  return completeServer({});
}

/** frpc's config when the file sets nothing; transport.proxyURL comes from `env.http_proxy` as in frp. */
export function defaultClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  return completeClient({}, env);
}
