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
