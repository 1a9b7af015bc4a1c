// loadBalancer.group for tcp proxies: several proxies (from one or many clients) behind one public port, round robin.
import type net from 'node:net';
import { BurrowError, ErrorCode } from '../../errors.js';
import type { PortManager } from '../port-manager.js';

/** frps's texts for group refusals (server/group/group.go). */
export const GroupError = {
  authFailed: 'group auth failed',
  differentPort: 'group should have same remote port',
} as const;

/** A proxy that can serve the connections of its group. */
export interface GroupMember {
  readonly name: string;
  /** Serves one user connection accepted on the group's port. */
  handleUser(socket: net.Socket): void;
}

interface Group {
  readonly name: string;
  readonly key: string;
  /** The remote_port the members asked for (0 = any). */
  readonly requestedPort: number;
  readonly port: number;
  readonly server: net.Server;
  readonly members: GroupMember[];
  /** Index of the member that gets the next connection. */
  next: number;
}

/** Every tcp load-balancing group of a server, keyed by group name. */
export class TcpGroups {
  private readonly groups = new Map<string, Group>();
  /** Groups whose listener is being opened: later joiners wait for it instead of opening a second one. */
  private readonly opening = new Map<string, Promise<Group>>();

  constructor(private readonly ports: PortManager) {}

  /**
   * Adds `member` to group `name` and resolves with the group's public port. The first member
   * opens the port; later ones must give the same key and remote_port (frps's rules and texts).
   */
  async join(member: GroupMember, name: string, key: string, requestedPort: number): Promise<number> {
    let group = this.groups.get(name);
    if (!group) {
      const pending = this.opening.get(name);
      if (pending) group = await pending;
    }
    if (!group) {
      const pending = this.open(name, key, requestedPort);
      this.opening.set(name, pending);
      try {
        group = await pending;
      } finally {
        this.opening.delete(name);
      }
      this.groups.set(name, group);
    }
    if (group.requestedPort !== requestedPort) throw new BurrowError(ErrorCode.PROXY_REFUSED, GroupError.differentPort);
    if (group.key !== key) throw new BurrowError(ErrorCode.PROXY_REFUSED, GroupError.authFailed);
    group.members.push(member);
    return group.port;
  }

  /** Removes a member; the last one out closes the group's port. */
  leave(member: GroupMember, name: string): void {
    const group = this.groups.get(name);
    if (!group) return;
    const index = group.members.indexOf(member);
    if (index >= 0) group.members.splice(index, 1);
    if (group.members.length > 0) return;
    this.groups.delete(name);
    group.server.close();
    this.ports.release(group.port);
  }

  private async open(name: string, key: string, requestedPort: number): Promise<Group> {
    // The group object exists before its listener so the connection callback can reach it.
    const holder: { group?: Group } = {};
    const { server, port } = await this.ports.acquire(`group ${name}`, requestedPort, (socket) => {
      const group = holder.group;
      if (!group || group.members.length === 0) {
        socket.destroy();
        return;
      }
      const member = group.members[group.next % group.members.length]!;
      group.next = (group.next + 1) % group.members.length;
      member.handleUser(socket);
    });
    holder.group = { name, key, requestedPort, port, server, members: [], next: 0 };
    return holder.group;
  }
}
