// Limits and timeouts of the server side, each named after what it bounds.
import { INITIAL_STREAM_WINDOW, PREAUTH_CONN_CONTROL_BACKLOG } from '../mux/index.js';

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

/**
 * Cap on concurrent connections not yet proven (no login or valid work connection yet), per
 * server: a slow-loris guard well under the usual 1,024-descriptor limit's worth of logins.
 */
export const MAX_PENDING_HANDSHAKES = 1024;

/**
 * Of MAX_PENDING_HANDSHAKES, at most this many from one address (an IPv6 /64): a few addresses
 * cannot take every slot (16 addresses are needed to fill them), and one address's pre-auth
 * memory stays at this many times PREAUTH_SESSION_MEMORY_BYTES.
 */
export const MAX_PENDING_HANDSHAKES_PER_ADDRESS = 64;

/** Loopback peers are not held to MAX_PENDING_HANDSHAKES_PER_ADDRESS: behind a local proxy every client is 127.0.0.1 (the rate limit exempts loopback too). */
export const PER_ADDRESS_BUDGET_EXEMPTS_LOOPBACK = true;

/** A yamux session that has not logged in (nor carried a valid work connection) by then is closed, whatever streams it opened (frps's first-message timeout). */
export const PREAUTH_SESSION_DEADLINE_MS = FIRST_MESSAGE_TIMEOUT_MS;

/**
 * Streams an unauthenticated yamux session may open in all; further SYNs get RST. frpc and burrow
 * open one (the control stream) before their login is answered; a few spare for a retry.
 */
export const PREAUTH_MAX_STREAMS = 4;

/**
 * What one unauthenticated yamux session can make the server buffer at most: each of its streams
 * at most yamux's initial window (no window update before the login), plus the unsent control
 * frames allowed before the session stops reading (socket and TLS buffers come on top).
 * 4 × 256 KiB + 64 KiB = 1,114,112 bytes.
 */
export const PREAUTH_SESSION_MEMORY_BYTES = PREAUTH_MAX_STREAMS * INITIAL_STREAM_WINDOW + PREAUTH_CONN_CONTROL_BACKLOG;

/** A udp proxy asks for its work connection this long after NewProxyResp, so the client has seen the answer first (frps: 500 ms). */
export const UDP_WORK_CONN_START_DELAY_MS = 500;

/** A udp proxy whose work connection failed asks for a new one after this (frps: 1 s). */
export const UDP_WORK_CONN_RETRY_MS = 1_000;

/** A udp work connection silent for this long (no packet, no Ping) is dropped and replaced (frps: 60 s). */
export const UDP_WORK_CONN_READ_TIMEOUT_MS = 60_000;

/** A graceful stop (SIGTERM) lets live user connections run this long before cutting them. */
export const DEFAULT_DRAIN_MS = 10_000;
