// Opens logical connections to the server: TCP, then the Transport chosen by transport.protocol and TLS (src/transport), then yamux streams or new connections.
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientConfig } from '../config/index.js';
import { BurrowError, ErrorCode } from '../errors.js';
import { Session } from '../mux/index.js';
import { dialTcp, formatAddress } from '../net/dial.js';
import { dialViaProxy, parseProxyUrl } from '../net/proxy-dial.js';
import { buildClientTlsOptions, type ClientTls } from '../tls/client-tls.js';
import { chooseTransport } from '../transport/choose.js';
import { WEBSOCKET_HANDSHAKE_TIMEOUT_MS } from '../transport/constants.js';
import type { TransportDialOptions, TransportInfo } from '../transport/transport.js';

export type { TransportInfo };

/**
 * One connection to the server. With tcpMux every logical connection is a yamux stream of one
 * session; without it each logical connection is a new TCP (+TLS) connection, or a new WebSocket.
 * Layers by transport.protocol, as frp's client builds them:
 * - "tcp": TCP → [0x17] + TLS when TLS is on.
 * - "websocket": TCP → WebSocket (Host = serverAddr:serverPort) → [0x17] + TLS when TLS is on.
 * - "wss": TCP → TLS (always, no 0x17) → WebSocket (Host = tls.serverName or serverAddr).
 * "kcp" and "quic" are not supported: they dial "tcp" (the config loader warned about it).
 * With transport.proxyURL the TCP connection is a tunnel through an HTTP CONNECT or SOCKS5 proxy.
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
    // One snapshot of the TLS settings (they may be reloaded) decides the transport and feeds its handshake.
    const clientTls = this.tlsNow();
    // The WebSocket transports (and ws) are loaded before the dial: no socket waits on them.
    const chosen = await chooseTransport(transport.protocol, clientTls !== undefined);
    const tcp = {
      timeoutMs: transport.dialServerTimeout * 1000,
      keepAliveMs: transport.dialServerKeepalive * 1000,
      // Without tcpMux a work connection carries a user's half-close as a FIN.
      allowHalfOpen: true,
      ...(transport.connectServerLocalIP ? { localAddress: transport.connectServerLocalIP } : {}),
    };
    const server = { host: this.config.serverAddr, port: this.config.serverPort };
    // transport.proxyURL (or $http_proxy): TCP to the proxy, its handshake, then every layer as without it.
    const socket = transport.proxyURL
      ? await dialViaProxy(parseProxyUrl(transport.proxyURL), server, {
          ...tcp,
          handshakeTimeoutMs: this.handshakeTimeoutMs(),
        })
      : await dialTcp({ ...tcp, ...server });
    try {
      const dialed = await chosen.dial(socket, await this.dialOptions(clientTls));
      this.info = dialed.info;
      return dialed.conn;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /** The transport's plain options, read from the config and the dial's TLS settings. */
  private async dialOptions(configured: ClientTls | undefined): Promise<TransportDialOptions> {
    const transport = this.config.transport;
    const wss = transport.protocol === 'wss';
    // wss is TLS whatever transport.tls.enable says (frp's rule), and never with the 0x17 byte.
    const clientTls = wss ? (configured ?? (await this.wssTls())) : configured;
    const name = transport.tls.serverName || this.config.serverAddr;
    return {
      ...(clientTls ? { tls: clientTls } : {}),
      customFirstByte: !transport.tls.disableCustomTLSFirstByte,
      tlsTimeoutMs: transport.dialServerTimeout * 1000,
      webSocketHost: wss
        ? isIP(name) === 6
          ? `[${name}]`
          : name
        : formatAddress(this.config.serverAddr, this.config.serverPort),
      webSocketTimeoutMs: this.handshakeTimeoutMs(),
    };
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
}
