// Opens logical connections to the server: TCP, then the optional 0x17 byte and TLS, then yamux streams or new connections.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { ClientConfig } from '../config/index.js';
import { BurrowError, ErrorCode } from '../errors.js';
import { Session } from '../mux/index.js';
import { dialTcp } from '../net/dial.js';
import { connectTls, peerFingerprint, type ClientTls } from '../tls/index.js';

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
 * session; without it each logical connection is a new TCP (+TLS) connection. Emits 'close' when
 * the session (tcpMux) is lost.
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
    const socket = await dialTcp({
      host: this.config.serverAddr,
      port: this.config.serverPort,
      timeoutMs: transport.dialServerTimeout * 1000,
      keepAliveMs: transport.dialServerKeepalive * 1000,
      // Without tcpMux a work connection carries a user's half-close as a FIN.
      allowHalfOpen: true,
      ...(transport.connectServerLocalIP ? { localAddress: transport.connectServerLocalIP } : {}),
    });
    const clientTls = this.tlsNow();
    if (!clientTls) {
      this.info = { tls: false };
      return socket;
    }
    try {
      const secure = await connectTls(socket, clientTls.options, {
        customFirstByte: !transport.tls.disableCustomTLSFirstByte,
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
      socket.destroy();
      throw err;
    }
  }
}
