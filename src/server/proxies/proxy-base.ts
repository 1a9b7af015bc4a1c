// ProxyBase: the state and lifecycle every server proxy shares (live user connections, closed flag, meter, limiter).
//
// Model: frp's server/proxy BaseProxy, which each proxy type embeds. A subclass opens its public
// side in start() and gives it back in closePublicSide(); the base owns what is the same for all:
// the set of live user connections, closing them once, the traffic meter, the server-side
// bandwidth limiter and carrying a user connection over a work connection.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { BandwidthLimiter } from '../../net/bandwidth.js';
import { formatAddress } from '../../net/dial.js';
import { relayWithIdleTimeout } from '../../net/idle-timeout.js';
import type { NewProxy } from '../../wire/index.js';
import { TrafficMeter } from '../traffic.js';
import type { ProxyOwner, ProxySpec, ServerProxy } from './proxy.js';
import { serverLimiter, takeWorkConn, wrapProxyStream, type UserAddress } from './work-conn.js';

/** What every server proxy type builds on. */
export abstract class ProxyBase implements ServerProxy {
  abstract readonly type: string;
  readonly meter = new TrafficMeter();
  /** Public ports held (for maxPortsPerClient); a proxy with a port of its own says 1. */
  readonly portsUsed: number = 0;
  /** The proxy's server-side limiter, shared by all its connections (undefined = not limited here). */
  protected readonly limiter: BandwidthLimiter | undefined;
  /** User connections (or their work streams) open now; close() destroys them. */
  private readonly live = new Set<Duplex>();
  private closedFlag = false;

  readonly name: string;
  readonly request: NewProxy;
  readonly owner: ProxyOwner;

  /** Throws BurrowError CONFIG on a malformed bandwidth_limit, which refuses the proxy. */
  constructor(spec: ProxySpec) {
    this.name = spec.name;
    this.request = spec.request;
    this.owner = spec.owner;
    this.limiter = serverLimiter(spec.request);
  }

  /** The name the vhosts log and route by (the wire name). */
  get proxyName(): string {
    return this.name;
  }

  /** True once close() has run. */
  protected get closed(): boolean {
    return this.closedFlag;
  }

  abstract start(): Promise<string>;

  /**
   * Stops taking new user connections (frees the port, routes, group seat or visitor entry);
   * called by stopAccepting() and close(), so it must be safe to call twice.
   */
  protected abstract closePublicSide(): void;

  /** Graceful shutdown: no new user connections; the live ones go on until close(). */
  stopAccepting(): void {
    this.closePublicSide();
  }

  /** Closes the public side and every live user connection (once; later calls do nothing). */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.closePublicSide();
    for (const conn of this.live) conn.destroy();
    this.live.clear();
  }

  /** Counts `conn` as live until it closes, so close() ends it. */
  protected track(conn: Duplex): void {
    this.live.add(conn);
    conn.once('close', () => this.live.delete(conn));
  }

  /** Wraps a work connection's stream per the proxy's flags and paces it with the proxy's limiter. */
  protected wrapWork(stream: Duplex): Duplex {
    return wrapProxyStream(stream, this.request, this.owner.encryptionKey, this.limiter);
  }

  /**
   * A live work stream (StartWorkConn written, wrapped) for one user connection the caller relays
   * itself (the vhosts). BurrowError CLOSED once the proxy is closed.
   */
  protected async openUserStream(address: UserAddress): Promise<Duplex> {
    if (this.closedFlag) throw new BurrowError(ErrorCode.CLOSED, `proxy [${this.name}] is closed`);
    const work = await takeWorkConn(this.owner, this.name, address);
    const stream = this.wrapWork(work.stream);
    this.track(stream);
    return stream;
  }

  /**
   * frps's NewUserConn hook (tcp, stcp, https): true when the server plugins admit the user
   * connection from `address`; false, logged, when one refuses it or cannot be asked.
   */
  protected async admitUser(address: UserAddress): Promise<boolean> {
    if (!this.owner.admitUserConn) return true;
    const remoteAddr = formatAddress(address.srcAddr ?? '', address.srcPort ?? 0);
    try {
      await this.owner.admitUserConn(this.name, this.type, remoteAddr);
      return true;
    } catch (err) {
      this.owner.logger.warn(
        { proxy: this.name, remote: remoteAddr, err: errorMessage(err) },
        `the user conn [${remoteAddr}] was rejected`,
      );
      return false;
    }
  }

  /**
   * Carries one user connection to the client: takes a work connection and relays the two until
   * either side ends or both stay silent for userConnIdleTimeout. `what` names the connection in
   * the log line written when no work connection comes. Resolves once the relay has started (or
   * the connection was given up); never rejects.
   */
  protected async carryUser(user: Duplex, address: UserAddress, what: string): Promise<void> {
    if (this.closedFlag) {
      user.destroy();
      return;
    }
    this.track(user);
    // Errors before the relay takes over only end this one connection.
    user.on('error', () => user.destroy());
    if (!(await this.admitUser(address))) {
      user.destroy();
      return;
    }
    let work;
    try {
      work = await takeWorkConn(this.owner, this.name, address);
    } catch (err) {
      this.owner.logger.warn({ proxy: this.name, err: errorMessage(err) }, `no work connection for ${what}`);
      user.destroy();
      return;
    }
    if (user.destroyed || this.closedFlag) {
      work.stream.destroy();
      user.destroy();
      return;
    }
    // A user connection silent both ways for userConnIdleTimeout is closed (half-open peers, forgotten sessions).
    void relayWithIdleTimeout(
      user,
      this.wrapWork(work.stream),
      this.owner.userConnIdleTimeoutMs,
      this.meter.userRelay(),
    );
  }
}
