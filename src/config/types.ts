// The config types burrow's server and client run on: frp's keys (camelCase, nested as in TOML), every default filled in.

/** The server's TLS settings (transport.tls). */
export interface TlsServerConfig {
  /** Refuse clients that do not speak TLS; true when trustedCaFile is set. */
  force: boolean;
  certFile: string;
  keyFile: string;
  trustedCaFile: string;
  /** burrow's own: the client CA inline (PEM, `hex:` or `base64:` DER); like trustedCaFile, it requires client certificates. */
  trustedCaData: string;
  /** burrow's own: a CRL (PEM or DER file); client certificates it lists are refused. */
  crlFile: string;
  /** burrow's own: the CA directory (`burrow ca init`) that enrolls clients; "" = found by docs/enrollment.md's rules. */
  caDir: string;
}

/** burrow's [[auth.clients]] entry: what one client-certificate identity may do. */
export interface ClientPolicy {
  /** A certificate identity: its CN, a DNS or URI SAN, or "sha256:<fingerprint>". */
  id: string;
  /** Globs (`*`, `?`) over proxy names (without the user prefix); empty = any. */
  allowProxies: string[];
  /** Remote ports the client may open; empty = any the server allows. */
  allowPorts: PortRange[];
  /** Globs over customDomains / subdomain hosts; empty = any. */
  allowDomains: string[];
}

/** An allowed port range, both ends included; frp's `{ single = n }` becomes `{ start: n, end: n }`. */
export interface PortRange {
  start: number;
  end: number;
}

/** burrow's server auth.loginProof (see src/wire/login-guard.ts). */
export type LoginProofMode = 'auto' | 'require';

/** Which messages beyond Login carry the auth token's proof. */
export type AuthScope = 'HeartBeats' | 'NewWorkConns';

/** [auth] of either side; the token is already read from auth.tokenSource when one was given. */
export interface AuthConfig {
  method: 'token';
  token: string;
  additionalScopes: AuthScope[];
}

/** The server's [auth]: frp's keys plus burrow's identity policies. */
export interface ServerAuthConfig extends AuthConfig {
  /** burrow's own: [[auth.clients]]; empty = no identity-based restriction. */
  clients: ClientPolicy[];
  /** burrow's own: "auto" (burrow clients prove each login; frp clients as with frps) or "require" (frp clients refused). */
  loginProof: LoginProofMode;
}

/** [webServer] of either side; port 0 = off. */
export interface WebServerConfig {
  addr: string;
  port: number;
  user: string;
  password: string;
  /** HTTPS for the admin API and dashboard when both are set. */
  tls: { certFile: string; keyFile: string };
  /** burrow's own: a non-loopback addr without user/password starts only when this is true. */
  allowUnauthenticated: boolean;
}

/** [log] of either side. */
export interface LogConfig {
  to: string;
  level: string;
  maxDays: number;
  /** burrow's own: "auto" = readable lines on a TTY, JSON lines otherwise; "text" or "json" always. */
  format: LogFormat;
}

/** burrow's log.format values. */
export type LogFormat = 'auto' | 'text' | 'json';

/** frps.toml. */
export interface ServerConfig {
  bindAddr: string;
  bindPort: number;
  proxyBindAddr: string;
  vhostHTTPPort: number;
  vhostHTTPSPort: number;
  subDomainHost: string;
  auth: ServerAuthConfig;
  transport: {
    tcpMux: boolean;
    tcpMuxKeepaliveInterval: number;
    heartbeatTimeout: number;
    maxPoolCount: number;
    tcpKeepalive: number;
    /** burrow's own: new connections per second per client IP on bindPort; 0 = no limit (loopback is never limited). */
    connectionRateLimit: number;
    /** burrow's own: connections one IP may open at once before the rate applies. */
    connectionBurst: number;
    tls: TlsServerConfig;
  };
  /** Empty = any port. */
  allowPorts: PortRange[];
  /** Ports one client may hold; 0 = no limit (burrow's default when unset: DEFAULT_MAX_PORTS_PER_CLIENT). */
  maxPortsPerClient: number;
  /** burrow's own: proxies one client may register at once; 0 = no limit. */
  maxProxiesPerClient: number;
  userConnTimeout: number;
  /** burrow's own: seconds without a byte either way before a tcp/stcp user connection is closed; 0 = never. */
  userConnIdleTimeout: number;
  detailedErrorsToClient: boolean;
  udpPacketSize: number;
  webServer: WebServerConfig;
  enablePrometheus: boolean;
  log: LogConfig;
  /** burrow's own key: where the generated server certificate lives; "" = default (resolved by the caller). */
  stateDir: string;
}

/** The client's TLS settings (transport.tls). */
export interface TlsClientConfig {
  enable: boolean;
  certFile: string;
  keyFile: string;
  trustedCaFile: string;
  /** "" = use serverAddr. */
  serverName: string;
  disableCustomTLSFirstByte: boolean;
  /** burrow's own: the CA inline (PEM, `hex:` or `base64:` DER). */
  trustedCaData: string;
  /** burrow's own: the server certificate's SHA-256 fingerprint to pin ("sha256:…"); "" = no pin. */
  serverFingerprint: string;
  /** burrow's own: auto (verify when a CA or pin is set), full (always; system CAs when none set), none. */
  verify: 'auto' | 'full' | 'none';
}

export type ProxyType = 'tcp' | 'udp' | 'http' | 'https' | 'tcpmux' | 'stcp' | 'sudp' | 'xtcp';
export type VisitorType = 'stcp' | 'sudp' | 'xtcp';

/** One [[proxies]] entry. */
export interface ProxyConfig {
  name: string;
  type: ProxyType;
  localIP: string;
  localPort: number;
  /** 0 = the server picks. */
  remotePort: number;
  customDomains: string[];
  subdomain: string;
  locations: string[];
  hostHeaderRewrite: string;
  httpUser: string;
  httpPassword: string;
  /** http: headers set on every request to the local service (requestHeaders.set). */
  requestHeaders: { set: Record<string, string> };
  /** http: headers set on every response to the user (responseHeaders.set). */
  responseHeaders: { set: Record<string, string> };
  /** http: route by this basic-auth user among proxies sharing a domain. */
  routeByHTTPUser: string;
  secretKey: string;
  allowUsers: string[];
  transport: {
    useEncryption: boolean;
    useCompression: boolean;
    bandwidthLimit: string;
    bandwidthLimitMode: string;
    proxyProtocolVersion: string;
  };
  loadBalancer: { group: string; groupKey: string };
  metadatas: Record<string, string>;
  annotations: Record<string, string>;
}

/** One [[visitors]] entry. */
export interface VisitorConfig {
  name: string;
  type: VisitorType;
  serverName: string;
  /** "" = the client's own user. */
  serverUser: string;
  secretKey: string;
  bindAddr: string;
  /** Negative = do not listen (frp's meaning). */
  bindPort: number;
  transport: { useEncryption: boolean; useCompression: boolean };
}

/** frpc.toml (with the proxies and visitors of included files, and without those that are disabled). */
export interface ClientConfig {
  serverAddr: string;
  serverPort: number;
  user: string;
  clientID: string;
  loginFailExit: boolean;
  metadatas: Record<string, string>;
  auth: AuthConfig;
  transport: {
    protocol: 'tcp' | 'websocket' | 'wss' | 'kcp' | 'quic';
    wireProtocol: 'v1' | 'v2';
    poolCount: number;
    tcpMux: boolean;
    tcpMuxKeepaliveInterval: number;
    heartbeatInterval: number;
    heartbeatTimeout: number;
    dialServerTimeout: number;
    dialServerKeepalive: number;
    connectServerLocalIP: string;
    proxyURL: string;
    tls: TlsClientConfig;
  };
  udpPacketSize: number;
  webServer: WebServerConfig;
  log: LogConfig;
  proxies: ProxyConfig[];
  visitors: VisitorConfig[];
}

/** Options of the loaders. */
export interface LoadOptions {
  /** The environment for {{ .Envs.NAME }} and http_proxy; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A loaded config, the warnings about it (one line each), and the file it came from. */
export interface Loaded<T> {
  config: T;
  warnings: string[];
  file: string;
}
