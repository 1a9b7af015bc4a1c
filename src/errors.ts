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
  /** A yamux session or stream failure (protocol error, window overrun, go-away, reset). */
  MUX: 'ERR_MUX',
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
