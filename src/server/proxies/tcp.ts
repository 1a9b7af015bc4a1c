// tcp proxy: a public port (alone or shared in a load-balancing group) whose every connection is carried to the client.
import type net from 'node:net';
import type { PortManager } from '../port-manager.js';
import type { ProxySpec } from './proxy.js';
import { ProxyBase } from './proxy-base.js';
import type { TcpGroups } from './tcp-group.js';
import { socketAddress } from './work-conn.js';

/** A tcp proxy listening on remote_port (or a port the server picks), or a member of a group's port. */
export class TcpProxy extends ProxyBase {
  readonly type = 'tcp';
  override readonly portsUsed = 1;
  private server: net.Server | undefined;
  private port = 0;
  private joinedGroup = '';

  constructor(
    spec: ProxySpec,
    private readonly ports: PortManager,
    private readonly groups: TcpGroups,
  ) {
    super(spec);
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
  protected closePublicSide(): void {
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

  /** Carries one user connection to the client (also called by the group this proxy is in). */
  handleUser(user: net.Socket): void {
    void this.carryUser(user, socketAddress(user), 'user connection');
  }
}
