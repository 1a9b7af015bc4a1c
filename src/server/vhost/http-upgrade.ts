// An upgrade request (WebSocket…) on the http vhost: raw relay only after the local service's 101, else an ordinary answer.
//
// Go's httputil.ReverseProxy (frps) switches to a raw copy only when the backend answers
// `101 Switching Protocols`. Relaying raw as soon as the request carries `Upgrade` would hand every
// later request on the connection to this backend unrouted (another customer's Host, a protected
// location without credentials, a forged X-Real-IP) when the backend ignores the Upgrade header.
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { relay } from '../../net/relay.js';
import { bodiless, forwardHeaders, HOP_BY_HOP } from './http-forward.js';
import { rawResponse, VhostPage } from './http-pages.js';
import type { HttpBackend, HttpPeer } from './http-vhost.js';

/** Statuses whose response never has a body (RFC 9110 §6.4.1). */
const NO_BODY_STATUSES = new Set([204, 304]);

/** How an upgrade request ended, for the vhost's bookkeeping. */
export type UpgradeOutcome =
  /** The local service said 101: the connection is a raw relay now. */
  | 'upgraded'
  /** The local service answered otherwise; the connection goes on with HTTP (the caller re-attaches it). */
  | 'answered'
  /** The connection is closed or closing (refused, failed, or not reusable). */
  | 'closed';

export interface UpgradeExchange {
  logger: Logger;
  backend: HttpBackend;
  peer: HttpPeer;
  req: http.IncomingMessage;
  socket: net.Socket;
  /** Bytes the client sent after the request head (already read from the socket). */
  head: Buffer;
  /** The local service must send its response head within this. */
  responseTimeoutMs: number;
}

/** The work connection as a request's only socket: no agent, no pool (an upgrade may keep it for good). */
function requestOn(conn: Duplex, ex: UpgradeExchange): http.ClientRequest {
  return http.request({
    method: ex.req.method ?? 'GET',
    path: ex.req.url ?? '/',
    // As pairs, which Node writes as they are; Connection and Upgrade are kept for this request.
    headers: forwardHeaders(ex.req, ex.backend, ex.peer.address, true) as unknown as http.OutgoingHttpHeaders,
    setHost: false,
    createConnection: () => conn as net.Socket,
  });
}

/** Whether the client lets this connection carry another request after the answer. */
function clientKeepsAlive(req: http.IncomingMessage): boolean {
  if (req.httpVersion !== '1.1') return false;
  const connection = req.headers.connection ?? '';
  return !connection.split(',').some((token) => token.trim().toLowerCase() === 'close');
}

/** The head of a 101 sent to the client: the service's own headers (Upgrade and Connection included), responseHeaders.set applied. */
function switchingHead(res: http.IncomingMessage, backend: HttpBackend): string {
  const replaced = new Set(Object.keys(backend.setResponseHeaders).map((name) => name.toLowerCase()));
  const lines = [`HTTP/1.1 101 ${res.statusMessage ?? 'Switching Protocols'}`];
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (!replaced.has(raw[i]!.toLowerCase())) lines.push(`${raw[i]!}: ${raw[i + 1]!}`);
  for (const [name, value] of Object.entries(backend.setResponseHeaders)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Sends a non-101 answer to the client with its own framing: Content-Length as the service sent
 * it, else chunked when the connection stays open, else the body up to close. Resolves with
 * whether the connection may carry another request.
 */
function answer(ex: UpgradeExchange, upstream: http.IncomingMessage): Promise<boolean> {
  const { socket, backend, req } = ex;
  const status = upstream.statusCode ?? 502;
  const noBody = req.method === 'HEAD' || NO_BODY_STATUSES.has(status) || status < 200;
  const length = upstream.headers['content-length'];
  const chunked = !noBody && length === undefined && clientKeepsAlive(req);
  const keepAlive = clientKeepsAlive(req) && (noBody || length !== undefined || chunked);
  const replaced = new Set(Object.keys(backend.setResponseHeaders).map((name) => name.toLowerCase()));
  const lines = [`HTTP/1.1 ${status} ${upstream.statusMessage ?? ''}`];
  const raw = upstream.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || replaced.has(lower)) continue;
    lines.push(`${raw[i]!}: ${raw[i + 1]!}`);
  }
  for (const [name, value] of Object.entries(backend.setResponseHeaders)) lines.push(`${name}: ${value}`);
  if (chunked) lines.push('Transfer-Encoding: chunked');
  lines.push(`Connection: ${keepAlive ? 'keep-alive' : 'close'}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return new Promise((resolve, reject) => {
    upstream.on('data', (chunk: Buffer) => {
      if (noBody) return;
      const ok = chunked
        ? socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n')
        : socket.write(chunk);
      if (!ok) {
        upstream.pause();
        socket.once('drain', () => upstream.resume());
      }
    });
    upstream.on('end', () => {
      if (chunked) socket.write('0\r\n\r\n');
      resolve(keepAlive);
    });
    upstream.on('error', reject);
    upstream.on('aborted', () => reject(new Error('the local service closed mid-response')));
  });
}

/**
 * Forwards an upgrade request on a work connection of its own. On 101: the 101 goes to the client
 * and the connection becomes a raw relay. On any other answer: the answer goes to the client and,
 * when the connection may carry another request, the bytes read past the head are put back and
 * the outcome is 'answered' (the caller parses the next request as a request of its own). An
 * upgrade request with a body is refused: its body would be read as the next request otherwise.
 */
export async function proxyUpgrade(ex: UpgradeExchange): Promise<UpgradeOutcome> {
  const { socket, backend, logger } = ex;
  const refuse = (status: number, reason: string, body: string): UpgradeOutcome => {
    socket.end(rawResponse(status, reason, body));
    return 'closed';
  };
  if (!bodiless(ex.req))
    return refuse(400, 'Bad Request', 'An upgrade request with a body is not supported by this vhost\n');
  let conn: Duplex;
  try {
    conn = await backend.openConn(ex.peer);
  } catch (err) {
    logger.warn({ proxy: backend.proxyName, err: errorMessage(err) }, 'upgrade request: no work connection');
    return refuse(502, 'Bad Gateway', VhostPage.badGateway);
  }
  if (socket.destroyed) {
    conn.destroy();
    return 'closed';
  }
  const out = requestOn(conn, ex);
  return new Promise<UpgradeOutcome>((resolve) => {
    let settled = false;
    /** The answer's head went out: a failure now can only cut the connection. */
    let answering = false;
    const settle = (outcome: UpgradeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('close', onClientClose);
      resolve(outcome);
    };
    const onClientClose = (): void => {
      conn.destroy();
      settle('closed');
    };
    socket.once('close', onClientClose);
    const timer = setTimeout(() => {
      logger.warn({ proxy: backend.proxyName }, 'upgrade request: no response head in time');
      conn.destroy();
      settle(refuse(504, 'Gateway Timeout', VhostPage.gatewayTimeout));
    }, ex.responseTimeoutMs);
    timer.unref();
    out.on('upgrade', (res: http.IncomingMessage, upSocket: Duplex, upHead: Buffer) => {
      socket.write(switchingHead(res, backend));
      if (upHead.length > 0) socket.write(upHead);
      if (ex.head.length > 0) upSocket.write(ex.head);
      settle('upgraded');
      void relay(socket, upSocket, backend.meter.userRelay());
    });
    out.on('response', (upstream: http.IncomingMessage) => {
      clearTimeout(timer);
      answering = true;
      answer(ex, upstream).then(
        (keepAlive) => {
          conn.destroy();
          if (!keepAlive || socket.destroyed) {
            socket.end();
            settle('closed');
            return;
          }
          if (ex.head.length > 0) socket.unshift(ex.head);
          settle('answered');
        },
        (err: unknown) => {
          logger.debug({ proxy: backend.proxyName, err: errorMessage(err) }, 'upgrade request: answer cut off');
          conn.destroy();
          socket.destroy();
          settle('closed');
        },
      );
    });
    out.on('error', (err) => {
      if (settled) return;
      if (answering) {
        conn.destroy();
        socket.destroy();
        settle('closed');
        return;
      }
      logger.warn({ proxy: backend.proxyName, err: errorMessage(err) }, 'upgrade request to the local service failed');
      conn.destroy();
      settle(refuse(502, 'Bad Gateway', VhostPage.badGateway));
    });
    out.end();
  });
}
