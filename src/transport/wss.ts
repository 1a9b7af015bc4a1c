// The wss transport (transport.protocol "wss"): TCP → TLS (always, never the 0x17 byte) → WebSocket.
import { FRP_WEBSOCKET_PATH } from './constants.js';
import { acceptTls, dialTls, requireClientTls } from './tls.js';
import type { SecuredConn, Transport, TransportAcceptOptions } from './transport.js';
import { acceptWebSocket } from './websocket-accept.js';
import { dialWebSocket } from './websocket-dial.js';

/**
 * Server side, second half: the WebSocket upgrade inside an accepted TLS connection, keeping its TLS facts.
 * Separate because the server decides on it only after the handshake (the same TLS port serves enrollment).
 */
export async function upgradeSecured(secured: SecuredConn, options: TransportAcceptOptions): Promise<SecuredConn> {
  const ws = await acceptWebSocket(secured.conn, {
    path: FRP_WEBSOCKET_PATH,
    timeoutMs: options.webSocketTimeoutMs,
    http: options.http,
  });
  return { conn: ws, ...(secured.tls ? { tls: secured.tls } : {}) };
}

export const wssTransport: Transport = {
  name: 'wss',
  /** TLS whatever transport.tls.enable says (frp's rule), then `GET /~!frp` with Host = the TLS server name. */
  async dial(socket, options) {
    const secure = await dialTls(socket, requireClientTls(options), {
      customFirstByte: false,
      timeoutMs: options.tlsTimeoutMs,
    });
    const ws = await dialWebSocket(secure.conn, {
      scheme: 'wss',
      host: options.webSocketHost,
      timeoutMs: options.webSocketTimeoutMs,
    });
    return { conn: ws, info: secure.info };
  },
  async accept(conn, options) {
    return upgradeSecured(await acceptTls(conn, options), options);
  },
};
