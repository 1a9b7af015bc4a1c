// Limits, timeouts and fixed strings of the WebSocket tunnel transport (frp's transport.protocol = "websocket" | "wss").

/** The path frp's client upgrades (frp: FrpWebsocketPath); frps serves no other. */
export const FRP_WEBSOCKET_PATH = '/~!frp';

/**
 * Largest WebSocket message accepted. ws buffers a whole message before anyone reads it, and the
 * server does so before any authentication, so this bounds memory per connection. frp's writes are
 * far smaller in practice (a TLS record, a yamux header, or one copy buffer of 16–32 KiB per
 * message) and burrow's own sender splits at WEBSOCKET_MAX_SEND_BYTES.
 */
export const WEBSOCKET_MAX_MESSAGE_BYTES = 1024 * 1024;

/** A write larger than this is sent as several messages, so no peer's message limit is ever reached. */
export const WEBSOCKET_MAX_SEND_BYTES = 1024 * 1024;

/** Small writes queued together are joined into one message up to this size (fewer 2–14 byte frame headers). */
export const WEBSOCKET_COALESCE_BYTES = 16 * 1024;

/** While the WebSocket holds less than this unsent, writes complete at once; above it they wait for the flush. */
export const WEBSOCKET_WRITE_HIGH_WATER = 256 * 1024;

/** Bytes received but not yet read before the WebSocket is paused (one TCP read's worth, several frames). */
export const WEBSOCKET_READ_HIGH_WATER = 256 * 1024;

/** Largest HTTP request head (request line and headers) the server's HTTP engine reads: upgrades and enrollment requests. */
export const MAX_HTTP_HEAD_BYTES = 8 * 1024;

/** Largest HTTP upgrade request head the server reads (the engine's bound). */
export const MAX_UPGRADE_REQUEST_BYTES = MAX_HTTP_HEAD_BYTES;

/** The WebSocket opening handshake (request head in, 101 out; or 101 back to the client) must finish within this. */
export const WEBSOCKET_HANDSHAKE_TIMEOUT_MS = 10_000;

/** How long an HTTP error answer to a bad upgrade may take to flush before the connection is dropped anyway. */
export const ERROR_RESPONSE_FLUSH_MS = 2_000;

/** Close code of an orderly WebSocket close (RFC 6455 §7.4.1). */
export const CLOSE_NORMAL = 1000;

/** Close codes that mean the peer closed in order: normal, going away, no status given. */
export const CLEAN_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005]);

/**
 * Header by which a burrow client and server tell each other that an empty binary message means
 * "end of stream, the other direction goes on" (a half-close). frp sends and answers no such header,
 * so with frp an end of stream is a Close frame, as frp's own Close() sends.
 */
export const HALF_CLOSE_HEADER = 'X-Burrow-Half-Close';
/** The one value of HALF_CLOSE_HEADER. */
export const HALF_CLOSE_VERSION = '1';
