// tcp proxy: a public port (alone or shared in a load-balancing group) whose every connection is carried to the client.
import type net from 'node:net';
import { errorMessage } from '../../errors.js';
import type { RateLimiter } from '../../net/bandwidth.js';
import { relayWithIdleTimeout } from '../../net/idle-timeout.js';
import type { NewProxy } from '../../wire/index.js';
import type { PortManager } from '../port-manager.js';
import type { ProxyOwner, ServerProxy } from './proxy.js';
import type { TcpGroups } from './tcp-group.js';
import { serverLimiter, socketAddress, takeWorkConn, wrapProxyStream } from './work-conn.js';
import { TrafficMeter } from '../traffic.js';

/** A tcp proxy listening on remote_port (or a port the server picks), or a member of a group's port. */
export class TcpProxy implements ServerProxy {
  readonly type = 'tcp';
  private server: net.Server | undefined;
  private port = 0;
  private readonly live = new Set<net.Socket>();
  private readonly limiter: RateLimiter | undefined;
  private joinedGroup = '';
  private closed = false;

  constructor(
    readonly name: string,
    readonly request: NewProxy,
    readonly owner: ProxyOwner,
    private readonly ports: PortManager,
    private readonly groups: TcpGroups,
  ) {
    this.limiter = serverLimiter(request);
  }

  readonly meter = new TrafficMeter();

  get portsUsed(): number {
    return 1;
  }

  async start(): Promise<string> {
    const group = this.request.group ?? '';
    if (group !== '') {
      this.port = await this.groups.join(this, group, this.request.group_key ?? '', this.request.remote_port ?? 0);
      this.joinedGroup = group;
      this.owner.logger.info({ proxy: this.name, port: this.port, group }, 'tcp proxy joined load-balancing group');
      return `:${this.port}`;
    }
    const { server, port } = await this.ports.acquire(this.name, this.request.remote_port ?? 0, (socket) =>
      this.handleUser(socket),
    );
    this.server = server;
    this.port = port;
    this.owner.logger.info({ proxy: this.name, port }, 'tcp proxy listening');
    return `:${port}`;
  }

  /** Closes the public port (or leaves the group); connections already accepted go on. */
  stopAccepting(): void {
    if (this.joinedGroup !== '') {
      this.groups.leave(this, this.joinedGroup);
      this.joinedGroup = '';
    }
    if (this.server) {
      this.server.close();
      this.ports.release(this.port);
      this.server = undefined;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopAccepting();
    for (const socket of this.live) socket.destroy();
    this.live.clear();
  }

  /** Carries one user connection to the client (also called by the group this proxy is in). */
  handleUser(user: net.Socket): void {
    void this.serve(user);
  }

  private async serve(user: net.Socket): Promise<void> {
    if (this.closed) {
      user.destroy();
      return;
    }
    this.live.add(user);
    user.once('close', () => this.live.delete(user));
    // Errors before the relay takes over only end this one connection.
    user.on('error', () => user.destroy());
    let work;
    try {
      work = await takeWorkConn(this.owner, this.name, socketAddress(user));
    } catch (err) {
      this.owner.logger.warn({ proxy: this.name, err: errorMessage(err) }, 'no work connection for user connection');
      user.destroy();
      return;
    }
    if (user.destroyed || this.closed) {
      work.stream.destroy();
      return;
    }
    // A user connection silent both ways for userConnIdleTimeout is closed (half-open peers, forgotten sessions).
    void relayWithIdleTimeout(
      user,
      wrapProxyStream(work.stream, this.request, this.owner.encryptionKey, this.limiter),
      this.owner.userConnIdleTimeoutMs,
      this.meter.userRelay(),
    );
  }
}
