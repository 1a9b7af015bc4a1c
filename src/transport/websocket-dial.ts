// Client side of the WebSocket transport: the opening handshake over an already connected socket, as frp's client sends it.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { FRP_WEBSOCKET_PATH, HALF_CLOSE_HEADER, HALF_CLOSE_VERSION, WEBSOCKET_MAX_MESSAGE_BYTES } from './constants.js';
import { WebSocketDuplex } from './websocket-duplex.js';

/** What the handshake says and how long it may take. */
export interface WebSocketDialOptions {
  /** "ws" (transport.protocol = "websocket") or "wss" (the socket is already TLS). */
  scheme: 'ws' | 'wss';
  /** The Host header and Origin host, as in a URL (IPv6 in brackets): "addr:port" for ws, the TLS server name for wss (frp's choice). */
  host: string;
  timeoutMs: number;
}

/**
 * Runs the WebSocket opening handshake on `socket` (plain TCP, or the TLS socket for wss) the way frp's
 * client does (golang.org/x/net/websocket): `GET /~!frp`, `Host: <host>`, `Origin: http://<host>`
 * (frps refuses an upgrade without Origin), version 13, no extensions; plus HALF_CLOSE_HEADER, which a burrow
 * server answers (frps ignores it). Resolves with the WebSocket as a
 * Duplex; rejects with BurrowError(PROTOCOL) when the server answers anything but 101, TIMEOUT past the
 * deadline, NETWORK when the connection fails. The socket is destroyed on rejection.
 */
export function dialWebSocket(socket: Socket, options: WebSocketDialOptions): Promise<WebSocketDuplex> {
  const host = options.host;
  const url = `${options.scheme}://${host}${FRP_WEBSOCKET_PATH}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: BurrowError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      socket.destroy();
      reject(err);
    };
    const ws = new WebSocket(url, {
      // The connection is ours (TCP with options, or TLS with our checks): ws only speaks over it.
      createConnection: () => socket,
      origin: `http://${host}`.toLowerCase(),
      // frps ignores the header; a burrow server echoes it, and both then carry half-closes.
      headers: { [HALF_CLOSE_HEADER]: HALF_CLOSE_VERSION },
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: WEBSOCKET_MAX_MESSAGE_BYTES,
      // frp before 0.70 sent its byte stream in text frames: they are bytes, not UTF-8.
      skipUTF8Validation: true,
    });
    const timer = setTimeout(
      () =>
        fail(
          new BurrowError(
            ErrorCode.TIMEOUT,
            `WebSocket handshake with ${url} did not complete within ${options.timeoutMs} ms`,
          ),
        ),
      options.timeoutMs,
    );
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      fail(
        new BurrowError(
          ErrorCode.PROTOCOL,
          `WebSocket handshake with ${url}: the server answered ${res.statusCode ?? '?'} ${res.statusMessage ?? ''} instead of 101`,
        ),
      );
    });
    ws.once('error', (err) => {
      if (settled) return;
      // Socket failures carry a system code (ECONNRESET…); ws's own handshake checks do not.
      const code =
        typeof (err as Error & { code?: unknown }).code === 'string' ? ErrorCode.NETWORK : ErrorCode.PROTOCOL;
      fail(new BurrowError(code, `WebSocket handshake with ${url} failed: ${errorMessage(err)}`, { cause: err }));
    });
    ws.once('close', () =>
      fail(
        new BurrowError(ErrorCode.UNEXPECTED_EOF, `WebSocket handshake with ${url}: the server closed the connection`),
      ),
    );
    let halfClose = false;
    ws.once('upgrade', (res) => {
      halfClose = res.headers[HALF_CLOSE_HEADER.toLowerCase()] === HALF_CLOSE_VERSION;
    });
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners('unexpected-response');
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      resolve(new WebSocketDuplex(ws, { halfClose }));
    });
  });
}
