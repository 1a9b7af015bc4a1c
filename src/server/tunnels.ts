// The server's secured tunnel connections (yamux sessions or single logical connections) and closing them by peer.
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { BurrowError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { Session } from '../mux/index.js';
import { describeIdentity } from '../tls/index.js';
import type { AcceptedTransport } from './accept.js';
import type { PeerInfo, ServerControl } from './control.js';

/** A tunnel connection: a yamux session carrying many logical connections, or one of them alone (no tcpMux). */
export type Tunnel = Session | Duplex;

/** Ends a tunnel connection: a yamux session with all its streams, or one logical connection. */
function endTunnel(tunnel: Tunnel): void {
  if (tunnel instanceof Session) tunnel.close();
  else tunnel.destroy();
}

/**
 * The client certificate (DER) of an accepted transport, when the client presented one: from the
 * accepted TLS facts when they carry it, else (no tcpMux) from the TLS socket itself.
 */
export function clientCertOf(transport: AcceptedTransport): Buffer | undefined {
  if (transport.tls?.certDer) return transport.tls.certDer;
  if (transport.kind === 'single' && transport.conn instanceof TLSSocket)
    return transport.conn.getPeerX509Certificate()?.raw;
  return undefined;
}

/** Every open tunnel connection and the peer behind it. */
export class TunnelSet {
  private readonly tunnels = new Map<Tunnel, PeerInfo>();

  /** Remembers a tunnel connection until it closes. */
  track(tunnel: Tunnel, peer: PeerInfo): void {
    this.tunnels.set(tunnel, peer);
    tunnel.once('close', () => this.tunnels.delete(tunnel));
  }

  /** Ends the tunnel connections whose peer matches. */
  endMatching(match: (peer: PeerInfo) => boolean): void {
    for (const [tunnel, peer] of [...this.tunnels]) {
      if (!match(peer)) continue;
      this.tunnels.delete(tunnel);
      endTunnel(tunnel);
    }
  }

  /** Ends every tunnel connection. */
  endAll(): void {
    this.endMatching(() => true);
  }
}

/**
 * Closes the client sessions (and then the tunnel connections) whose peer matches, logging each
 * session's identity and the reason. Returns the run ids of the sessions ended.
 */
export function closeMatchingSessions(
  controls: Iterable<ServerControl>,
  tunnels: TunnelSet,
  match: (peer: PeerInfo) => boolean,
  reason: (peer: PeerInfo) => string,
  logger: Logger,
): string[] {
  const ended: string[] = [];
  for (const control of [...controls]) {
    if (control.isClosed || !match(control.peer)) continue;
    const text = reason(control.peer);
    logger.warn(
      {
        runId: control.runId,
        remote: control.peer.remoteAddress,
        clientIdentity: describeIdentity(control.peer.tls?.identity),
        reason: text,
      },
      'client session closed by the server',
    );
    control.close(new BurrowError(ErrorCode.CLOSED, text));
    ended.push(control.runId);
  }
  tunnels.endMatching(match);
  return ended;
}
