// Client side of one enrollment request: Node's HTTP client over the verified connection, bounded, refusals as precise errors.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage, type ErrorCodeValue } from '../errors.js';
import { MAX_RESPONSE_BODY_BYTES, MAX_RESPONSE_HEAD_BYTES, RENEW_PATH, RESPONSE_TIMEOUT_MS } from './constants.js';
import { ErrorResponseSchema, IssuedResponseSchema, type IssuedResponse } from './protocol.js';

/** Node's code for TLS 1.3's certificate_required alert (the server wanted a client certificate). */
const CERTIFICATE_REQUIRED_ALERT = 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED';

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
  let answer: { status: number; body: Buffer };
  try {
    answer = await exchange(conn, path, host, body, timeoutMs);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const notEnrolling =
      'it does not accept enrollment (no token was ever created there with "burrow server token create", or it is not a burrow server)';
    if (code === CERTIFICATE_REQUIRED_ALERT) {
      throw new BurrowError(ErrorCode.TLS, `the server demands a client certificate, so ${notEnrolling}`, {
        cause: err,
      });
    }
    if (err instanceof BurrowError && err.code !== ErrorCode.UNEXPECTED_EOF) throw err;
    if (typeof code === 'string' && code.startsWith('HPE_'))
      throw new BurrowError(ErrorCode.PROTOCOL, `the server answered ${path} with something that is not HTTP/1.1`, {
        cause: err,
      });
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
  } finally {
    conn.destroy();
  }
  const status = answer.status;
  let json: unknown;
  try {
    json = JSON.parse(answer.body.toString('utf8'));
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

/**
 * One JSON POST over `conn` (already connected and verified) with Node's HTTP client: the response
 * head at most MAX_RESPONSE_HEAD_BYTES, its body at most MAX_RESPONSE_BODY_BYTES, all within
 * `timeoutMs`. Rejects with BurrowError (TIMEOUT, MESSAGE_TOO_LARGE) or the client's own error.
 */
function exchange(
  conn: Duplex,
  path: string,
  host: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; body: Buffer }> {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  // A TLS alert (a client certificate demanded) may have ended the connection before anything was sent.
  if (conn.destroyed || conn.readableEnded)
    return Promise.reject(
      conn.errored ?? new BurrowError(ErrorCode.UNEXPECTED_EOF, 'the connection closed before the request was sent'),
    );
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: { answer: { status: number; body: Buffer } } | { error: unknown }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if ('answer' in outcome) resolve(outcome.answer);
      else {
        req.destroy();
        reject(outcome.error);
      }
    };
    const req = http.request({
      // The connection is ours (TLS, pinned or verified): Node only speaks HTTP over it.
      createConnection: () => conn as Socket,
      method: 'POST',
      path,
      setHost: false,
      maxHeaderSize: MAX_RESPONSE_HEAD_BYTES,
      headers: {
        Host: host,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Content-Length': json.length,
        Connection: 'close',
      },
    });
    const timer = setTimeout(
      () => settle({ error: new BurrowError(ErrorCode.TIMEOUT, `the response did not arrive within ${timeoutMs} ms`) }),
      timeoutMs,
    );
    req.once('error', (err) => settle({ error: err }));
    // Should the client miss a close (the connection failed just before it took it), the close decides.
    conn.once('close', () =>
      setImmediate(() =>
        settle({
          error: conn.errored ?? new BurrowError(ErrorCode.UNEXPECTED_EOF, 'the connection closed before the answer'),
        }),
      ),
    );
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > MAX_RESPONSE_BODY_BYTES)
          settle({
            error: new BurrowError(
              ErrorCode.MESSAGE_TOO_LARGE,
              `response body is larger than ${MAX_RESPONSE_BODY_BYTES} bytes`,
            ),
          });
        else chunks.push(chunk);
      });
      res.once('end', () => settle({ answer: { status: res.statusCode ?? 0, body: Buffer.concat(chunks) } }));
      res.once('error', (err) => settle({ error: err }));
    });
    req.end(json);
  });
}
