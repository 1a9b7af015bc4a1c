// Catalogue of every TOML key frp knows, read from frp 0.70 pkg/config/v1/*.go (json tags of
// ServerConfig, ClientConfig, the proxy and visitor configs, and the types they embed).
// It says only what frp knows; what burrow implements is the zod schema in ./schema.ts.

/**
 * One key of frp's config: `'value'` is a leaf (scalar, array of scalars, or a free-form table such
 * as `metadatas` or `plugin` whose inside is not checked); a nested record is a table of known keys;
 * `{ list }` is an array of tables; `{ typed }` is an array of tables whose keys depend on `type`.
 */
export type FrpKey =
  'value' | FrpKeys | { readonly list: FrpKeys } | { readonly typed: Readonly<Record<string, FrpKeys>> };

/** The keys of one TOML table. */
export interface FrpKeys {
  readonly [key: string]: FrpKey;
}

/** True when `k` is a table of known keys (not a leaf, list or typed list). */
export function isTableKey(k: FrpKey | undefined): k is FrpKeys {
  return (
    typeof k === 'object' &&
    !('list' in k && typeof k.list === 'object') &&
    !('typed' in k && typeof k.typed === 'object')
  );
}

/** pkg/config/v1 ValueSource (auth.tokenSource, auth.oidc.tokenSource). */
const VALUE_SOURCE: FrpKeys = {
  type: 'value',
  file: { path: 'value' },
  exec: { command: 'value', args: 'value', env: { list: { name: 'value', value: 'value' } } },
};

/** TLSConfig. */
const TLS: FrpKeys = { certFile: 'value', keyFile: 'value', trustedCaFile: 'value', serverName: 'value' };

/** WebServerConfig. */
const WEB_SERVER: FrpKeys = {
  addr: 'value',
  port: 'value',
  user: 'value',
  password: 'value',
  assetsDir: 'value',
  pprofEnable: 'value',
  tls: TLS,
};

/** LogConfig. */
const LOG: FrpKeys = { to: 'value', level: 'value', maxDays: 'value', disablePrintColor: 'value' };

/** QUICOptions. */
const QUIC: FrpKeys = { keepalivePeriod: 'value', maxIdleTimeout: 'value', maxIncomingStreams: 'value' };

/** NatTraversalConfig. */
const NAT_TRAVERSAL: FrpKeys = { disableAssistedAddrs: 'value' };

/** AuthConfig's keys both sides share (each side has its own oidc table). */
const AUTH_BASE: FrpKeys = { method: 'value', additionalScopes: 'value', token: 'value', tokenSource: VALUE_SOURCE };

/** Every key of frps.toml (ServerConfig). */
export const FRP_SERVER_KEYS: FrpKeys = {
  version: 'value',
  auth: {
    ...AUTH_BASE,
    oidc: { issuer: 'value', audience: 'value', skipExpiryCheck: 'value', skipIssuerCheck: 'value' },
  },
  bindAddr: 'value',
  bindPort: 'value',
  kcpBindPort: 'value',
  quicBindPort: 'value',
  proxyBindAddr: 'value',
  vhostHTTPPort: 'value',
  vhostHTTPTimeout: 'value',
  vhostHTTPSPort: 'value',
  tcpmuxHTTPConnectPort: 'value',
  tcpmuxPassthrough: 'value',
  subDomainHost: 'value',
  custom404Page: 'value',
  sshTunnelGateway: {
    bindPort: 'value',
    privateKeyFile: 'value',
    autoGenPrivateKeyPath: 'value',
    authorizedKeysFile: 'value',
  },
  webServer: WEB_SERVER,
  enablePrometheus: 'value',
  log: LOG,
  transport: {
    tcpMux: 'value',
    tcpMuxKeepaliveInterval: 'value',
    tcpKeepalive: 'value',
    maxPoolCount: 'value',
    heartbeatTimeout: 'value',
    quic: QUIC,
    tls: { force: 'value', ...TLS },
  },
  detailedErrorsToClient: 'value',
  maxPortsPerClient: 'value',
  userConnTimeout: 'value',
  udpPacketSize: 'value',
  natholeAnalysisDataReserveHours: 'value',
  allowPorts: { list: { start: 'value', end: 'value', single: 'value' } },
  httpPlugins: { list: { name: 'value', addr: 'value', path: 'value', ops: 'value', tlsVerify: 'value' } },
};

/** ProxyBaseConfig (with the embedded ProxyBackend): the keys every proxy type has. */
const PROXY_BASE: FrpKeys = {
  name: 'value',
  type: 'value',
  enabled: 'value',
  annotations: 'value',
  transport: {
    useEncryption: 'value',
    useCompression: 'value',
    bandwidthLimit: 'value',
    bandwidthLimitMode: 'value',
    proxyProtocolVersion: 'value',
  },
  metadatas: 'value',
  loadBalancer: { group: 'value', groupKey: 'value' },
  healthCheck: {
    type: 'value',
    timeoutSeconds: 'value',
    maxFailed: 'value',
    intervalSeconds: 'value',
    path: 'value',
    httpHeaders: { list: { name: 'value', value: 'value' } },
  },
  localIP: 'value',
  localPort: 'value',
  // TypedClientPluginOptions: the union of every plugin type's keys (which belong to which type: ./plugin-schema.ts).
  plugin: {
    type: 'value',
    httpUser: 'value',
    httpPassword: 'value',
    username: 'value',
    password: 'value',
    localPath: 'value',
    stripPrefix: 'value',
    unixPath: 'value',
    localAddr: 'value',
    hostHeaderRewrite: 'value',
    requestHeaders: { set: 'value' },
    enableHTTP2: 'value',
    crtPath: 'value',
    keyPath: 'value',
  },
};

/** DomainConfig. */
const DOMAIN: FrpKeys = { customDomains: 'value', subdomain: 'value' };

/** HeaderOperations. */
const HEADER_OPS: FrpKeys = { set: 'value' };

/** The keys of each proxy type (TCPProxyConfig, UDPProxyConfig, HTTPProxyConfig, ...). */
export const FRP_PROXY_KEYS: Readonly<Record<string, FrpKeys>> = {
  tcp: { ...PROXY_BASE, remotePort: 'value' },
  udp: { ...PROXY_BASE, remotePort: 'value' },
  http: {
    ...PROXY_BASE,
    ...DOMAIN,
    locations: 'value',
    httpUser: 'value',
    httpPassword: 'value',
    hostHeaderRewrite: 'value',
    requestHeaders: HEADER_OPS,
    responseHeaders: HEADER_OPS,
    routeByHTTPUser: 'value',
  },
  https: { ...PROXY_BASE, ...DOMAIN },
  tcpmux: {
    ...PROXY_BASE,
    ...DOMAIN,
    httpUser: 'value',
    httpPassword: 'value',
    routeByHTTPUser: 'value',
    multiplexer: 'value',
  },
  stcp: { ...PROXY_BASE, secretKey: 'value', allowUsers: 'value' },
  sudp: { ...PROXY_BASE, secretKey: 'value', allowUsers: 'value' },
  xtcp: { ...PROXY_BASE, secretKey: 'value', allowUsers: 'value', natTraversal: NAT_TRAVERSAL },
};

/** VisitorBaseConfig: the keys every visitor type has. */
const VISITOR_BASE: FrpKeys = {
  name: 'value',
  type: 'value',
  enabled: 'value',
  transport: { useEncryption: 'value', useCompression: 'value' },
  secretKey: 'value',
  serverUser: 'value',
  serverName: 'value',
  bindAddr: 'value',
  bindPort: 'value',
  // TypedVisitorPluginOptions: a union over plugin types; its inside is not checked.
  plugin: 'value',
};

/** The keys of each visitor type (STCPVisitorConfig, SUDPVisitorConfig, XTCPVisitorConfig). */
export const FRP_VISITOR_KEYS: Readonly<Record<string, FrpKeys>> = {
  stcp: { ...VISITOR_BASE },
  sudp: { ...VISITOR_BASE },
  xtcp: {
    ...VISITOR_BASE,
    protocol: 'value',
    keepTunnelOpen: 'value',
    maxRetriesAnHour: 'value',
    minRetryInterval: 'value',
    fallbackTo: 'value',
    fallbackTimeoutMs: 'value',
    natTraversal: NAT_TRAVERSAL,
  },
};

/** Every key of frpc.toml (ClientConfig = ClientCommonConfig + proxies + visitors). */
export const FRP_CLIENT_KEYS: FrpKeys = {
  version: 'value',
  auth: {
    ...AUTH_BASE,
    oidc: {
      clientID: 'value',
      clientSecret: 'value',
      audience: 'value',
      scope: 'value',
      tokenEndpointURL: 'value',
      additionalEndpointParams: 'value',
      trustedCaFile: 'value',
      insecureSkipVerify: 'value',
      proxyURL: 'value',
      tokenSource: VALUE_SOURCE,
    },
  },
  user: 'value',
  clientID: 'value',
  serverAddr: 'value',
  serverPort: 'value',
  natHoleStunServer: 'value',
  dnsServer: 'value',
  loginFailExit: 'value',
  start: 'value',
  log: LOG,
  webServer: WEB_SERVER,
  transport: {
    protocol: 'value',
    wireProtocol: 'value',
    dialServerTimeout: 'value',
    dialServerKeepalive: 'value',
    connectServerLocalIP: 'value',
    proxyURL: 'value',
    poolCount: 'value',
    tcpMux: 'value',
    tcpMuxKeepaliveInterval: 'value',
    quic: QUIC,
    heartbeatInterval: 'value',
    heartbeatTimeout: 'value',
    tls: { enable: 'value', disableCustomTLSFirstByte: 'value', ...TLS },
  },
  virtualNet: { address: 'value' },
  featureGates: 'value',
  udpPacketSize: 'value',
  metadatas: 'value',
  includes: 'value',
  store: { path: 'value' },
  proxies: { typed: FRP_PROXY_KEYS },
  visitors: { typed: FRP_VISITOR_KEYS },
};
