// Limits, timeouts and fixed names of the admin HTTP API (the metrics' limits are in observe/constants.ts).

/** Largest request body accepted (PUT /api/config): 1 MiB, far above any real frpc.toml. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A request's headers must arrive within this time (slow-loris guard). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** A whole request (headers and body) must arrive within this time. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** An idle keep-alive connection is closed after this time. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Wait before answering a failed login, to slow password guessing (frp waits the same). */
export const AUTH_FAIL_DELAY_MS = 200;
/** The realm named in WWW-Authenticate. */
export const AUTH_REALM = 'burrow';
/** The address the admin API binds to when none is configured: loopback only. */
export const DEFAULT_ADMIN_ADDR = '127.0.0.1';
/** Days of traffic history /api/traffic/:name returns (frp keeps seven, today first). */
export const TRAFFIC_DAYS = 7;

/** Wrong Basic-auth guesses one address may make per ADMIN_AUTH_WINDOW_MS before it is backed off. */
export const ADMIN_AUTH_MAX_FAILURES = 5;
/** The window failures are counted in: a typo now and then never backs a person off. */
export const ADMIN_AUTH_WINDOW_MS = 60_000;
/** First back-off after ADMIN_AUTH_MAX_FAILURES; each further one doubles. */
export const ADMIN_AUTH_BASE_BACKOFF_MS = 1_000;
/** Longest back-off: 5 guesses per 15 min at most, while a locked-out admin waits no longer than that. */
export const ADMIN_AUTH_MAX_BACKOFF_MS = 15 * 60_000;
/** Most addresses whose failures are tracked (about 100 bytes each); the least recently seen is dropped first. */
export const ADMIN_AUTH_MAX_TRACKED = 10_000;
