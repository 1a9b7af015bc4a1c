// The one error type burrow throws: BurrowError, with a stable machine-readable code per failure.

/** Every failure burrow reports, by code. A code never changes meaning once released. */
export const ErrorCode = {
  /** A frame or message on the wire is malformed (bad type byte, bad length, bad JSON). */
  PROTOCOL: 'ERR_PROTOCOL',
  /** A message exceeds the configured maximum size. */
  MESSAGE_TOO_LARGE: 'ERR_MESSAGE_TOO_LARGE',
  /** A read from the network did not complete before its deadline. */
  TIMEOUT: 'ERR_TIMEOUT',
  /** The peer closed the connection before a complete unit arrived. */
  UNEXPECTED_EOF: 'ERR_UNEXPECTED_EOF',
  /** A connection could not be made or broke (refused, reset, unreachable). */
  NETWORK: 'ERR_NETWORK',
  /** yamux: a frame header with a version other than 0 (yamux ErrInvalidVersion). */
  MUX_INVALID_VERSION: 'ERR_MUX_INVALID_VERSION',
  /** yamux: a frame header with an unknown frame type (yamux ErrInvalidMsgType). */
  MUX_INVALID_MSG_TYPE: 'ERR_MUX_INVALID_MSG_TYPE',
  /** yamux: fewer than 12 bytes given to the header decoder. */
  MUX_SHORT_HEADER: 'ERR_MUX_SHORT_HEADER',
  /** yamux: the session's very first bytes are no yamux frame at all (the peer does not speak yamux). */
  MUX_NOT_YAMUX_PEER: 'ERR_MUX_NOT_YAMUX_PEER',
  /** yamux: the session ended (conn ended, closed or failed) while the stream was open (yamux ErrSessionShutdown). */
  MUX_SESSION_SHUTDOWN: 'ERR_MUX_SESSION_SHUTDOWN',
  /** yamux: every stream id of our parity was used (yamux ErrStreamsExhausted). */
  MUX_STREAMS_EXHAUSTED: 'ERR_MUX_STREAMS_EXHAUSTED',
  /** yamux: open() with maxStreams streams already open (burrow's limit; yamux has none). */
  MUX_TOO_MANY_STREAMS: 'ERR_MUX_TOO_MANY_STREAMS',
  /** yamux: the peer opened a stream id that is still open (yamux ErrDuplicateStream). */
  MUX_DUPLICATE_STREAM: 'ERR_MUX_DUPLICATE_STREAM',
  /** yamux: the peer opened a stream with id 0 or with our parity. */
  MUX_INVALID_STREAM_ID: 'ERR_MUX_INVALID_STREAM_ID',
  /** yamux: the peer sent more data than the window we granted (yamux ErrRecvWindowExceeded). */
  MUX_WINDOW_EXCEEDED: 'ERR_MUX_WINDOW_EXCEEDED',
  /** yamux: the peer sent Go Away: open() refused, or the session closed on an error code (yamux ErrRemoteGoAway). */
  MUX_REMOTE_GO_AWAY: 'ERR_MUX_REMOTE_GO_AWAY',
  /** yamux: the peer reset the stream with RST (yamux ErrConnectionReset). */
  MUX_STREAM_RESET: 'ERR_MUX_STREAM_RESET',
  /** yamux: an invalid Session option. */
  MUX_BAD_OPTION: 'ERR_MUX_BAD_OPTION',
  /** A config file, key or value is invalid. */
  CONFIG: 'ERR_CONFIG',
  /** The server refused the client's login. */
  LOGIN_REFUSED: 'ERR_LOGIN_REFUSED',
  /** The server refused a proxy registration. */
  PROXY_REFUSED: 'ERR_PROXY_REFUSED',
  /** TLS material is missing, unreadable or rejected, or the handshake failed. */
  TLS: 'ERR_TLS',
  /** A plain (non-TLS) connection reached a server that requires TLS. */
  TLS_REQUIRED: 'ERR_TLS_REQUIRED',
  /** Authentication material (token, privilege key) did not verify. */
  AUTH: 'ERR_AUTH',
  /** The object was already closed when used. */
  CLOSED: 'ERR_CLOSED',
  /** Bad command-line usage. */
  USAGE: 'ERR_USAGE',
  /** A certificate or key could not be created, parsed or verified. */
  PKI: 'ERR_PKI',
  /** A proxy's client plugin could not start (bad file, unreadable key, …); the proxy reports it as its error. */
  PLUGIN: 'ERR_PLUGIN',
  /** A server plugin ([[httpPlugins]]) rejected the operation; the message is its reject_reason. */
  PLUGIN_REJECTED: 'ERR_PLUGIN_REJECTED',
  /** A server plugin could not be asked: down, too slow, a non-200 status or an answer that is not frp's shape. */
  PLUGIN_FAILED: 'ERR_PLUGIN_FAILED',
  /** A named object (e.g. a stored proxy) does not exist. */
  NOT_FOUND: 'ERR_NOT_FOUND',
  /** A name is already taken (e.g. a stored proxy named like one of the config file's). */
  CONFLICT: 'ERR_CONFLICT',
  /** A proxy's HTTP health check got an answer other than 2xx. */
  HEALTH_CHECK: 'ERR_HEALTH_CHECK',
  /** Anything that does not fit the codes above; the message says what. */
  INTERNAL: 'ERR_INTERNAL',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error type of the whole project: a message for people and a code for programs. */
export class BurrowError extends Error {
  readonly code: ErrorCodeValue;

  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BurrowError';
    this.code = code;
  }
}

/** True when `err` is a BurrowError, optionally with the given code. */
export function isBurrowError(err: unknown, code?: ErrorCodeValue): err is BurrowError {
  return err instanceof BurrowError && (code === undefined || err.code === code);
}

/** The message of any thrown value, for logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
