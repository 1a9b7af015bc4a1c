// Who may open a vhost connection: the per-IP connection rate (as bindPort's) and a per-IP cap on open connections.
import type net from 'node:net';
import { bucketKey, isLoopbackAddress } from '../../net/address.js';
import { ConnectionRateLimiter } from '../../net/rate-limit.js';

/**
 * Open vhost connections per source address (an IPv6 /64 counts as one): a browser opens about six
 * per site and an office behind one NAT a few dozen, while an attacker holding idle sockets from
 * one address could otherwise spend the server's file descriptors (1,024 by default) on its own.
 */
export const VHOST_MAX_CONNECTIONS_PER_IP = 256;

export interface VhostAdmissionOptions {
  /**
   * Per-IP connection rate for the vhost's own ports; null = none. Default: a limiter with
   * bindPort's defaults (DEFAULT_CONNECTIONS_PER_SECOND / DEFAULT_CONNECTION_BURST). Connections
   * that come through a shared bindPort were charged there already and are not charged again.
   */
  rateLimiter?: ConnectionRateLimiter | null;
  /** Open connections per address; 0 = no cap. Default VHOST_MAX_CONNECTIONS_PER_IP. */
  maxConnectionsPerIp?: number;
  /** Loopback peers (a local reverse proxy carrying every user) skip the per-IP cap; default true. */
  exemptLoopback?: boolean;
}

/** Counts open connections per address and refuses new ones past the rate or the cap. */
export class VhostAdmission {
  private readonly limiter: ConnectionRateLimiter | undefined;
  private readonly maxPerIp: number;
  private readonly exemptLoopback: boolean;
  private readonly open = new Map<string, number>();
  private refusedCount = 0;

  constructor(options: VhostAdmissionOptions = {}) {
    this.limiter = options.rateLimiter === null ? undefined : (options.rateLimiter ?? new ConnectionRateLimiter());
    this.maxPerIp = options.maxConnectionsPerIp ?? VHOST_MAX_CONNECTIONS_PER_IP;
    this.exemptLoopback = options.exemptLoopback ?? true;
  }

  /** Connections refused so far (rate or cap). */
  get refused(): number {
    return this.refusedCount;
  }

  /** Open connections of the address `socket` comes from (0 when exempt or untracked). */
  openFrom(address: string): number {
    return this.open.get(bucketKey(address)) ?? 0;
  }

  /**
   * Admits `socket` (false: the caller destroys it). `charged` = the connection already paid its
   * rate token elsewhere (the shared bindPort). An admitted socket is counted until it closes.
   */
  admit(socket: net.Socket, charged: boolean): boolean {
    const address = socket.remoteAddress ?? '';
    if (address === '') return true; // already closed by the peer: nothing to count, the caller's use fails anyway
    if (!charged && this.limiter !== undefined && !this.limiter.allow(address)) {
      this.refusedCount += 1;
      return false;
    }
    if (this.maxPerIp <= 0 || (this.exemptLoopback && isLoopbackAddress(address))) return true;
    const key = bucketKey(address);
    const count = this.open.get(key) ?? 0;
    if (count >= this.maxPerIp) {
      this.refusedCount += 1;
      return false;
    }
    this.open.set(key, count + 1);
    socket.once('close', () => {
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    });
    return true;
  }
}
