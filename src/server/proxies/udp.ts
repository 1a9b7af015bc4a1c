// udp proxy: a public UDP port whose datagrams travel as UDPPacket messages on one long-lived work connection.
import type dgram from 'node:dgram';
import { errorMessage } from '../../errors.js';
import { mapIPv4 } from '../../net/address.js';
import { decodeUdpPacket, encodeUdpPacket, MAX_UDP_PAYLOAD } from '../../net/udp-codec.js';
import { wrapWire, type WireConn } from '../../wire/index.js';
import { UDP_WORK_CONN_READ_TIMEOUT_MS, UDP_WORK_CONN_RETRY_MS, UDP_WORK_CONN_START_DELAY_MS } from '../constants.js';
import type { PortManager } from '../port-manager.js';
import type { ProxySpec } from './proxy.js';
import { ProxyBase } from './proxy-base.js';
import { takeWorkConn } from './work-conn.js';

/**
 * Datagrams from users held while no work connection is ready (the 500 ms start delay, a reconnect): frps queues them
 * in a channel of this capacity and sends them once the work connection is up; beyond it they are dropped.
 */
export const UDP_PENDING_MAX = 1_024;

/** Datagram counters of a udp proxy (for logs and tests). */
export interface UdpProxyStats {
  /** Datagrams from users sent on to the client. */
  toClient: number;
  /** Datagrams from the client sent back to users. */
  toUsers: number;
  /** Datagrams dropped: no work connection yet, the work connection is backed up, or too large. */
  dropped: number;
}

/** A udp proxy bound on remote_port (or a port the server picks). */
export class UdpProxy extends ProxyBase {
  readonly type = 'udp';
  override readonly portsUsed = 1;
  readonly stats: UdpProxyStats = { toClient: 0, toUsers: 0, dropped: 0 };
  private socket: dgram.Socket | undefined;
  private port = 0;
  private wire: WireConn | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Datagrams that arrived before the work connection was ready (at most UDP_PENDING_MAX). */
  private pending: { payload: Buffer; rinfo: dgram.RemoteInfo }[] = [];

  constructor(
    spec: ProxySpec,
    private readonly ports: PortManager,
    /** udpPacketSize: the largest datagram carried either way. */
    private readonly packetSize: number,
  ) {
    super(spec);
  }

  async start(): Promise<string> {
    const { socket, port } = await this.ports.acquireUdp(this.name, this.request.remote_port ?? 0);
    this.socket = socket;
    this.port = port;
    socket.on('error', (err) => this.owner.logger.warn({ proxy: this.name, err: err.message }, 'udp socket error'));
    socket.on('message', (payload, rinfo) => this.fromUser(payload, rinfo));
    this.owner.logger.info({ proxy: this.name, port }, 'udp proxy listening');
    return `:${port}`;
  }

  afterStart(): void {
    this.scheduleWorkConn(UDP_WORK_CONN_START_DELAY_MS);
  }

  /** UDP has no connections to let finish: a draining server stops the proxy at once. */
  override stopAccepting(): void {
    this.close();
  }

  /** Frees the port and ends the work connection (close() calls it once). */
  protected closePublicSide(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wire?.stream.destroy();
    this.wire = undefined;
    this.pending = [];
    if (this.socket) {
      this.socket.close();
      this.ports.release(this.port);
      this.socket = undefined;
    }
  }

  /**
   * A user's datagram: on to the client; held (bounded) while no work connection is ready; dropped when there is no
   * room (UDP may lose packets; memory may not grow).
   */
  private fromUser(payload: Buffer, rinfo: dgram.RemoteInfo): void {
    const wire = this.wire;
    if (payload.length > this.packetSize || (wire && wire.stream.writableNeedDrain)) {
      this.stats.dropped += 1;
      return;
    }
    if (!wire) {
      if (this.pending.length >= UDP_PENDING_MAX) this.stats.dropped += 1;
      else this.pending.push({ payload, rinfo });
      return;
    }
    this.send(wire, payload, rinfo);
  }

  private send(wire: WireConn, payload: Buffer, rinfo: dgram.RemoteInfo): void {
    wire.write({ type: 'UDPPacket', body: encodeUdpPacket(payload, { address: rinfo.address, port: rinfo.port }) });
    this.stats.toClient += 1;
  }

  /**
   * Where a reply goes: frpc echoes the user's address as Go prints it, so an IPv4 user of a socket bound on "::" comes
   * back as "127.0.0.1", which an IPv6 socket cannot send to; it is mapped back to "::ffff:127.0.0.1".
   */
  private replyAddress(address: string): string {
    if (!this.socket || this.socket.address().family !== 'IPv6') return address;
    return mapIPv4(address);
  }

  private scheduleWorkConn(delayMs: number): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.openWorkConn();
    }, delayMs);
    this.retryTimer.unref();
  }

  /** Takes one work connection (StartWorkConn without src/dst), wraps it, and reads its packets until it fails. */
  private async openWorkConn(): Promise<void> {
    let work: WireConn;
    try {
      work = await takeWorkConn(this.owner, this.name, {});
    } catch (err) {
      this.owner.logger.debug({ proxy: this.name, err: errorMessage(err) }, 'no work connection for udp proxy yet');
      this.scheduleWorkConn(UDP_WORK_CONN_RETRY_MS);
      return;
    }
    if (this.closed) {
      work.stream.destroy();
      return;
    }
    const stream = this.wrapWork(work.stream);
    stream.on('error', () => stream.destroy());
    const wire = wrapWire(stream, work.version);
    this.wire = wire;
    this.owner.logger.info({ proxy: this.name, pending: this.pending.length }, 'udp work connection ready');
    for (const held of this.pending.splice(0)) this.send(wire, held.payload, held.rinfo);
    try {
      for (;;) {
        const message = await wire.read({ timeoutMs: UDP_WORK_CONN_READ_TIMEOUT_MS });
        if (message.type === 'Ping') continue;
        if (message.type !== 'UDPPacket') continue; // frps ignores other messages here too
        const { payload, remote } = decodeUdpPacket(message.body, MAX_UDP_PAYLOAD);
        if (payload.length > this.packetSize) {
          this.stats.dropped += 1;
          continue;
        }
        this.socket?.send(payload, remote.port, this.replyAddress(remote.address));
        this.stats.toUsers += 1;
      }
    } catch (err) {
      if (this.closed) return;
      this.owner.logger.warn(
        { proxy: this.name, err: errorMessage(err) },
        'udp work connection ended; requesting a new one',
      );
      stream.destroy();
      if (this.wire === wire) this.wire = undefined;
      this.scheduleWorkConn(UDP_WORK_CONN_RETRY_MS);
    }
  }
}
