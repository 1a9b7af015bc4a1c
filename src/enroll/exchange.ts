// Client side of one enrollment request: send the JSON, read the bounded answer, turn refusals into precise errors.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage, type ErrorCodeValue } from '../errors.js';
import { MAX_RESPONSE_BODY_BYTES, MAX_RESPONSE_HEAD_BYTES, RENEW_PATH, RESPONSE_TIMEOUT_MS } from './constants.js';
import { readHttpMessage, writeJsonRequest } from './http.js';
import { ErrorResponseSchema, IssuedResponseSchema, type IssuedResponse } from './protocol.js';

/** Node's code for TLS 1.3's certificate_required alert (the server wanted a client certificate). */
const CERTIFICATE_REQUIRED_ALERT = 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED';

/** Status line of a response. */
const STATUS_LINE_RE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;

/** The error code a refusal status maps to. */
function codeOf(status: number): ErrorCodeValue {
  if (status === 401 || status === 403) return ErrorCode.AUTH;
  if (status === 400) return ErrorCode.PKI;
  if (status === 408) return ErrorCode.TIMEOUT;
  return ErrorCode.PROTOCOL;
}

/**
 * POSTs `body` to `path` over `conn` and returns the issued certificate. A refusal becomes
 * BurrowError (AUTH for 401/403, PKI for a refused CSR, …) with the server's reason and status;
 * a silent close, a timeout or a malformed answer get their own messages.
 */
export async function postEnrollment(
  conn: Duplex,
  path: string,
  host: string,
  body: unknown,
  timeoutMs = RESPONSE_TIMEOUT_MS,
): Promise<IssuedResponse> {
  writeJsonRequest(conn, path, host, body);
  let message;
  try {
    message = await readHttpMessage(conn, {
      maxHeadBytes: MAX_RESPONSE_HEAD_BYTES,
      maxBodyBytes: MAX_RESPONSE_BODY_BYTES,
      timeoutMs,
      what: 'response',
    });
  } catch (err) {
    const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined)?.code : undefined;
    const notEnrolling =
      'it does not accept enrollment (no token was ever created there with "burrow server token create", or it is not a burrow server)';
    if (cause === CERTIFICATE_REQUIRED_ALERT) {
      throw new BurrowError(ErrorCode.TLS, `the server demands a client certificate, so ${notEnrolling}`, {
        cause: err,
      });
    }
    if (err instanceof BurrowError && err.code === ErrorCode.UNEXPECTED_EOF) {
      // Under TLS 1.3 a refused client certificate shows up only now, often as a plain close.
      const why =
        path === RENEW_PATH
          ? 'it most likely refused our client certificate (revoked, expired, or from another CA)'
          : notEnrolling;
      throw new BurrowError(
        ErrorCode.UNEXPECTED_EOF,
        `the server closed the connection without answering ${path}: ${why}; its log says more`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    conn.destroy();
  }
  const status = Number(STATUS_LINE_RE.exec(message.startLine)?.[1] ?? NaN);
  if (Number.isNaN(status))
    throw new BurrowError(ErrorCode.PROTOCOL, `the server answered ${path} with something that is not HTTP/1.1`);
  let json: unknown;
  try {
    json = JSON.parse(message.body.toString('utf8'));
  } catch (err) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `the server's answer to ${path} (status ${status}) is not JSON: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  if (status !== 200) {
    const reason = ErrorResponseSchema.safeParse(json);
    throw new BurrowError(
      codeOf(status),
      `the server refused (${status}): ${reason.success ? reason.data.error : 'no reason given'}`,
    );
  }
  const issued = IssuedResponseSchema.safeParse(json);
  if (!issued.success)
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `the server's answer to ${path} lacks ${issued.error.issues[0]?.path.join('.') ?? 'fields'}`,
    );
  return issued.data;
}
