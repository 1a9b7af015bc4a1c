// Opens logical connections to the server: TCP (+ WebSocket), the optional 0x17 byte and TLS, then yamux streams or new connections.
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import type { ClientConfig } from '../config/index.js';
import { BurrowError, ErrorCode } from '../errors.js';
import { Session } from '../mux/index.js';
import { dialTcp, formatAddress } from '../net/dial.js';
import { buildClientTlsOptions, connectTls, peerFingerprint, type ClientTls } from '../tls/client-tls.js';
import { WEBSOCKET_HANDSHAKE_TIMEOUT_MS } from '../transport/constants.js';

/** What the client learnt about the transport when it connected. */
export interface TransportInfo {
  tls: boolean;
  /** The server certificate's fingerprint, when TLS is on. */
  serverFingerprint?: string;
  /** Negotiated TLS version, e.g. "TLSv1.3". */
  tlsVersion?: string;
  /** Negotiated cipher suite. */
  tlsCipher?: string;
}

/**
 * One connection to the server. With tcpMux every logical connection is a yamux stream of one
 * session; without it each logical connection is a new TCP (+TLS) connection, or a new WebSocket.
 * Layers by transport.protocol, as frp's client builds them:
 * - "tcp": TCP → [0x17] + TLS when TLS is on.
 * - "websocket": TCP → WebSocket (Host = serverAddr:serverPort) → [0x17] + TLS when TLS is on.
 * - "wss": TCP → TLS (always, no 0x17) → WebSocket (Host = tls.serverName or serverAddr).
 * "kcp" and "quic" are not supported: they dial "tcp" (the config loader warned about it).
 * Emits 'close' when the session (tcpMux) is lost.
 */
export class Connector extends EventEmitter {
  private session: Session | undefined;
  private closed = false;
  info: TransportInfo = { tls: false };

  constructor(
    private readonly config: ClientConfig,
    /** The TLS settings for each new handshake (they may be reloaded while the client runs). */
    private readonly tlsNow: () => ClientTls | undefined,
  ) {
    super();
  }

  /** Connects and returns the first logical connection (for the control stream). */
  async connect(): Promise<Duplex> {
    const conn = await this.dial();
    if (!this.config.transport.tcpMux) return conn;
    const session = new Session(conn, {
      client: true,
      keepaliveIntervalMs: this.config.transport.tcpMuxKeepaliveInterval * 1000,
    });
    this.session = session;
    session.once('close', (err?: Error) => this.emit('close', err));
    return session.open();
  }

  /** Opens another logical connection (a work or visitor connection). */
  async open(): Promise<Duplex> {
    if (this.closed) throw new BurrowError(ErrorCode.CLOSED, 'connector is closed');
    if (this.session) {
      if (this.session.isClosed) throw new BurrowError(ErrorCode.CLOSED, 'session is closed');
      return this.session.open();
    }
    return this.dial();
  }

  /** Closes the session (tcpMux); single connections are closed by their owners. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session?.close();
  }

  private async dial(): Promise<Duplex> {
    const transport = this.config.transport;
    // ws is loaded only for the WebSocket protocols, and before the dial: no socket waits on it.
    const usesWebSocket = transport.protocol === 'websocket' || transport.protocol === 'wss';
    const dialWebSocket = usesWebSocket ? (await import('../transport/websocket-dial.js')).dialWebSocket : undefined;
    const socket = await dialTcp({
      host: this.config.serverAddr,
      port: this.config.serverPort,
      timeoutMs: transport.dialServerTimeout * 1000,
      keepAliveMs: transport.dialServerKeepalive * 1000,
      // Without tcpMux a work connection carries a user's half-close as a FIN.
      allowHalfOpen: true,
      ...(transport.connectServerLocalIP ? { localAddress: transport.connectServerLocalIP } : {}),
    });
    try {
      switch (transport.protocol) {
        case 'websocket': {
          const ws = await dialWebSocket!(socket, {
            scheme: 'ws',
            host: formatAddress(this.config.serverAddr, this.config.serverPort),
            timeoutMs: this.handshakeTimeoutMs(),
          });
          return await this.secure(ws, this.tlsNow());
        }
        case 'wss': {
          // wss is TLS whatever transport.tls.enable says (frp's rule), and never with the 0x17 byte.
          const clientTls = this.tlsNow() ?? (await this.wssTls());
          const secure = await this.tlsOver(socket, clientTls, false);
          const name = transport.tls.serverName || this.config.serverAddr;
          return await dialWebSocket!(secure, {
            scheme: 'wss',
            host: isIP(name) === 6 ? `[${name}]` : name,
            timeoutMs: this.handshakeTimeoutMs(),
          });
        }
        default:
          return await this.secure(socket, this.tlsNow());
      }
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /** Deadline of one WebSocket handshake: the dial timeout, as frp's whole dial has, or the transport's own. */
  private handshakeTimeoutMs(): number {
    const dial = this.config.transport.dialServerTimeout * 1000;
    return dial > 0 ? dial : WEBSOCKET_HANDSHAKE_TIMEOUT_MS;
  }

  /** TLS settings for wss while transport.tls.enable is false: built once from the same keys. */
  private wssTlsSettings: Promise<ClientTls> | undefined;
  private wssTls(): Promise<ClientTls> {
    this.wssTlsSettings ??= buildClientTlsOptions({ ...this.config.transport.tls, serverAddr: this.config.serverAddr });
    return this.wssTlsSettings;
  }

  /** TLS over `conn` when `clientTls` is set (see tlsOver), else `conn` itself. */
  private async secure(conn: Duplex, clientTls: ClientTls | undefined): Promise<Duplex> {
    if (clientTls) return this.tlsOver(conn, clientTls, true);
    this.info = { tls: false };
    return conn;
  }

  /**
   * Runs TLS over `conn` (a TCP socket or a WebSocket stream), recording what was negotiated. The 0x17
   * byte goes first unless transport.tls.disableCustomTLSFirstByte (or `firstByte` is false: wss).
   */
  private async tlsOver(conn: Duplex, clientTls: ClientTls, firstByte: boolean): Promise<tls.TLSSocket> {
    const transport = this.config.transport;
    try {
      // connectTls only writes to and wraps its socket; Node wraps a non-socket Duplex (the WebSocket) for TLS.
      const secure = await connectTls(conn, clientTls.options, {
        customFirstByte: firstByte && !transport.tls.disableCustomTLSFirstByte,
        timeoutMs: transport.dialServerTimeout * 1000,
        ...(clientTls.pin ? { pin: clientTls.pin } : {}),
      });
      this.info = {
        tls: true,
        serverFingerprint: peerFingerprint(secure),
        tlsVersion: secure.getProtocol() ?? undefined,
        tlsCipher: secure.getCipher()?.standardName,
      };
      return secure;
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }
}
