// frp's default values (Complete() in pkg/config/v1) and burrow's own, read by the schema in ./schema.ts.
import { DEFAULT_USER_CONN_IDLE_TIMEOUT_MS } from '../net/idle-timeout.js';

const MS_PER_SECOND = 1000;

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
/** Seconds the http vhost waits for a response head (frp's vhostHTTPTimeout). */
export const DEFAULT_VHOST_HTTP_TIMEOUT = 60;
export const DEFAULT_LOCAL_IP = '127.0.0.1';
export const DEFAULT_VISITOR_BIND_ADDR = '127.0.0.1';
export const DEFAULT_BANDWIDTH_LIMIT_MODE = 'client';
/** burrow's transport.connectionRateLimit: new connections per second per client IP on bindPort. */
export const DEFAULT_CONNECTION_RATE_LIMIT = 50;
/** burrow's transport.connectionBurst: connections per IP before the rate applies. */
export const DEFAULT_CONNECTION_BURST = 200;
/** burrow's userConnIdleTimeout in seconds: net/idle-timeout.ts's default, written once there. */
export const DEFAULT_USER_CONN_IDLE_TIMEOUT = DEFAULT_USER_CONN_IDLE_TIMEOUT_MS / MS_PER_SECOND;
/** burrow's maxPortsPerClient when the file does not set it (frp: no limit; an explicit 0 still means none). */
export const DEFAULT_MAX_PORTS_PER_CLIENT = 100;
/** burrow's maxProxiesPerClient when unset: proxies one client may register at once (0 = no limit). */
export const DEFAULT_MAX_PROXIES_PER_CLIENT = 200;
/** burrow's log.format: readable on a TTY, JSON where output is piped or written to a file. */
export const DEFAULT_LOG_FORMAT = 'auto';
/** burrow's auth.loginProof: burrow clients prove each login, frp clients still log in. */
export const DEFAULT_LOGIN_PROOF = 'auto';
export const DEFAULT_TRANSPORT_PROTOCOL = 'tcp';
export const DEFAULT_WIRE_PROTOCOL = 'v1';
export const DEFAULT_PROXY_TYPE = 'tcp';
export const DEFAULT_VISITOR_TYPE = 'stcp';
/** burrow's transport.tls.verify: verify when a CA or a pin is configured. */
export const DEFAULT_TLS_VERIFY = 'auto';
/** frp's healthCheck defaults (client/health/health.go): seconds per check, failures in a row, seconds between checks. */
export const DEFAULT_HEALTH_CHECK_TIMEOUT = 3;
export const DEFAULT_HEALTH_CHECK_MAX_FAILED = 1;
export const DEFAULT_HEALTH_CHECK_INTERVAL = 10;
