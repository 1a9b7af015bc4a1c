// Chooses the transport: the client by transport.protocol and whether TLS is on, the server by the first byte.
import type { Duplex } from 'node:stream';
import { sniffTlsFirstByte } from '../tls/index.js';
import { tcpTransport } from './tcp.js';
import { tlsTransport } from './tls.js';
import type { SecuredConn, Transport, TransportAcceptOptions } from './transport.js';

/**
 * The client's transport for transport.protocol: "websocket" (TLS inside when `tlsOn`), "wss" (always TLS),
 * else "tcp" or "tls" by `tlsOn` ("kcp" and "quic" are not supported: they dial "tcp", the config loader
 * warned about it). The WebSocket transports (and ws) are loaded only when chosen.
 */
export async function chooseTransport(protocol: string, tlsOn: boolean): Promise<Transport> {
  switch (protocol) {
    case 'websocket':
      return (await import('./websocket.js')).websocketTransport;
    case 'wss':
      return (await import('./wss.js')).wssTransport;
    default:
      return tlsOn ? tlsTransport : tcpTransport;
  }
}

/**
 * The server's choice between "tls" and "tcp": reads the first byte (0x17 / 0x16 → TLS, anything else →
 * plain unless TLS is forced) and accepts with that transport. `conn` may be a TCP socket or a WebSocket
 * stream: sniffing and TLS only use its Duplex side.
 */
export async function acceptSecure(conn: Duplex, options: TransportAcceptOptions): Promise<SecuredConn> {
  const sniff = await sniffTlsFirstByte(conn, { force: options.tls.force, timeoutMs: options.handshakeTimeoutMs });
  return (sniff.kind === 'tls' ? tlsTransport : tcpTransport).accept(conn, options);
}
