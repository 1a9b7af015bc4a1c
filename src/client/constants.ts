// Limits, timeouts and back-off steps of the client side.

/** LoginResp must arrive within this after Login is sent (frpc: 10 s). */
export const LOGIN_RESPONSE_TIMEOUT_MS = 10_000;

/** Dialing the local service of a proxy must succeed within this (frpc: 10 s). */
export const LOCAL_DIAL_TIMEOUT_MS = 10_000;

/** The first reconnect attempt after a lost session comes this fast (frpc retries quickly first). */
export const RECONNECT_FIRST_DELAY_MS = 200;

/** Later reconnect attempts start here and double each time ... */
export const RECONNECT_BASE_DELAY_MS = 1_000;

/** ... up to this cap, so a restarted server is found within a few seconds. */
export const RECONNECT_MAX_DELAY_MS = 5_000;

/** A NewProxy that got no answer is sent again after this (frpc: 20 s). */
export const PROXY_RESEND_NO_ANSWER_MS = 20_000;

/** A NewProxy that was refused is tried again after this (frpc: 30 s). */
export const PROXY_RETRY_AFTER_ERROR_MS = 30_000;

/** A udp proxy sends Ping on its work connection this often, so the server keeps it (frpc: 30 s). */
export const UDP_WORK_CONN_PING_INTERVAL_MS = 30_000;

/** A user's local UDP socket is closed after this long without a datagram either way (frpc: 30 s). */
export const UDP_PEER_IDLE_MS = 30_000;

/** Most users a udp proxy keeps a local socket for at once; datagrams from further users are dropped (flood guard). */
export const MAX_UDP_PEERS = 4096;

/** A visitor's NewVisitorConnResp must arrive within this (frpc: 10 s). */
export const VISITOR_RESPONSE_TIMEOUT_MS = 10_000;
