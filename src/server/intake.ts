// bindPort's new connections: rate limit and handshake budget, vhost sniffing, then the tunnel transport and its pre-auth probation.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { BurrowMetrics } from '../observe/index.js';
import type { ServerConfig } from '../config/index.js';
import type { EnrollService } from '../enroll/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { NotYamuxPeerError, type Session } from '../mux/index.js';
import { formatAddress } from '../net/dial.js';
import type { ConnectionRateLimiter } from '../net/rate-limit.js';
import type { ServerTls } from '../tls/index.js';
import { acceptTransport, WebSocketSlots } from './accept.js';
import { FIRST_MESSAGE_TIMEOUT_MS } from './constants.js';
import type { PeerInfo } from './control.js';
import { handshakeReason } from './failure-reasons.js';
import { HandshakeBudget, type HandshakeSlot } from './handshake-budget.js';
import { serveLogicalConn, type HandshakeContext } from './handshakes.js';
import { warnClientNotMuxed } from './mux-mismatch.js';
import { sniffSharedPort } from './port-sniff.js';
import { firstMessageAccepted, watchPreauthSession, type PreauthLimits } from './preauth.js';
import { clientCertOf, type TunnelSet } from './tunnels.js';
import type { HttpsVhost, HttpVhost } from './vhost/index.js';

/** What the intake needs from its server. */
export interface IntakeHost {
  readonly logger: Logger;
  readonly metrics: BurrowMetrics;
  readonly handshakes: HandshakeContext;
  readonly tunnels: TunnelSet;
  readonly limits: PreauthLimits;
  /** Per-IP connection rate on bindPort; undefined when off. */
  readonly connectionLimiter: ConnectionRateLimiter | undefined;
  readonly httpVhost: HttpVhost;
  readonly httpsVhost: HttpsVhost;
  /** vhostHTTPPort / vhostHTTPSPort share bindPort: new connections are sniffed. */
  readonly httpOnBindPort: boolean;
  readonly httpsOnBindPort: boolean;
  closing(): boolean;
  config(): ServerConfig;
  tls(): ServerTls;
  enroll(): EnrollService | undefined;
}

/**
 * Takes bindPort's connections from accept to a proven tunnel: each holds a handshake slot (global
 * and per-address budgets) until it logs in, carries a valid work connection, is routed to a vhost
 * or the enrollment endpoint, or closes; a yamux session not proven by the deadline is closed.
 */
export class TunnelIntake {
  private readonly sockets = new Set<net.Socket>();
  /** Live yamux sessions, for sessionStats(). */
  private readonly sessions = new Set<Session>();
  /** The pending-connection budgets (one owner for their state). */
  readonly budget: HandshakeBudget;
  /** This server's WebSocket set-up budget (not shared with other servers in the process). */
  readonly webSockets = new WebSocketSlots();

  constructor(private readonly host: IntakeHost) {
    const { maxPending, maxPendingPerAddress, exemptLoopback } = host.limits;
    this.budget = new HandshakeBudget({ maxPending, maxPendingPerAddress, exemptLoopback });
  }

  /** The live yamux sessions: how many, how many not authenticated, their buffered bytes and refused SYNs (tests, diagnostics). */
  sessionStats(): { sessions: number; unauthenticated: number; bufferedBytes: number; refusedStreams: number } {
    let unauthenticated = 0;
    let bufferedBytes = 0;
    let refusedStreams = 0;
    for (const session of this.sessions) {
      if (!session.authenticated) unauthenticated += 1;
      bufferedBytes += session.bufferedBytes;
      refusedStreams += session.refusedStreams;
    }
    return { sessions: this.sessions.size, unauthenticated, bufferedBytes, refusedStreams };
  }

  /** Destroys every connection still open (server shutdown). */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  onSocket(socket: net.Socket): void {
    const host = this.host;
    if (host.closing()) {
      socket.destroy();
      return;
    }
    // Per-IP connection rate on bindPort (loopback exempt): a flood from one address cannot fill the handshake slots.
    if (host.connectionLimiter && !host.connectionLimiter.allow(socket.remoteAddress ?? '')) {
      host.logger.debug(
        { remote: socket.remoteAddress, refused: host.connectionLimiter.refused },
        'connection rate limit; connection closed',
      );
      socket.destroy();
      return;
    }
    const slot = this.budget.admit(socket);
    if (typeof slot === 'string') {
      host.logger.debug(
        { remote: socket.remoteAddress, budget: slot, pending: this.budget.pending },
        'too many connections being set up; connection closed',
      );
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // frps's transport.tcpKeepalive: TCP keepalive probes on client connections (negative = off).
    const keepaliveSec = host.config().transport.tcpKeepalive;
    if (keepaliveSec > 0) socket.setKeepAlive(true, keepaliveSec * 1000);
    socket.on('error', (err) =>
      host.logger.debug({ remote: socket.remoteAddress, err: err.message }, 'client socket error'),
    );
    if (host.httpOnBindPort || host.httpsOnBindPort) {
      this.sniffSocket(socket, slot);
      return;
    }
    this.acceptTunnel(socket, slot);
  }

  /** bindPort shared with the vhosts: route the connection by its first bytes. */
  private sniffSocket(socket: net.Socket, slot: HandshakeSlot): void {
    const host = this.host;
    sniffSharedPort(socket, {
      http: host.httpOnBindPort,
      https: host.httpsOnBindPort,
      servesSni: (sni) => host.httpsVhost.serves(sni),
      timeoutMs: FIRST_MESSAGE_TIMEOUT_MS,
    })
      .then((route) => {
        switch (route.kind) {
          case 'http':
            slot.release(); // the vhost bounds its own connections from here
            host.httpVhost.handleSocket(socket);
            return;
          case 'https':
            slot.release();
            host.httpsVhost.route(socket, route.sni);
            return;
          case 'websocket': // a tunnel over WebSocket (GET /~!frp): acceptTransport answers the upgrade itself
          case 'tunnel':
            this.acceptTunnel(socket, slot);
        }
      })
      .catch((err: unknown) => {
        host.logger.debug(
          { remote: socket.remoteAddress, reason: errorMessage(err) },
          'connection closed before it could be routed',
        );
        socket.destroy();
      });
  }

  /** A tunnel client's connection: TLS or plain, then yamux or a single logical connection. */
  private acceptTunnel(socket: net.Socket, slot: HandshakeSlot): void {
    const host = this.host;
    const peerBase = { remoteAddress: formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0) };
    const config = host.config();
    acceptTransport(socket, {
      tls: host.tls(),
      tcpMux: config.transport.tcpMux,
      keepaliveIntervalMs: config.transport.tcpMuxKeepaliveInterval * 1000,
      // Only a server that uses enrollment routes POST /~!burrow/ and lets certificate-less clients finish the handshake.
      enroll: host.enroll()?.accepting ?? false,
      webSockets: this.webSockets,
      preauthStreams: host.limits.maxStreams,
    })
      .then((transport) => {
        if (transport.kind === 'enroll') {
          slot.release(); // the enrollment endpoint rate-limits and bounds its own requests
          host.enroll()?.handle(transport.conn, transport.tls, peerBase.remoteAddress, transport.http);
          return;
        }
        const clientCert = clientCertOf(transport);
        const peer: PeerInfo = {
          ...peerBase,
          ...(transport.tls ? { tls: transport.tls } : {}),
          ...(clientCert ? { clientCert } : {}),
        };
        if (transport.kind === 'single') {
          host.tunnels.track(transport.conn, peer);
          this.serve(transport.conn, peer, () => {
            // Refused: the slot stays taken until the connection is gone.
            if (firstMessageAccepted(transport.conn)) slot.release();
          });
          return;
        }
        const session = transport.session;
        host.tunnels.track(session, peer);
        this.sessions.add(session);
        session.once('close', (err?: Error) => {
          this.sessions.delete(session);
          if (err instanceof NotYamuxPeerError) warnClientNotMuxed(host.logger, peer.remoteAddress, err);
        });
        const served = watchPreauthSession(session, host.limits.sessionDeadlineMs, {
          authenticated: () => slot.release(),
          logger: host.logger,
          remote: peer.remoteAddress,
        });
        session.on('stream', (stream: Duplex) => this.serve(stream, peer, () => served(stream)));
      })
      .catch((err: unknown) => {
        host.logger.warn({ remote: peerBase.remoteAddress, reason: errorMessage(err) }, 'connection refused');
        host.metrics.handshakeFailed(handshakeReason(err));
        socket.destroy();
      });
  }

  /** Serves one logical connection's first message, then `done` (which judges whether it was accepted). */
  private serve(conn: Duplex, peer: PeerInfo, done: () => void): void {
    serveLogicalConn(this.host.handshakes, conn, peer).then(done, (err: unknown) => {
      this.host.logger.error(
        { remote: peer.remoteAddress, err: errorMessage(err) },
        'first message handling failed; connection closed',
      );
      conn.destroy();
    });
  }
}
