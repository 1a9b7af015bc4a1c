// Observe layer (below server, client and admin): the view shapes a server and a client expose, which the admin API reads.

/** Static facts and running totals of a server, for GET /api/serverinfo. */
export interface ServerInfo {
  /** burrow's version string. */
  version: string;
  bindPort: number;
  /** 0 when off. */
  vhostHTTPPort: number;
  /** 0 when off. */
  vhostHTTPSPort: number;
  /** tcpmuxHTTPConnectPort; 0 or absent when off. */
  tcpmuxHTTPConnectPort?: number;
  /** transport.tcpMux (yamux) of the server. */
  tcpMux: boolean;
  subdomainHost?: string;
  /** When the server started, ISO 8601 (the dashboard shows the uptime from it). */
  startTime: string;
  /** Clients logged in now. */
  clientCounts: number;
  /** User connections open now, over all proxies. */
  curConns: number;
  /** Bytes from users to local services since start, over all proxies. */
  totalTrafficIn: number;
  /** Bytes from local services to users since start, over all proxies. */
  totalTrafficOut: number;
  /** Online proxies by type, e.g. `{ tcp: 2, http: 1 }`. */
  proxyTypeCount: Record<string, number>;
  /** Optional frp facts echoed as frp does (0 / "" / false when absent). */
  maxPoolCount?: number;
  maxPortsPerClient?: number;
  heartbeatTimeout?: number;
  allowPortsStr?: string;
  tlsForce?: boolean;
}

/** The certificate identity of a client (subset of tls/PeerIdentity). */
export interface ClientIdentityInfo {
  /** Subject CN ("" when none). */
  cn: string;
  dns: string[];
  uris: string[];
  /** "sha256:<hex>". */
  fingerprint: string;
  /** notAfter, ISO 8601. */
  validTo: string;
}

/** TLS state of a client's connection. */
export interface ClientTlsInfo {
  /** e.g. "TLSv1.3". */
  version: string;
  /** e.g. "TLS_AES_128_GCM_SHA256". */
  cipher: string;
  /** Absent when the client presented no certificate. */
  identity?: ClientIdentityInfo;
}

/** One logged-in client, for GET /api/clients. */
export interface ClientInfo {
  runId: string;
  /** Login.client_id when the client set one. */
  clientId?: string;
  user: string;
  hostname: string;
  os: string;
  arch: string;
  /** The client's announced version. */
  version: string;
  /** "ip:port" the client connected from. */
  remoteAddress: string;
  /** frp wire protocol in use. */
  wire: 'v1' | 'v2';
  /** Control-stream cipher, e.g. "aes-128-cfb" or "none". */
  controlCipher: string;
  /** Absent when the connection is plain TCP. */
  tls?: ClientTlsInfo;
  /** When this session logged in, ISO 8601. */
  connectedSince: string;
}

/** One proxy the server knows (online or recently offline), for GET /api/proxy/…. */
export interface ProxyInfo {
  name: string;
  type: string;
  status: 'online' | 'offline';
  /** run_id of the owning client. */
  runId: string;
  user?: string;
  clientId?: string;
  /** What NewProxyResp said, e.g. ":6000" or "app.example.com". */
  remoteAddr: string;
  curConns: number;
  todayTrafficIn: number;
  todayTrafficOut: number;
  /** ISO 8601 or "" (frp's field names; frp formats "01-02 15:04:05"). */
  lastStartTime: string;
  lastCloseTime: string;
  /** The NewProxy fields as the client sent them; secrets are removed before they are served. */
  conf: Record<string, unknown>;
}

/** Seven days of traffic of one proxy, today first (frp's shape). */
export interface ProxyTraffic {
  trafficIn: number[];
  trafficOut: number[];
}

/** A certificate the process holds, for the dashboard's expiry table. */
export interface CertificateInfo {
  /** What it is for: "server", "client", "client CA", "server CA", … */
  role: string;
  /** Subject as one line, e.g. "CN=burrow-server". */
  subject: string;
  /** notAfter, ISO 8601. */
  notAfter: string;
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  /** "sha256:<hex>". */
  fingerprint: string;
}

/** What a server exposes to the admin API. All reads are synchronous snapshots. */
export interface ServerView {
  info(): ServerInfo;
  clients(): ClientInfo[];
  proxies(): ProxyInfo[];
  /** undefined when no proxy of that name is known. */
  traffic(name: string): ProxyTraffic | undefined;
  certificates(): CertificateInfo[];
}

/** One proxy of a client, for GET /api/status (served with frp's snake_case names). */
export interface ClientProxyStatus {
  name: string;
  type: string;
  /** frp's phases: "new", "wait start", "start error", "running", "check failed", "closed". */
  status: string;
  /** "" when none. */
  err: string;
  /** "ip:port" of the local service, "" for plugins. */
  localAddr: string;
  /** Plugin type, "" when none. */
  plugin: string;
  /** What the server assigned, e.g. "example.com:6000". */
  remoteAddr: string;
  /** frp's "store" for a proxy that runs from the client's store (absent for the config file's). */
  source?: 'store';
}

/** What a proxy reload changed, by proxy name. */
export interface ReloadResult {
  added: string[];
  removed: string[];
  changed: string[];
}

/**
 * What a client exposes to the admin API. `putConfigText` and `reload` throw BurrowError with
 * ErrorCode.CONFIG when the text or file is invalid (served as 400), anything else as 500.
 */
export interface ClientView {
  status(): ClientProxyStatus[];
  configText(): Promise<string>;
  putConfigText(text: string): Promise<void>;
  reload(): Promise<ReloadResult>;
  /** frp's /api/store routes; undefined when the client has no [store] path (then they are not served). */
  readonly store?: ClientStoreView | undefined;
}

/** What /api/store/{proxies,visitors} hold. */
export type StoreKind = 'proxy' | 'visitor';

/**
 * The client's store as the admin API sees it: frp's definitions (`{ name, type, <type>: {…} }`) as
 * JSON objects, bodies as text. Throws BurrowError CONFIG (400), NOT_FOUND (404), CONFLICT (409).
 */
export interface ClientStoreView {
  list(kind: StoreKind): Record<string, unknown>[];
  get(kind: StoreKind, name: string): Record<string, unknown>;
  create(kind: StoreKind, body: string): Promise<Record<string, unknown>>;
  update(kind: StoreKind, name: string, body: string): Promise<Record<string, unknown>>;
  remove(kind: StoreKind, name: string): Promise<void>;
}

/** Either view; the admin server tells them apart by their methods (see isServerView). */
export type AdminView = ServerView | ClientView;

/** True when the view is a server's (has `info`), false for a client's. */
export function isServerView(view: AdminView): view is ServerView {
  return typeof (view as Partial<ServerView>).info === 'function';
}
