// Turns an accepted TCP socket into the server's transport: TLS or plain by the first byte, then optionally yamux.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { Session } from '../mux/index.js';
import { peerIdentity, sniffTlsFirstByte, wrapServerSocket, type PeerIdentity, type ServerTls } from '../tls/index.js';
import { HANDSHAKE_TIMEOUT_MS } from './constants.js';

export interface AcceptOptions {
  tls: ServerTls;
  tcpMux: boolean;
  keepaliveIntervalMs: number;
}

/** TLS facts of an accepted connection (absent on plain connections). */
export interface TlsFacts {
  version: string;
  cipher: string;
  /** The client certificate's identity, when the client presented one. */
  identity?: PeerIdentity;
}

/** The secured connection of one client: a yamux session or a single logical connection. */
export type AcceptedTransport =
  | { kind: 'mux'; session: Session; tls?: TlsFacts }
  | { kind: 'single'; conn: Duplex; tls?: TlsFacts };

/**
 * Reads the first byte (0x17 / 0x16 → TLS, anything else → plain unless TLS is forced), completes
 * the TLS handshake when there is one, and starts a yamux server session when tcpMux is on.
 * Rejects with a BurrowError saying which step failed; the caller destroys the socket.
 */
export async function acceptTransport(socket: net.Socket, options: AcceptOptions): Promise<AcceptedTransport> {
  const sniff = await sniffTlsFirstByte(socket, { force: options.tls.force, timeoutMs: HANDSHAKE_TIMEOUT_MS });
  let conn: Duplex = socket;
  let tls: TlsFacts | undefined;
  if (sniff.kind === 'tls') {
    const secure = await wrapServerSocket(socket, options.tls, { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
    const identity = peerIdentity(secure);
    tls = { version: secure.getProtocol() ?? '', cipher: secure.getCipher()?.standardName ?? '', ...(identity ? { identity } : {}) };
    conn = secure;
  }
  if (!options.tcpMux) return { kind: 'single', conn, ...(tls ? { tls } : {}) };
  const session = new Session(conn, { client: false, keepaliveIntervalMs: options.keepaliveIntervalMs });
  return { kind: 'mux', session, ...(tls ? { tls } : {}) };
}
