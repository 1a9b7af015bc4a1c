// What burrow reads from frps.toml / frpc.toml: the zod schema of every supported key, one place per
// section. Every key is optional here; defaults are filled in by ./defaults.ts (frp's Complete()).
// Keys frp knows but that are missing here are warned about and ignored (see ./frp-keys.ts).
import { z } from 'zod';
import { bool, int, intIn, oneOf, port0, port1, str, strArray, strMap, table, tables } from './fields.js';

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

/** auth.tokenSource (frp's ValueSource); the checks on type and path are in ./token-source.ts. */
const tokenSource = table({
  type: str(),
  file: table({ path: str() }).optional(),
  exec: table({
    command: str().optional(),
    args: strArray().optional(),
    env: tables({ name: str(), value: str() }).optional(),
  }).optional(),
});

/** burrow's [[auth.clients]]: what a client-certificate identity may do (checked in ./checks.ts). */
const clientPolicy = table({
  id: str().optional(),
  allowProxies: strArray().optional(),
  allowPorts: tables({ start: port1().optional(), end: port1().optional(), single: port1().optional() }).optional(),
  allowDomains: strArray().optional(),
});

/** [auth] of both sides; `method` is checked by hand for a better message on "oidc". */
const auth = table({
  method: str().optional(),
  additionalScopes: z.array(oneOf(AUTH_SCOPES), { error: 'expected array of strings' }).optional(),
  token: str().optional(),
  tokenSource: tokenSource.optional(),
});

/** The server's [auth]: the shared keys plus burrow's own login-proof mode. */
const serverAuth = auth.extend({
  // burrow's own (server): identity-based authorization of client certificates.
  clients: z.array(clientPolicy, { error: 'expected an array of tables' }).optional(),
  // burrow's own (server): the burrow↔burrow login proof (server nonce + HMAC), see docs/tls.md.
  loginProof: oneOf(LOGIN_PROOF_MODES).optional(),
});

/** [webServer] of both sides. */
const webServer = table({
  addr: str().optional(),
  port: port0().optional(),
  user: str().optional(),
  password: str().optional(),
  tls: table({ certFile: str().optional(), keyFile: str().optional() }).optional(),
  // burrow's own: serve a non-loopback address without credentials (refused unless this is true).
  allowUnauthenticated: bool().optional(),
});

/** [log] of both sides. */
const log = table({
  to: str().optional(),
  level: oneOf(LOG_LEVELS).optional(),
  maxDays: int().optional(),
  // burrow's own: "auto" (readable lines on a TTY, JSON otherwise), "text" or "json".
  format: oneOf(LOG_FORMATS).optional(),
});

/** A bandwidth as frp writes it: a number followed by MB or KB, or empty for no limit. */
const bandwidth = str().regex(/^\s*(\d+(\.\d+)?(MB|KB))?\s*$/, {
  error: 'expected a bandwidth such as "1MB" or "512KB"',
});

/** frps.toml. */
export const serverSchema = table({
  bindAddr: str().optional(),
  bindPort: port0().optional(),
  proxyBindAddr: str().optional(),
  vhostHTTPPort: port0().optional(),
  vhostHTTPSPort: port0().optional(),
  subDomainHost: str().optional(),
  auth: serverAuth.optional(),
  transport: table({
    tcpMux: bool().optional(),
    tcpMuxKeepaliveInterval: int().optional(),
    heartbeatTimeout: int().optional(),
    maxPoolCount: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
    tcpKeepalive: int().optional(),
    // burrow's own: new connections per second per client IP on bindPort (0 = no limit), and the burst.
    connectionRateLimit: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
    connectionBurst: intIn(1, Number.MAX_SAFE_INTEGER).optional(),
    tls: table({
      force: bool().optional(),
      certFile: str().optional(),
      keyFile: str().optional(),
      trustedCaFile: str().optional(),
      // burrow's own: inline CA (PEM, hex:…, base64:…) and a CRL of revoked client certificates.
      trustedCaData: str().optional(),
      crlFile: str().optional(),
      // burrow's own: the CA directory that enrolls clients (docs/enrollment.md).
      caDir: str().optional(),
    }).optional(),
  }).optional(),
  allowPorts: tables({ start: port1().optional(), end: port1().optional(), single: port1().optional() }).optional(),
  maxPortsPerClient: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
  // burrow's own: proxies one client may register at once (0 = no limit).
  maxProxiesPerClient: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
  userConnTimeout: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
  // burrow's own: seconds without a byte either way before a user connection is closed (0 = never).
  userConnIdleTimeout: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
  detailedErrorsToClient: bool().optional(),
  udpPacketSize: intIn(0, MAX_UDP_PACKET_SIZE).optional(),
  webServer: webServer.optional(),
  enablePrometheus: bool().optional(),
  log: log.optional(),
  // burrow's own: where the generated server certificate lives.
  stateDir: str().optional(),
});

/** One [[proxies]] entry: the union of the keys of every proxy type (per-type keys are checked by the key check). */
export const proxySchema = table({
  name: str().optional(),
  type: oneOf(PROXY_TYPES).optional(),
  enabled: bool().optional(),
  localIP: str().optional(),
  localPort: port1().optional(),
  remotePort: port0().optional(),
  customDomains: strArray().optional(),
  subdomain: str().optional(),
  locations: strArray().optional(),
  hostHeaderRewrite: str().optional(),
  httpUser: str().optional(),
  httpPassword: str().optional(),
  requestHeaders: table({ set: strMap().optional() }).optional(),
  responseHeaders: table({ set: strMap().optional() }).optional(),
  routeByHTTPUser: str().optional(),
  secretKey: str().optional(),
  allowUsers: strArray().optional(),
  transport: table({
    useEncryption: bool().optional(),
    useCompression: bool().optional(),
    bandwidthLimit: bandwidth.optional(),
    bandwidthLimitMode: oneOf(BANDWIDTH_LIMIT_MODES).optional(),
    proxyProtocolVersion: oneOf(PROXY_PROTOCOL_VERSIONS).optional(),
  }).optional(),
  loadBalancer: table({ group: str().optional(), groupKey: str().optional() }).optional(),
  metadatas: strMap().optional(),
  annotations: strMap().optional(),
});

/** Visitor bindPort: 1-65535, or negative for "do not listen" (frp's meaning); 0 is "missing". */
const visitorBindPort = int().max(65535, { error: 'expected integer 1-65535 (or negative: do not listen)' });

/** One [[visitors]] entry. */
export const visitorSchema = table({
  name: str().optional(),
  type: oneOf(VISITOR_TYPES).optional(),
  enabled: bool().optional(),
  serverName: str().optional(),
  serverUser: str().optional(),
  secretKey: str().optional(),
  bindAddr: str().optional(),
  bindPort: visitorBindPort.optional(),
  transport: table({ useEncryption: bool().optional(), useCompression: bool().optional() }).optional(),
});

/** The part of frpc.toml that included files may also hold. */
const proxiesAndVisitors = {
  proxies: z.array(proxySchema, { error: 'expected an array of tables' }).optional(),
  visitors: z.array(visitorSchema, { error: 'expected an array of tables' }).optional(),
};

/** frpc.toml. */
export const clientSchema = table({
  serverAddr: str().optional(),
  serverPort: port0().optional(),
  user: str().optional(),
  clientID: str().optional(),
  loginFailExit: bool().optional(),
  metadatas: strMap().optional(),
  start: strArray().optional(),
  includes: strArray().optional(),
  auth: auth.optional(),
  transport: table({
    protocol: oneOf(TRANSPORT_PROTOCOLS).optional(),
    wireProtocol: oneOf(WIRE_PROTOCOLS).optional(),
    poolCount: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
    tcpMux: bool().optional(),
    tcpMuxKeepaliveInterval: int().optional(),
    heartbeatInterval: int().optional(),
    heartbeatTimeout: int().optional(),
    dialServerTimeout: int().optional(),
    dialServerKeepalive: int().optional(),
    connectServerLocalIP: str().optional(),
    proxyURL: str().optional(),
    tls: table({
      enable: bool().optional(),
      certFile: str().optional(),
      keyFile: str().optional(),
      trustedCaFile: str().optional(),
      serverName: str().optional(),
      disableCustomTLSFirstByte: bool().optional(),
      // burrow's own: inline CA, certificate pinning, and the verification mode.
      trustedCaData: str().optional(),
      serverFingerprint: str().optional(),
      verify: oneOf(TLS_VERIFY_MODES).optional(),
    }).optional(),
  }).optional(),
  udpPacketSize: intIn(0, MAX_UDP_PACKET_SIZE).optional(),
  webServer: webServer.optional(),
  log: log.optional(),
  ...proxiesAndVisitors,
});

/** An included client file: only proxies and visitors are read from it. */
export const includedSchema = table(proxiesAndVisitors);

export type ServerInput = z.infer<typeof serverSchema>;
export type ClientInput = z.infer<typeof clientSchema>;
export type ProxyInput = z.infer<typeof proxySchema>;
export type VisitorInput = z.infer<typeof visitorSchema>;
export type AuthInput = z.infer<typeof auth>;
export type TokenSourceInput = z.infer<typeof tokenSource>;
