// One internal http.Server per burrow server: Node parses the HTTP that arrives on bindPort (frp's WebSocket upgrade, enrollment).
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  HALF_CLOSE_HEADER,
  HALF_CLOSE_VERSION,
  MAX_HTTP_HEAD_BYTES,
  WEBSOCKET_MAX_MESSAGE_BYTES,
} from './constants.js';

/** What one connection handed to the engine does with the HTTP on it. */
export interface HttpVisit {
  /** A request head asking for an upgrade arrived; `head` holds the bytes read after it. */
  upgrade?(req: http.IncomingMessage, head: Buffer): void;
  /** A request head without upgrade arrived; the body is still to be read from `req`. */
  request(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** The bytes are not an HTTP/1.x request (400) or its head is too large (431); nothing was answered yet. */
  badRequest(status: 400 | 431, reason: string): void;
}

/** Whether the request comes from a burrow client that reads an empty message as a half-close. */
export function wantsHalfClose(headers: http.IncomingHttpHeaders): boolean {
  return headers[HALF_CLOSE_HEADER.toLowerCase()] === HALF_CLOSE_VERSION;
}

/** Node's parser error for a head above maxHeaderSize. */
const HEADER_OVERFLOW = 'HPE_HEADER_OVERFLOW';
/** Prefix of the codes of Node's HTTP parser errors (llhttp); other clientErrors are socket failures. */
const PARSER_ERROR_PREFIX = 'HPE_';

/**
 * The HTTP engine of one server: a never-listening http.Server that `take()` hands sniffed sockets to
 * (`emit('connection')`; bytes read ahead must have been put back), and the ws upgrader that turns its
 * upgrades into WebSockets. Each socket says through its HttpVisit what its requests are for.
 */
export class HttpEngine {
  private readonly server: http.Server;
  /** No listener of its own, no client list, no compression, bytes not UTF-8-checked. */
  private readonly upgrader: WebSocketServer;
  private readonly visits = new WeakMap<Duplex, HttpVisit>();
  /** Who to tell when ws refuses the upgrade on a socket (its reason, before anything was answered). */
  private readonly wsRefusals = new WeakMap<Duplex, (reason: string) => void>();

  constructor(maxHeadBytes = MAX_HTTP_HEAD_BYTES) {
    // No Host required: frp's client and burrow's send one, but the endpoints never route on it.
    this.server = http.createServer({ maxHeaderSize: maxHeadBytes, requireHostHeader: false });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const visit = this.visits.get(socket);
      if (visit?.upgrade) visit.upgrade(req, head);
      else if (visit) visit.badRequest(400, 'this connection cannot upgrade');
      else socket.destroy();
    });
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const visit = this.visits.get(req.socket);
      if (visit) visit.request(req, res);
      else req.socket.destroy();
    });
    this.server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
      const visit = this.visits.get(socket);
      // Not a parse error (ECONNRESET…): the socket failed; its 'close' tells the visit.
      if (!visit || !err.code?.startsWith(PARSER_ERROR_PREFIX)) {
        this.visits.delete(socket);
        socket.destroy();
        return;
      }
      this.visits.delete(socket);
      if (err.code === HEADER_OVERFLOW) visit.badRequest(431, `request head longer than ${maxHeadBytes} bytes`);
      else visit.badRequest(400, `not an HTTP/1.x request (${err.code ?? err.message})`);
    });
    this.upgrader = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: WEBSOCKET_MAX_MESSAGE_BYTES,
      // frp before 0.70 sent its byte stream in text frames: they are bytes, not UTF-8.
      skipUTF8Validation: true,
    });
    this.upgrader.on('wsClientError', (err: Error, socket: Duplex) => {
      const refused = this.wsRefusals.get(socket);
      this.wsRefusals.delete(socket);
      if (refused) refused(err.message);
      else socket.destroy();
    });
    // A burrow client asked for half-close by empty message: agree in the 101 (frpc never asks).
    this.upgrader.on('headers', (headers: string[], request: http.IncomingMessage) => {
      if (wantsHalfClose(request.headers)) headers.push(`${HALF_CLOSE_HEADER}: ${HALF_CLOSE_VERSION}`);
    });
  }

  /** Hands `socket` (TCP or TLS, first bytes put back) to the HTTP parser; `visit` gets what it parses. */
  take(socket: Duplex, visit: HttpVisit): void {
    this.visits.set(socket, visit);
    // Node reads a net.Socket (or a TLS socket over one); nothing else is ever handed over.
    this.server.emit('connection', socket as Socket);
  }

  /**
   * Lets ws answer an upgrade with 101 (`done` gets the WebSocket) or refuse it (`refused` gets why; the
   * caller answers). ws checks method, Upgrade, Sec-WebSocket-Key and version.
   */
  upgrade(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    refused: (reason: string) => void,
    done: (ws: WebSocket) => void,
  ): void {
    this.wsRefusals.set(socket, refused);
    this.upgrader.handleUpgrade(req, socket, head, (ws) => {
      this.wsRefusals.delete(socket);
      done(ws);
    });
  }

  /** Forgets `socket` (its visit is over; whatever the parser still reports is dropped). */
  release(socket: Duplex): void {
    this.visits.delete(socket);
    this.wsRefusals.delete(socket);
  }
}

/**
 * Answers `status` on a socket the parser has let go (a bad head, a refused upgrade) and ends it:
 * the status line from Node's http.STATUS_CODES, `Connection: close`, then `body`.
 * Resolves once flushed, or after `flushMs` at the latest.
 */
export function answerOnSocket(
  socket: Duplex,
  status: number,
  body: { type: string; text: string },
  flushMs: number,
  headers: Record<string, string> = {},
): Promise<void> {
  const lines = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    `Content-Type: ${body.type}`,
    `Content-Length: ${Buffer.byteLength(body.text)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, flushMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    socket.once('close', done);
    if (socket.writable) socket.end(`${lines.join('\r\n')}\r\n\r\n${body.text}`, done);
    else done();
  });
}
