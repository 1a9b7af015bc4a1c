// Server side of the WebSocket transport: one HTTP upgrade, parsed by the server's HttpEngine and answered by ws, as a Duplex.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { ERROR_RESPONSE_FLUSH_MS } from './constants.js';
import { answerOnSocket, HttpEngine, wantsHalfClose } from './http-engine.js';
import { WebSocketDuplex } from './websocket-duplex.js';

/** Where and how long the upgrade is accepted. */
export interface WebSocketAcceptOptions {
  /** The only path upgraded (frp: "/~!frp"); the query string is ignored, as Go's ServeMux does. */
  path: string;
  /** Deadline for the whole opening handshake. */
  timeoutMs: number;
  /** The server's HTTP engine; a private one when absent (library use, tests). */
  http?: HttpEngine;
}

/** The WebSocket version frp's client sends (RFC 6455); ws would also take the draft version 8, frps does not. */
const WEBSOCKET_VERSION = '13';

/** An upgrade refused with an HTTP status; the connection is answered and closed. */
interface Refusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

/** The request's path without its query string. */
function pathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '';
  const queryAt = url.indexOf('?');
  return queryAt < 0 ? url : url.slice(0, queryAt);
}

/** What frps refuses before ws looks at the request: another path or method, a request that is no upgrade. */
function refusalOf(req: http.IncomingMessage, path: string, upgrading: boolean): Refusal | undefined {
  const target = pathOf(req);
  if (target !== path) return { status: 404, reason: `path ${JSON.stringify(target.slice(0, 64))} is not served` };
  if (req.method !== 'GET')
    return { status: 405, reason: `method ${req.method} is not GET`, headers: { Allow: 'GET' } };
  if (req.httpVersion !== '1.1') return { status: 400, reason: `HTTP/${req.httpVersion} cannot upgrade` };
  if (!upgrading) return { status: 400, reason: 'not a WebSocket upgrade (Upgrade: websocket, Connection: Upgrade)' };
  if (req.headers['sec-websocket-version'] !== WEBSOCKET_VERSION)
    return {
      status: 426,
      reason: 'Sec-WebSocket-Version must be 13',
      headers: { 'Sec-WebSocket-Version': WEBSOCKET_VERSION },
    };
  return undefined;
}

/**
 * Reads an HTTP upgrade request from `stream` (a TCP socket or a TLS socket over one) and answers it with
 * 101 Switching Protocols when it asks for a WebSocket on `options.path`; resolves with the WebSocket as a
 * Duplex. Anything else is answered with an HTTP error (404 other path, 405 other method, 400 not an
 * upgrade or not HTTP, 426 other version, 431 head too large), the connection ended, and this rejects with
 * BurrowError(PROTOCOL or MESSAGE_TOO_LARGE); a silent or vanished peer rejects with TIMEOUT / UNEXPECTED_EOF.
 * The caller destroys the stream on rejection.
 */
export function acceptWebSocket(stream: Duplex, options: WebSocketAcceptOptions): Promise<WebSocketDuplex> {
  const engine = options.http ?? new HttpEngine();
  return new Promise<WebSocketDuplex>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: { ws: WebSocketDuplex } | { error: BurrowError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off('close', onGone);
      engine.release(stream);
      if ('ws' in outcome) resolve(outcome.ws);
      else reject(outcome.error);
    };
    const refuse = (refusal: Refusal, code: BurrowError['code'] = ErrorCode.PROTOCOL): void => {
      if (settled) return;
      const error = new BurrowError(code, `WebSocket upgrade refused (${refusal.status}): ${refusal.reason}`);
      void answerOnSocket(
        stream,
        refusal.status,
        { type: 'text/plain; charset=utf-8', text: `${refusal.reason}\n` },
        ERROR_RESPONSE_FLUSH_MS,
        refusal.headers,
      ).then(() => settle({ error }));
    };
    const onGone = (): void =>
      settle({ error: new BurrowError(ErrorCode.UNEXPECTED_EOF, 'connection closed during the WebSocket upgrade') });
    const timer = setTimeout(
      () =>
        settle({
          error: new BurrowError(
            ErrorCode.TIMEOUT,
            `WebSocket upgrade request not received within ${options.timeoutMs} ms`,
          ),
        }),
      options.timeoutMs,
    );
    stream.once('close', onGone);
    engine.take(stream, {
      badRequest: (status, reason) =>
        refuse({ status, reason }, status === 431 ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.PROTOCOL),
      request: (req) => {
        req.resume();
        refuse(refusalOf(req, options.path, false) ?? { status: 400, reason: 'not a WebSocket upgrade' });
      },
      upgrade: (req, head) => {
        const refusal = refusalOf(req, options.path, true);
        if (refusal) {
          refuse(refusal);
          return;
        }
        // ws checks the rest (method, Upgrade, Sec-WebSocket-Key) and tells why it refused.
        try {
          engine.upgrade(
            req,
            stream,
            head,
            (reason) => refuse({ status: req.method === 'GET' ? 400 : 405, reason }),
            (ws) => {
              if (settled) {
                ws.terminate();
                return;
              }
              const duplex = new WebSocketDuplex(ws, { halfClose: wantsHalfClose(req.headers) });
              // The parser left the stream in no mode; frames after the head flow to ws from here on.
              stream.resume();
              settle({ ws: duplex });
            },
          );
        } catch (err) {
          settle({
            error: new BurrowError(ErrorCode.INTERNAL, `WebSocket upgrade failed: ${errorMessage(err)}`, {
              cause: err,
            }),
          });
        }
      },
    });
  });
}
