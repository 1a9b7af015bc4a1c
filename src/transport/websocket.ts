// The WebSocket transport (transport.protocol "websocket"): TCP → WebSocket → TLS or plain inside.
import { FRP_WEBSOCKET_PATH } from './constants.js';
import { acceptSecure } from './choose.js';
import { dialTls } from './tls.js';
import type { Transport } from './transport.js';
import { acceptWebSocket } from './websocket-accept.js';
import { dialWebSocket } from './websocket-dial.js';

export const websocketTransport: Transport = {
  name: 'websocket',
  /** `GET /~!frp` with Host = serverAddr:serverPort, then [0x17] + TLS when TLS settings are given. */
  async dial(socket, options) {
    const ws = await dialWebSocket(socket, {
      scheme: 'ws',
      host: options.webSocketHost,
      timeoutMs: options.webSocketTimeoutMs,
    });
    if (!options.tls) return { conn: ws, info: { tls: false } };
    return dialTls(ws, options.tls, { customFirstByte: options.customFirstByte, timeoutMs: options.tlsTimeoutMs });
  },
  /** Answers the upgrade (a bad one with an HTTP error), then TLS or plain by the stream's first byte. */
  async accept(conn, options) {
    const ws = await acceptWebSocket(conn, {
      path: FRP_WEBSOCKET_PATH,
      timeoutMs: options.webSocketTimeoutMs,
      http: options.http,
    });
    try {
      return await acceptSecure(ws, options);
    } catch (err) {
      ws.destroy();
      throw err;
    }
  },
};
