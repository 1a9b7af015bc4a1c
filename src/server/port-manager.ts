// Hands out public ports for tcp and udp proxies within allowPorts and opens their listeners (one manager per protocol).
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';
import { RANDOM_PORT_ATTEMPTS } from './constants.js';

/** An inclusive range of ports; a single port has start === end. */
export interface PortRange {
  start: number;
  end: number;
}

/** frps's texts for each refusal; clients show them, so they stay as frp words them. */
export const PortError = {
  notAllowed: 'port not allowed',
  alreadyUsed: 'port already used',
  unavailable: 'port unavailable',
  noneAvailable: 'no available port',
} as const;

/** Tracks which public ports are in use and listens on them. */
export class PortManager {
  private readonly used = new Map<number, string>();

  constructor(
    private readonly bindAddr: string,
    private readonly allowPorts: PortRange[],
  ) {}

  /** True when allowPorts is empty or contains `port`. */
  isAllowed(port: number): boolean {
    if (this.allowPorts.length === 0) return true;
    return this.allowPorts.some((range) => port >= range.start && port <= range.end);
  }

  /**
   * Opens a listener for proxy `name` on `port` (0 = any allowed port). Rejects with
   * BurrowError(PROXY_REFUSED) carrying frps's wording when the port cannot be had.
   */
  async acquire(
    name: string,
    port: number,
    onConnection: (socket: net.Socket) => void,
  ): Promise<{ server: net.Server; port: number }> {
    if (port === 0) return this.acquireAny(name, onConnection);
    if (!this.isAllowed(port)) throw refused(PortError.notAllowed);
    if (this.used.has(port)) throw refused(PortError.alreadyUsed);
    return this.listenOn(name, port, onConnection);
  }

  /**
   * Binds a UDP socket for proxy `name` on `port` (0 = any allowed port), with acquire()'s rules
   * and refusals. Use a separate PortManager for UDP: TCP and UDP ports are distinct, as in frps.
   */
  async acquireUdp(name: string, port: number): Promise<{ socket: dgram.Socket; port: number }> {
    if (port !== 0) {
      if (!this.isAllowed(port)) throw refused(PortError.notAllowed);
      if (this.used.has(port)) throw refused(PortError.alreadyUsed);
      return this.bindUdp(name, port);
    }
    if (this.allowPorts.length === 0) return this.bindUdp(name, 0);
    for (let attempt = 0; attempt < RANDOM_PORT_ATTEMPTS; attempt += 1) {
      const range = this.allowPorts[randomInt(this.allowPorts.length)]!;
      const candidate = range.start + randomInt(range.end - range.start + 1);
      if (this.used.has(candidate)) continue;
      try {
        return await this.bindUdp(name, candidate);
      } catch {
        // Taken by another program: try another candidate, as frps does.
        continue;
      }
    }
    throw refused(PortError.noneAvailable);
  }

  /** Frees a port taken by acquire() or acquireUdp(). */
  release(port: number): void {
    this.used.delete(port);
  }

  private async acquireAny(
    name: string,
    onConnection: (socket: net.Socket) => void,
  ): Promise<{ server: net.Server; port: number }> {
    if (this.allowPorts.length === 0) return this.listenOn(name, 0, onConnection);
    for (let attempt = 0; attempt < RANDOM_PORT_ATTEMPTS; attempt += 1) {
      const range = this.allowPorts[randomInt(this.allowPorts.length)]!;
      const candidate = range.start + randomInt(range.end - range.start + 1);
      if (this.used.has(candidate)) continue;
      try {
        return await this.listenOn(name, candidate, onConnection);
      } catch {
        // Taken by another program: try another candidate, as frps does.
        continue;
      }
    }
    throw refused(PortError.noneAvailable);
  }

  private listenOn(
    name: string,
    port: number,
    onConnection: (socket: net.Socket) => void,
  ): Promise<{ server: net.Server; port: number }> {
    return new Promise((resolve, reject) => {
      // allowHalfOpen: a user's FIN is passed on to the client instead of ending our reply.
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          refused(
            err.code === 'EADDRINUSE' || err.code === 'EACCES'
              ? PortError.unavailable
              : `listen on port ${port}: ${err.message}`,
          ),
        );
      });
      server.listen({ host: this.bindAddr, port }, () => {
        const address = server.address() as net.AddressInfo;
        this.used.set(address.port, name);
        resolve({ server, port: address.port });
      });
    });
  }

  private bindUdp(name: string, port: number): Promise<{ socket: dgram.Socket; port: number }> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(udpType(this.bindAddr));
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.close();
        reject(
          refused(
            err.code === 'EADDRINUSE' || err.code === 'EACCES'
              ? PortError.unavailable
              : `bind udp port ${port}: ${err.message}`,
          ),
        );
      });
      socket.bind({ address: this.bindAddr, port, exclusive: true }, () => {
        const bound = socket.address().port;
        this.used.set(bound, name);
        resolve({ socket, port: bound });
      });
    });
  }
}

/** The socket type for a bind address: udp6 for IPv6 literals (and "::"), else udp4. */
function udpType(bindAddr: string): 'udp4' | 'udp6' {
  return net.isIPv6(bindAddr) ? 'udp6' : 'udp4';
}

function refused(message: string): BurrowError {
  return new BurrowError(ErrorCode.PROXY_REFUSED, message);
}
