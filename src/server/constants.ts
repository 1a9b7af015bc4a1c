// Limits and timeouts of the server side, each named after what it bounds.

/** The first message of a new connection or stream must arrive within this (frps: 10 s). */
export const FIRST_MESSAGE_TIMEOUT_MS = 10_000;

/** TLS sniffing and the TLS handshake of a new connection must finish within this. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** A work-connection pool holds the client's pool_count plus this many spare connections (frps). */
export const WORK_CONN_POOL_SPARE = 10;

/** Random bytes in a run_id: 8 bytes, 16 lowercase hex characters, as frps generates. */
export const RUN_ID_BYTES = 8;

/** How often the heartbeat checker looks at the time of the last Ping (frps: every second). */
export const HEARTBEAT_CHECK_INTERVAL_MS = 1_000;

/** When remotePort is 0 and allowPorts is set, how many random allowed ports are tried (frps: 5). */
export const RANDOM_PORT_ATTEMPTS = 5;

/** Cap on concurrent connections not yet past their first message, per server (slow-loris guard). */
export const MAX_PENDING_HANDSHAKES = 1024;

/** A udp proxy asks for its work connection this long after NewProxyResp, so the client has seen the answer first (frps: 500 ms). */
export const UDP_WORK_CONN_START_DELAY_MS = 500;

/** A udp proxy whose work connection failed asks for a new one after this (frps: 1 s). */
export const UDP_WORK_CONN_RETRY_MS = 1_000;

/** A udp work connection silent for this long (no packet, no Ping) is dropped and replaced (frps: 60 s). */
export const UDP_WORK_CONN_READ_TIMEOUT_MS = 60_000;

/** A graceful stop (SIGTERM) lets live user connections run this long before cutting them. */
export const DEFAULT_DRAIN_MS = 10_000;
