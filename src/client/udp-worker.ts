// Client side of a udp proxy: UDPPacket messages on the work connection ↔ datagrams to the local service, one local socket per user.
import dgram from 'node:dgram';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { encodeProxyHeader, type ProxyProtocolVersion } from '../net/proxy-protocol.js';
import { decodeUdpPacket, encodeUdpPacket, MAX_UDP_PAYLOAD, type UdpRemote } from '../net/udp-codec.js';
import { wrapWire, type WireConn } from '../wire/index.js';
import { MAX_UDP_PEERS, UDP_PEER_IDLE_MS, UDP_WORK_CONN_PING_INTERVAL_MS } from './constants.js';

/** One user's association: a connected local socket and its idle timer. */
interface Peer {
  socket: dgram.Socket;
  idle?: NodeJS.Timeout;
}

/** Settings of a UdpWorker. */
export interface UdpWorkerOptions {
  proxyName: string;
  localIP: string;
  localPort: number;
  /** udpPacketSize: the largest datagram read from the local service. */
  packetSize: number;
  /** transport.proxyProtocolVersion: prefix each user's first datagram with a PROXY header. */
  proxyProtocolVersion: string;
  logger: Logger;
}

/**
 * Serves the one long-lived work connection of a udp proxy (a new one replaces the old). Datagrams
 * are dropped, never queued without bound, when the work connection is backed up or too many
 * users are active.
 */
export class UdpWorker {
  private readonly peers = new Map<string, Peer>();
  private wire: WireConn | undefined;
  private stream: Duplex | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  /** Datagrams dropped (backed-up work connection, peer limit, oversize). */
  dropped = 0;

  constructor(private readonly options: UdpWorkerOptions) {}

  /** Takes over a work connection whose StartWorkConn was read; `stream` is already wrapped per the proxy's flags. */
  handle(stream: Duplex, version: WireConn['version']): void {
    this.close();
    const wire = wrapWire(stream, version);
    this.wire = wire;
    this.stream = stream;
    stream.on('error', () => stream.destroy());
    stream.once('close', () => {
      if (this.stream === stream) this.close();
    });
    this.pingTimer = setInterval(() => {
      if (!stream.destroyed) wire.write({ type: 'Ping', body: {} });
    }, UDP_WORK_CONN_PING_INTERVAL_MS);
    this.pingTimer.unref();
    this.options.logger.info({ proxy: this.options.proxyName }, 'udp work connection ready');
    void this.readLoop(wire, stream);
  }

  /** Drops the work connection and every local socket. */
  close(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.stream?.destroy();
    this.stream = undefined;
    this.wire = undefined;
    for (const [key, peer] of this.peers) this.dropPeer(key, peer);
  }

  private async readLoop(wire: WireConn, stream: Duplex): Promise<void> {
    try {
      for (;;) {
        const message = await wire.read({ timeoutMs: 0 });
        if (message.type !== 'UDPPacket') continue;
        const { payload, remote } = decodeUdpPacket(message.body, MAX_UDP_PAYLOAD);
        try {
          this.toLocal(payload, remote);
        } catch (err) {
          // One datagram that cannot be sent is lost; the work connection goes on.
          this.dropped += 1;
          this.options.logger.debug(
            { proxy: this.options.proxyName, err: errorMessage(err) },
            'datagram to the local service dropped',
          );
        }
      }
    } catch (err) {
      if (this.stream === stream) {
        this.options.logger.info(
          { proxy: this.options.proxyName, err: errorMessage(err) },
          'udp work connection ended',
        );
        this.close();
      }
    }
  }

  private toLocal(payload: Buffer, remote: UdpRemote): void {
    const key = `${remote.address}|${remote.port}`;
    let peer = this.peers.get(key);
    let first = false;
    if (!peer) {
      if (this.peers.size >= MAX_UDP_PEERS) {
        this.dropped += 1;
        return;
      }
      peer = this.openPeer(key, remote);
      first = true;
    }
    this.touch(key, peer);
    let datagram = payload;
    if (first && this.options.proxyProtocolVersion !== '') {
      try {
        const header = encodeProxyHeader(this.options.proxyProtocolVersion as ProxyProtocolVersion, {
          srcAddr: remote.address,
          srcPort: remote.port,
          dstAddr: this.options.localIP,
          dstPort: this.options.localPort,
          protocol: 'udp',
        });
        datagram = Buffer.concat([header, payload]);
      } catch (err) {
        this.options.logger.warn(
          { proxy: this.options.proxyName, err: errorMessage(err) },
          'PROXY protocol header not written',
        );
      }
    }
    peer.socket.send(datagram, this.options.localPort, this.options.localIP);
  }

  private openPeer(key: string, remote: UdpRemote): Peer {
    // Not connect()ed: Node refuses sends while a connect is pending; replies are filtered by source instead.
    const socket = dgram.createSocket(net.isIPv6(this.options.localIP) ? 'udp6' : 'udp4');
    const peer: Peer = { socket };
    socket.on('error', (err) => {
      this.options.logger.debug({ proxy: this.options.proxyName, err: err.message }, 'local udp socket error');
      this.dropPeer(key, peer);
    });
    socket.on('message', (reply, rinfo) => {
      if (rinfo.port !== this.options.localPort) return; // not from the local service
      const wire = this.wire;
      this.touch(key, peer);
      if (!wire || this.stream?.writableNeedDrain || reply.length > this.options.packetSize) {
        this.dropped += 1;
        return;
      }
      wire.write({ type: 'UDPPacket', body: encodeUdpPacket(reply, remote) });
    });
    this.peers.set(key, peer);
    return peer;
  }

  private touch(key: string, peer: Peer): void {
    if (peer.idle) clearTimeout(peer.idle);
    peer.idle = setTimeout(() => this.dropPeer(key, peer), UDP_PEER_IDLE_MS);
    peer.idle.unref();
  }

  private dropPeer(key: string, peer: Peer): void {
    if (peer.idle) clearTimeout(peer.idle);
    if (this.peers.get(key) === peer) this.peers.delete(key);
    try {
      peer.socket.close();
    } catch {
      // already closed
    }
  }
}
