// The TLS transport: frp's optional 0x17 byte and a TLS handshake over a TCP socket or a WebSocket stream.
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import { BurrowError, ErrorCode } from '../errors.js';
import { connectTls, peerFingerprint, peerIdentity, wrapServerSocket, type ClientTls } from '../tls/index.js';
import type {
  DialedTransport,
  TlsFacts,
  Transport,
  TransportAcceptOptions,
  TransportDialOptions,
} from './transport.js';

/** What the server records of a TLS connection. */
export function tlsFacts(secure: tls.TLSSocket): TlsFacts {
  const identity = peerIdentity(secure);
  const certDer = secure.getPeerX509Certificate()?.raw;
  return {
    version: secure.getProtocol() ?? '',
    cipher: secure.getCipher()?.standardName ?? '',
    ...(identity ? { identity } : {}),
    ...(certDer ? { certDer } : {}),
  };
}

/**
 * Client side: TLS over `conn`, the 0x17 byte first when `customFirstByte`, recording what was negotiated.
 * `conn` is destroyed on failure. connectTls only writes to and wraps its socket; Node wraps a non-socket
 * Duplex (the WebSocket) for TLS itself.
 */
export async function dialTls(
  conn: Duplex,
  clientTls: ClientTls,
  options: { customFirstByte: boolean; timeoutMs: number },
): Promise<{ conn: tls.TLSSocket; info: DialedTransport['info'] }> {
  try {
    const secure = await connectTls(conn, clientTls.options, {
      customFirstByte: options.customFirstByte,
      timeoutMs: options.timeoutMs,
      ...(clientTls.pin ? { pin: clientTls.pin } : {}),
    });
    const info = {
      tls: true,
      serverFingerprint: peerFingerprint(secure),
      tlsVersion: secure.getProtocol() ?? undefined,
      tlsCipher: secure.getCipher()?.standardName,
    };
    return { conn: secure, info };
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

/** Server side: the TLS handshake over `conn` (the first byte, 0x17 or 0x16, is still unread or put back). */
export async function acceptTls(
  conn: Duplex,
  options: TransportAcceptOptions,
): Promise<{ conn: tls.TLSSocket; tls: TlsFacts }> {
  const secure = await wrapServerSocket(conn, options.tls, {
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    deferClientCertCheck: options.deferClientCertCheck === true,
  });
  return { conn: secure, tls: tlsFacts(secure) };
}

/** The TLS settings of a dial that needs TLS; a missing one is a programming error of the chooser's caller. */
export function requireClientTls(options: TransportDialOptions): ClientTls {
  if (options.tls) return options.tls;
  throw new BurrowError(ErrorCode.INTERNAL, 'TLS transport chosen without TLS settings');
}

export const tlsTransport: Transport = {
  name: 'tls',
  dial: async (socket, options) =>
    dialTls(socket, requireClientTls(options), {
      customFirstByte: options.customFirstByte,
      timeoutMs: options.tlsTimeoutMs,
    }),
  accept: (conn, options) => acceptTls(conn, options),
};
