// What burrow reads from frps.toml / frpc.toml: the zod schema of every supported key with its default,
// one place per section. The config types (./types.ts) are this schema's output; a new key is one line
// here plus its line in docs/config.md. Defaults that read another key or the environment are in ./defaults.ts.
// Keys frp knows but that are missing here are warned about and ignored (see ./frp-keys.ts).
import { z } from 'zod';
import * as d from './default-values.js';
import { bool, emptyOr, int, intIn, oneOf, port0, port1, str, strArray, strMap, table } from './fields.js';
import { pluginSchema } from './plugin-schema.js';

/** Largest UDP payload a config may ask for (the UDP length field's limit). */
export const MAX_UDP_PACKET_SIZE = 65535;

export const AUTH_SCOPES = ['HeartBeats', 'NewWorkConns'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
/** burrow's log.format: readable lines on a TTY and JSON elsewhere ("auto"), or one of them always. */
export const LOG_FORMATS = ['auto', 'text', 'json'] as const;
export const PROXY_TYPES = ['tcp', 'udp', 'http', 'https', 'tcpmux', 'stcp', 'sudp', 'xtcp'] as const;
export const VISITOR_TYPES = ['stcp', 'sudp', 'xtcp'] as const;
export const TRANSPORT_PROTOCOLS = ['tcp', 'kcp', 'quic', 'websocket', 'wss'] as const;
export const WIRE_PROTOCOLS = ['v1', 'v2'] as const;
export const BANDWIDTH_LIMIT_MODES = ['client', 'server'] as const;
export const PROXY_PROTOCOL_VERSIONS = ['', 'v1', 'v2'] as const;
/** burrow's transport.tls.verify: auto = verify when a CA or a pin is configured (SkyWalking's rule). */
export const TLS_VERIFY_MODES = ['auto', 'full', 'none'] as const;
/** burrow's server auth.loginProof: auto = burrow clients prove each login, frp clients log in as with frps; require = only proven logins. */
export const LOGIN_PROOF_MODES = ['auto', 'require'] as const;

/** frp's server plugin operations (pkg/plugin/server/plugin.go), the values of [[httpPlugins]].ops. */
export const HTTP_PLUGIN_OPS = ['Login', 'NewProxy', 'CloseProxy', 'Ping', 'NewWorkConn', 'NewUserConn'] as const;

/** Largest count a config may ask for. */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** auth.tokenSource (frp's ValueSource); the checks on type and path are in ./token-source.ts. */
const tokenSource = table({
  type: str(),
  file: table({ path: str() }).optional(),
  exec: table({
    command: str().optional(),
    args: strArray().optional(),
    env: z.array(table({ name: str(), value: str() }), { error: 'expected an array of tables' }).optional(),
  }).optional(),
});

/** `{ single }` or `{ start, end }` as written (checked in ./checks.ts) → an inclusive range. */
function toRange(r: { start?: number | undefined; end?: number | undefined; single?: number | undefined }) {
  return r.single !== undefined ? { start: r.single, end: r.single } : { start: r.start ?? 0, end: r.end ?? 0 };
}

/** An allowPorts list: `[[allowPorts]]` entries of frp's two forms, read as ranges; empty = any. */
const portRanges = z
  .array(table({ start: port1().optional(), end: port1().optional(), single: port1().optional() }).transform(toRange), {
    error: 'expected an array of tables',
  })
  .default([]);

/** burrow's [[auth.clients]]: what a client-certificate identity may do (checked in ./checks.ts). */
const clientPolicy = table({
  /** A certificate identity: its CN, a DNS or URI SAN, or "sha256:<fingerprint>". */
  id: str().default(''),
  /** Globs (`*`, `?`) over proxy names (without the user prefix); empty = any. */
  allowProxies: strArray().default([]),
  /** Remote ports the client may open; empty = any the server allows. */
  allowPorts: portRanges,
  /** Globs over customDomains / subdomain hosts; empty = any. */
  allowDomains: strArray().default([]),
});

/** [auth] of both sides; the token is read from tokenSource by the loader, which is why tokenSource is not in the output. */
const authShape = {
  /** Only "token" works; other values are refused by hand in ./checks.ts (a better message on "oidc"). */
  method: str()
    .optional()
    .transform((): 'token' => 'token'),
  /** Which messages beyond Login carry the auth token's proof. */
  additionalScopes: z.array(oneOf(AUTH_SCOPES), { error: 'expected array of strings' }).default([]),
  token: str().default(''),
  tokenSource: tokenSource.optional(),
};

/** An [auth] table without its tokenSource, which only says where the token came from. */
function withoutTokenSource<T extends { tokenSource?: unknown }>({ tokenSource: _source, ...rest }: T) {
  return rest;
}

const auth = table(authShape).transform(withoutTokenSource);

/** The server's [auth]: the shared keys plus burrow's identity policies and login-proof mode. */
const serverAuth = table({
  ...authShape,
  /** burrow's own: [[auth.clients]]; empty = no identity-based restriction. */
  clients: z.array(clientPolicy, { error: 'expected an array of tables' }).default([]),
  /** burrow's own: "auto" (burrow clients prove each login; frp clients as with frps) or "require" (frp clients refused). */
  loginProof: oneOf(LOGIN_PROOF_MODES).default(d.DEFAULT_LOGIN_PROOF),
}).transform(withoutTokenSource);

/** [webServer] of both sides; port 0 = off. */
const webServer = table({
  addr: emptyOr(str(), d.DEFAULT_WEB_SERVER_ADDR),
  port: port0().default(0),
  user: str().default(''),
  password: str().default(''),
  /** HTTPS for the admin API and dashboard when both are set; trustedCaFile and serverName are read but unused, as in frp (./no-effect.ts). */
  tls: table({
    certFile: str().default(''),
    keyFile: str().default(''),
    trustedCaFile: str().optional(),
    serverName: str().optional(),
  }).prefault({}),
  /** burrow's own: a non-loopback addr without user/password starts only when this is true. */
  allowUnauthenticated: bool().default(false),
  /** Serve the dashboard's files from this folder instead of the built-in ones; unset or "" = built-in. */
  assetsDir: str().optional(),
  /** Profiling endpoints under /debug/pprof/ (Node's CPU and heap profiles, see src/admin/pprof.ts); unset = false. */
  pprofEnable: bool().optional(),
});

/** [log] of both sides. */
const log = table({
  to: emptyOr(str(), d.DEFAULT_LOG_TO),
  level: emptyOr(oneOf(LOG_LEVELS), d.DEFAULT_LOG_LEVEL),
  /** With log.to a file: rotated daily, rotated files older than this many days deleted (<= 0: kept). */
  maxDays: emptyOr(int(), d.DEFAULT_LOG_MAX_DAYS),
  /** No ANSI colours in console lines (unset = false). */
  disablePrintColor: bool().optional(),
  /** burrow's own: "auto" = readable lines on a TTY, JSON lines otherwise; "text" or "json" always. */
  format: oneOf(LOG_FORMATS).default(d.DEFAULT_LOG_FORMAT),
});

/** The TLS file keys both sides' transport.tls share. */
const tlsFiles = {
  certFile: str().default(''),
  keyFile: str().default(''),
  trustedCaFile: str().default(''),
  /** burrow's own: the CA inline (PEM, `hex:` or `base64:` DER); on the server it requires client certificates. */
  trustedCaData: str().default(''),
};

/** A bandwidth as frp writes it: a number followed by MB or KB, or empty for no limit. */
const bandwidth = str().regex(/^\s*(\d+(\.\d+)?(MB|KB))?\s*$/, {
  error: 'expected a bandwidth such as "1MB" or "512KB"',
});

/** One [[httpPlugins]] entry (frp's HTTPPluginOptions): a server plugin asked over HTTP (docs/server-plugins.md). */
const httpPlugin = table({
  name: str().min(1, { error: 'must not be empty' }),
  /** host:port (http) or http(s)://host:port. */
  addr: str().min(1, { error: 'must not be empty' }),
  path: str().default(''),
  ops: z.array(oneOf(HTTP_PLUGIN_OPS), { error: 'expected array of strings' }).default([]),
  /** https addrs only: verify the plugin's certificate (frp's default: false). */
  tlsVerify: bool().default(false),
});

/** frps.toml. */
export const serverSchema = table({
  /** frp's APIMetadata.version: read, used by nothing (in frp neither). */
  version: str().optional(),
  bindAddr: emptyOr(str(), d.DEFAULT_BIND_ADDR),
  bindPort: emptyOr(port0(), d.DEFAULT_BIND_PORT),
  /** "" = bindAddr (filled by ./defaults.ts). */
  proxyBindAddr: str().default(''),
  vhostHTTPPort: port0().default(0),
  vhostHTTPSPort: port0().default(0),
  /** Port of the tcpmux HTTP CONNECT multiplexer; 0 = off. */
  tcpmuxHTTPConnectPort: port0().default(0),
  /** tcpmux: forward the CONNECT request itself to the local service instead of answering 200. */
  tcpmuxPassthrough: bool().default(false),
  /** Seconds the http vhost waits for a local service's response head (frp's ResponseHeaderTimeout); <= 0 = 60. */
  vhostHTTPTimeout: emptyOr(int(), d.DEFAULT_VHOST_HTTP_TIMEOUT).transform((v) =>
    v > 0 ? v : d.DEFAULT_VHOST_HTTP_TIMEOUT,
  ),
  /** A file whose content is the http vhost's 404 page; "" = the built-in page. */
  custom404Page: str().default(''),
  subDomainHost: str().default(''),
  auth: serverAuth.prefault({}),
  transport: table({
    tcpMux: bool().default(true),
    tcpMuxKeepaliveInterval: emptyOr(int(), d.DEFAULT_TCP_MUX_KEEPALIVE_INTERVAL),
    /** 0 = by tcpMux (filled by ./defaults.ts). */
    heartbeatTimeout: int().default(0),
    maxPoolCount: emptyOr(intIn(0, MAX_COUNT), d.DEFAULT_MAX_POOL_COUNT),
    tcpKeepalive: emptyOr(int(), d.DEFAULT_TCP_KEEPALIVE),
    /** burrow's own: new connections per second per client IP on bindPort; 0 = no limit (loopback is never limited). */
    connectionRateLimit: intIn(0, MAX_COUNT).default(d.DEFAULT_CONNECTION_RATE_LIMIT),
    /** burrow's own: connections one IP may open at once before the rate applies. */
    connectionBurst: intIn(1, MAX_COUNT).default(d.DEFAULT_CONNECTION_BURST),
    tls: table({
      /** Refuse clients that do not speak TLS; true when a trusted CA is set (filled by ./defaults.ts). */
      force: bool().default(false),
      ...tlsFiles,
      /** Read but unused, as in frps (./no-effect.ts warns). */
      serverName: str().optional(),
      /** burrow's own: a CRL (PEM or DER file); client certificates it lists are refused. */
      crlFile: str().default(''),
      /** burrow's own: the CA directory (`burrow ca init`) that enrolls clients; "" = found by docs/enrollment.md's rules. */
      caDir: str().default(''),
    }).prefault({}),
  }).prefault({}),
  /** Empty = any port. */
  allowPorts: portRanges,
  /** Ports one client may hold; 0 = no limit (burrow's default when unset: DEFAULT_MAX_PORTS_PER_CLIENT). */
  maxPortsPerClient: intIn(0, MAX_COUNT).default(d.DEFAULT_MAX_PORTS_PER_CLIENT),
  /** burrow's own: proxies one client may register at once; 0 = no limit. */
  maxProxiesPerClient: intIn(0, MAX_COUNT).default(d.DEFAULT_MAX_PROXIES_PER_CLIENT),
  userConnTimeout: emptyOr(intIn(0, MAX_COUNT), d.DEFAULT_USER_CONN_TIMEOUT),
  /** burrow's own: seconds without a byte either way before a tcp/stcp user connection is closed; 0 = never. */
  userConnIdleTimeout: intIn(0, MAX_COUNT).default(d.DEFAULT_USER_CONN_IDLE_TIMEOUT),
  detailedErrorsToClient: bool().default(true),
  udpPacketSize: emptyOr(intIn(0, MAX_UDP_PACKET_SIZE), d.DEFAULT_UDP_PACKET_SIZE),
  webServer: webServer.prefault({}),
  enablePrometheus: bool().default(false),
  log: log.prefault({}),
  /** Server plugins, asked in this order for the ops each lists. */
  httpPlugins: z.array(httpPlugin, { error: 'expected an array of tables' }).default([]),
  /** burrow's own key: where the generated server certificate lives; "" = default (resolved by the caller). */
  stateDir: str().default(''),
});

/** A table of headers set on every request or response (requestHeaders / responseHeaders). */
const headerOps = table({ set: strMap().default({}) }).prefault({});

/** The encryption and compression switches of proxies and visitors. */
const linkTransport = {
  useEncryption: bool().default(false),
  useCompression: bool().default(false),
};

/** An entry without its `enabled` switch, which the loader reads to drop disabled entries. */
function withoutEnabled<T extends { enabled?: unknown }>({ enabled: _enabled, ...rest }: T) {
  return rest;
}

/** healthCheck.type: "" = no check (frp's zero value), "tcp" connects, "http" GETs healthCheck.path. */
export const HEALTH_CHECK_TYPES = ['', 'tcp', 'http'] as const;
/** Longest healthCheck interval or timeout, in seconds: a day (Node timers hold at most 2^31 ms). */
export const MAX_HEALTH_CHECK_SECONDS = 86_400;

/** An HTTP header name: an RFC 9110 token, which Node's http client would otherwise refuse at every check. */
const httpHeaderName = str().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, {
  error: "expected an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
});
/** An HTTP header value: no CR, LF or NUL (they would split or end the request). */
const httpHeaderValue = str().regex(/^[^\r\n\0]*$/, { error: 'expected a header value without CR, LF or NUL' });

/** [proxies.healthCheck] (frp's HealthCheckConfig); 0 for a number = frp's default. */
const healthCheck = table({
  type: oneOf(HEALTH_CHECK_TYPES).default(''),
  timeoutSeconds: emptyOr(intIn(0, MAX_HEALTH_CHECK_SECONDS), d.DEFAULT_HEALTH_CHECK_TIMEOUT),
  /** Consecutive failed checks that take the proxy down. */
  maxFailed: emptyOr(intIn(0, MAX_COUNT), d.DEFAULT_HEALTH_CHECK_MAX_FAILED),
  intervalSeconds: emptyOr(intIn(0, MAX_HEALTH_CHECK_SECONDS), d.DEFAULT_HEALTH_CHECK_INTERVAL),
  path: str().default(''),
  httpHeaders: z
    .array(table({ name: httpHeaderName, value: httpHeaderValue.default('') }), {
      error: 'expected an array of tables',
    })
    .default([]),
}).superRefine((c, ctx) => {
  // frp's validation: an http check needs the path it GETs.
  if (c.type === 'http' && c.path === '')
    ctx.addIssue({ code: 'custom', path: ['path'], message: 'expected a path such as "/healthz" when type is "http"' });
});

/** One [[proxies]] entry: the union of the keys of every proxy type (per-type keys are checked by the key check). */
export const proxySchema = table({
  name: str().default(''),
  type: oneOf(PROXY_TYPES).default(d.DEFAULT_PROXY_TYPE),
  enabled: bool().optional(),
  localIP: emptyOr(str(), d.DEFAULT_LOCAL_IP),
  localPort: port1().default(0),
  /** 0 = the server picks. */
  remotePort: port0().default(0),
  customDomains: strArray().default([]),
  subdomain: str().default(''),
  locations: strArray().default([]),
  hostHeaderRewrite: str().default(''),
  httpUser: str().default(''),
  httpPassword: str().default(''),
  /** http: headers set on every request to the local service (requestHeaders.set). */
  requestHeaders: headerOps,
  /** http: headers set on every response to the user (responseHeaders.set). */
  responseHeaders: headerOps,
  /** http: route by this basic-auth user among proxies sharing a domain. */
  routeByHTTPUser: str().default(''),
  /** tcpmux: how user connections are told apart; only "httpconnect" (checked in ./checks.ts). */
  multiplexer: str().default(''),
  secretKey: str().default(''),
  allowUsers: strArray().default([]),
  transport: table({
    ...linkTransport,
    bandwidthLimit: bandwidth.optional().transform((v) => v?.trim() ?? ''),
    bandwidthLimitMode: emptyOr(oneOf(BANDWIDTH_LIMIT_MODES), d.DEFAULT_BANDWIDTH_LIMIT_MODE),
    proxyProtocolVersion: oneOf(PROXY_PROTOCOL_VERSIONS).default(''),
  }).prefault({}),
  loadBalancer: table({ group: str().default(''), groupKey: str().default('') }).prefault({}),
  healthCheck: healthCheck.prefault({}),
  metadatas: strMap().default({}),
  annotations: strMap().default({}),
  /** A client plugin that serves the proxy's connections instead of localIP:localPort. */
  plugin: pluginSchema.optional(),
}).transform(withoutEnabled);

/** Visitor bindPort: 1-65535, or negative for "do not listen" (frp's meaning); 0 is "missing". */
const visitorBindPort = int().max(65535, { error: 'expected integer 1-65535 (or negative: do not listen)' });

/** One [[visitors]] entry. */
export const visitorSchema = table({
  name: str().default(''),
  type: oneOf(VISITOR_TYPES).default(d.DEFAULT_VISITOR_TYPE),
  enabled: bool().optional(),
  serverName: str().default(''),
  /** "" = the client's own user. */
  serverUser: str().default(''),
  secretKey: str().default(''),
  bindAddr: emptyOr(str(), d.DEFAULT_VISITOR_BIND_ADDR),
  /** Negative = do not listen (frp's meaning). */
  bindPort: visitorBindPort.default(0),
  transport: table(linkTransport).prefault({}),
}).transform(withoutEnabled);

/** The top level of frpc.toml without the proxy and visitor lists, which are validated entry by entry. */
const clientTopShape = {
  /** frp's APIMetadata.version: read, used by nothing (in frp neither). */
  version: str().optional(),
  serverAddr: emptyOr(str(), d.DEFAULT_SERVER_ADDR),
  serverPort: emptyOr(port0(), d.DEFAULT_SERVER_PORT),
  user: str().default(''),
  clientID: str().default(''),
  loginFailExit: bool().default(true),
  metadatas: strMap().default({}),
  start: strArray().optional(),
  includes: strArray().optional(),
  auth: auth.prefault({}),
  transport: table({
    protocol: emptyOr(oneOf(TRANSPORT_PROTOCOLS), d.DEFAULT_TRANSPORT_PROTOCOL),
    wireProtocol: emptyOr(oneOf(WIRE_PROTOCOLS), d.DEFAULT_WIRE_PROTOCOL),
    poolCount: emptyOr(intIn(0, MAX_COUNT), d.DEFAULT_POOL_COUNT),
    tcpMux: bool().default(true),
    tcpMuxKeepaliveInterval: emptyOr(int(), d.DEFAULT_TCP_MUX_KEEPALIVE_INTERVAL),
    /** 0 = by tcpMux (filled by ./defaults.ts), as is heartbeatTimeout. */
    heartbeatInterval: int().default(0),
    heartbeatTimeout: int().default(0),
    dialServerTimeout: emptyOr(int(), d.DEFAULT_DIAL_SERVER_TIMEOUT),
    dialServerKeepalive: emptyOr(int(), d.DEFAULT_DIAL_SERVER_KEEPALIVE),
    connectServerLocalIP: str().default(''),
    /** "" = the environment's http_proxy (filled by ./defaults.ts). */
    proxyURL: str().default(''),
    tls: table({
      enable: bool().default(true),
      ...tlsFiles,
      /** "" = use serverAddr. */
      serverName: str().default(''),
      disableCustomTLSFirstByte: bool().default(true),
      /** burrow's own: the server certificate's SHA-256 fingerprint to pin ("sha256:…"); "" = no pin. */
      serverFingerprint: str().default(''),
      /** burrow's own: auto (verify when a CA or pin is set), full (always; system CAs when none set), none. */
      verify: oneOf(TLS_VERIFY_MODES).default(d.DEFAULT_TLS_VERIFY),
    }).prefault({}),
  }).prefault({}),
  udpPacketSize: emptyOr(intIn(0, MAX_UDP_PACKET_SIZE), d.DEFAULT_UDP_PACKET_SIZE),
  webServer: webServer.prefault({}),
  log: log.prefault({}),
  /** frp's [store]: proxies and visitors added through the admin API persist to this JSON file; "" = off. */
  store: table({ path: str().default('') }).prefault({}),
};

/** The top level of frpc.toml as the loader validates it; `start` and `includes` are read from the input. */
export const clientTopSchema = table(clientTopShape).transform(
  ({ start: _start, includes: _includes, ...rest }) => rest,
);

/** The part of frpc.toml that included files may also hold. */
const proxiesAndVisitors = {
  proxies: z.array(proxySchema, { error: 'expected an array of tables' }).optional(),
  visitors: z.array(visitorSchema, { error: 'expected an array of tables' }).optional(),
};

/** Every key of frpc.toml (what the key check walks). */
export const clientSchema = table({ ...clientTopShape, ...proxiesAndVisitors });

/** What a file may set (every key optional), as the checks of ./checks.ts read it. */
export type ServerInput = z.input<typeof serverSchema>;
export type ClientTopInput = z.input<typeof clientTopSchema>;
export type ProxyInput = z.input<typeof proxySchema>;
export type VisitorInput = z.input<typeof visitorSchema>;
export type AuthInput = z.input<typeof auth>;
