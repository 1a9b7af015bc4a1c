// tcp proxy: a public port whose every connection is carried to the client on a work connection.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../errors.js';
import { relay } from '../../net/relay.js';
import { wrapWorkConn, type NewProxy, type StartWorkConn } from '../../wire/index.js';
import type { PortManager } from '../port-manager.js';
import type { ProxyOwner, ServerProxy } from './proxy.js';

/** A tcp proxy listening on remote_port (or a port the server picks). */
export class TcpProxy implements ServerProxy {
  readonly type = 'tcp';
  private server: net.Server | undefined;
  private port = 0;
  private readonly live = new Set<net.Socket>();
  private closed = false;

  constructor(
    readonly name: string,
    readonly request: NewProxy,
    readonly owner: ProxyOwner,
    private readonly ports: PortManager,
  ) {}

  get portsUsed(): number {
    return 1;
  }

  async start(): Promise<string> {
    const { server, port } = await this.ports.acquire(this.name, this.request.remote_port ?? 0, (socket) => {
      void this.handleUser(socket);
    });
    this.server = server;
    this.port = port;
    this.owner.logger.info({ proxy: this.name, port }, 'tcp proxy listening');
    return `:${port}`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.server) {
      this.server.close();
      this.ports.release(this.port);
    }
    for (const socket of this.live) socket.destroy();
    this.live.clear();
  }

  private async handleUser(user: net.Socket): Promise<void> {
    if (this.closed) {
      user.destroy();
      return;
    }
    this.live.add(user);
    user.once('close', () => this.live.delete(user));
    // Errors before the relay takes over only end this one connection.
    user.on('error', () => user.destroy());
    let work: Duplex;
    try {
      work = await this.startWorkConn(user);
    } catch (err) {
      this.owner.logger.warn({ proxy: this.name, err: errorMessage(err) }, 'no work connection for user connection');
      user.destroy();
      return;
    }
    if (user.destroyed || this.closed) {
      work.destroy();
      return;
    }
    work = wrapWorkConn(work, { useEncryption: this.request.use_encryption, useCompression: this.request.use_compression }, this.owner.encryptionKey);
    void relay(user, work);
  }

  /** Takes a work connection and writes StartWorkConn on it, trying up to pool_count + 1 of them. */
  private async startWorkConn(user: net.Socket): Promise<Duplex> {
    const start: StartWorkConn = {
      proxy_name: this.name,
      src_addr: stripV4Mapped(user.remoteAddress ?? ''),
      src_port: user.remotePort ?? 0,
      dst_addr: stripV4Mapped(user.localAddress ?? ''),
      dst_port: user.localPort ?? 0,
    };
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.owner.poolCount; attempt += 1) {
      let work;
      try {
        work = await this.owner.getWorkConn();
      } catch (err) {
        lastError = err;
        break;
      }
      if (work.stream.destroyed || !work.stream.writable) continue;
      work.write({ type: 'StartWorkConn', body: start });
      return work.stream;
    }
    throw lastError ?? new Error('every work connection tried was closed');
  }
}

/** "::ffff:1.2.3.4" → "1.2.3.4", as Go reports IPv4 peers on dual-stack sockets. */
function stripV4Mapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
