// The mux layer's failures as named constructors of BurrowError, one per cause (like yamux's const.go).

import { BurrowError, ErrorCode, errorMessage, type ErrorCodeValue } from '../errors.js';

/** Every code a mux failure carries (timeouts keep ERR_TIMEOUT, closed sessions ERR_CLOSED). */
const MUX_CODES: ReadonlySet<ErrorCodeValue> = new Set<ErrorCodeValue>([
  ErrorCode.MUX_INVALID_VERSION,
  ErrorCode.MUX_INVALID_MSG_TYPE,
  ErrorCode.MUX_SHORT_HEADER,
  ErrorCode.MUX_NOT_YAMUX_PEER,
  ErrorCode.MUX_SESSION_SHUTDOWN,
  ErrorCode.MUX_STREAMS_EXHAUSTED,
  ErrorCode.MUX_TOO_MANY_STREAMS,
  ErrorCode.MUX_DUPLICATE_STREAM,
  ErrorCode.MUX_INVALID_STREAM_ID,
  ErrorCode.MUX_WINDOW_EXCEEDED,
  ErrorCode.MUX_REMOTE_GO_AWAY,
  ErrorCode.MUX_STREAM_RESET,
  ErrorCode.MUX_BAD_OPTION,
]);

/** True when `err` is a BurrowError with one of the mux codes above (what the single ERR_MUX used to be). */
export function isMuxError(err: unknown): err is BurrowError {
  return err instanceof BurrowError && MUX_CODES.has(err.code);
}

/** A frame header whose version is not 0. */
export function invalidVersionError(expected: number, got: number, bytes: string): BurrowError {
  return new BurrowError(
    ErrorCode.MUX_INVALID_VERSION,
    `yamux header: expected version ${expected}, got ${got} (header bytes ${bytes})`,
  );
}

/** A frame header with an unknown type. */
export function invalidMsgTypeError(max: number, got: number, bytes: string): BurrowError {
  return new BurrowError(
    ErrorCode.MUX_INVALID_MSG_TYPE,
    `yamux header: expected frame type 0..${max}, got ${got} (header bytes ${bytes})`,
  );
}

/** The header decoder got fewer bytes than a header. */
export function shortHeaderError(expected: number, got: number): BurrowError {
  return new BurrowError(ErrorCode.MUX_SHORT_HEADER, `yamux header: expected ${expected} bytes, got ${got}`);
}

/** The session ended; `reason` says why (peer closed the connection, local close, …). */
export function sessionClosedError(reason: string, cause?: unknown): BurrowError {
  return new BurrowError(
    ErrorCode.MUX_SESSION_SHUTDOWN,
    `session closed: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

/** An operation was tried on a session that is already closed. */
export function sessionAlreadyClosedError(what: string): BurrowError {
  return new BurrowError(ErrorCode.CLOSED, `cannot ${what}: the yamux session is closed`);
}

/** The peer reset the stream (RST), e.g. it refused our SYN or dropped the stream. */
export function streamResetError(id: number): BurrowError {
  return new BurrowError(ErrorCode.MUX_STREAM_RESET, `yamux stream ${id} reset by peer`);
}

/** The peer sent more Data bytes than the window we granted. */
export function windowExceededError(id: number, length: number, window: number): BurrowError {
  return new BurrowError(
    ErrorCode.MUX_WINDOW_EXCEEDED,
    `yamux stream ${id}: receive window exceeded: expected at most ${window} bytes, got a ${length}-byte data frame`,
  );
}

/** The peer opened a stream id that is still in use. */
export function duplicateStreamError(id: number): BurrowError {
  return new BurrowError(ErrorCode.MUX_DUPLICATE_STREAM, `yamux: peer opened stream ${id}, which is already open`);
}

/** The peer opened a stream with an id of our parity (or 0). */
export function badStreamIdError(id: number, client: boolean): BurrowError {
  const expected = client ? 'an even id (the server side opens even ids)' : 'an odd id (the client side opens odd ids)';
  return new BurrowError(ErrorCode.MUX_INVALID_STREAM_ID, `yamux: peer opened stream ${id}, expected ${expected}`);
}

/** The peer sent Go Away with an error code, which ends the session (as yamux does). */
export function remoteGoAwayError(code: number): BurrowError {
  const name = code === 1 ? 'protocol error' : code === 2 ? 'internal error' : 'unknown code';
  return new BurrowError(ErrorCode.MUX_REMOTE_GO_AWAY, `session closed: peer sent go away ${code} (${name})`);
}

/** open() after the peer's Go Away. */
export function goAwayOpenError(): BurrowError {
  return new BurrowError(ErrorCode.MUX_REMOTE_GO_AWAY, 'cannot open a yamux stream: the peer sent go away');
}

/** open() with every stream slot taken. */
export function tooManyStreamsError(limit: number): BurrowError {
  return new BurrowError(
    ErrorCode.MUX_TOO_MANY_STREAMS,
    `cannot open a yamux stream: ${limit} streams are open (the limit)`,
  );
}

/** open() after every stream id of our parity was used. */
export function streamsExhaustedError(): BurrowError {
  return new BurrowError(ErrorCode.MUX_STREAMS_EXHAUSTED, 'cannot open a yamux stream: stream ids exhausted');
}

/** A ping got no reply in time (keepalive failure closes the session with it). */
export function pingTimeoutError(ms: number): BurrowError {
  return new BurrowError(ErrorCode.TIMEOUT, `yamux ping: no reply within ${ms} ms`);
}

/** A stream we opened was not acknowledged in time; closes the session (frp's behaviour). */
export function openTimeoutError(id: number, ms: number): BurrowError {
  return new BurrowError(ErrorCode.TIMEOUT, `yamux stream ${id}: no ACK from the peer within ${ms} ms`);
}

/** After our FIN, the peer did not FIN in time; the stream is reset. */
export function closeTimeoutError(id: number, ms: number): BurrowError {
  return new BurrowError(ErrorCode.TIMEOUT, `yamux stream ${id}: peer did not close its side within ${ms} ms; reset`);
}

/** A keepalive ping failed (no reply in time): closes the session. */
export function keepaliveFailedError(cause: unknown): BurrowError {
  return new BurrowError(ErrorCode.TIMEOUT, `keepalive failed: ${errorMessage(cause)}`, { cause });
}

/** A 'stream' or 'data' listener threw inside the receive path: reported with the close rather than lost. */
export function listenerThrewError(cause: unknown): BurrowError {
  return new BurrowError(ErrorCode.INTERNAL, `yamux session listener threw: ${errorMessage(cause)}`, { cause });
}

/** Invalid SessionOptions. */
export function badOptionError(name: string, expected: string, got: unknown): BurrowError {
  return new BurrowError(ErrorCode.MUX_BAD_OPTION, `yamux option ${name}: expected ${expected}, got ${String(got)}`);
}

/**
 * The very first frame header of a session was invalid: the peer does not speak yamux at all (an
 * frp v1 message starts with an ASCII type byte, wire v2 with its magic). Later bad headers stay
 * invalid-version / invalid-type errors. Carries the first byte seen, for whoever turns it into advice.
 */
export class NotYamuxPeerError extends BurrowError {
  constructor(
    readonly firstByte: number,
    cause: Error,
  ) {
    super(
      ErrorCode.MUX_NOT_YAMUX_PEER,
      `the peer does not speak yamux (its first bytes are no yamux frame): ${cause.message}`,
      {
        cause,
      },
    );
    this.name = 'NotYamuxPeerError';
  }
}
