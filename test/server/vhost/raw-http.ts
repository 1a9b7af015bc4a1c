// Test helpers for the vhost attack tests: raw sockets, HTTP/1.1 responses read off them one by one, tiny origins.
import http from 'node:http';
import net from 'node:net';
import { TrafficMeter } from '../../../src/server/traffic.js';
import type { HttpBackend } from '../../../src/server/vhost/index.js';

/** A response read off a raw socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Bounded wait for anything in these tests: a hang fails the test instead of stalling the run. */
export const RAW_TIMEOUT_MS = 10_000;

/** Parses one response at the start of `buf` (Content-Length or chunked); undefined while incomplete. */
function parseOne(buf: Buffer): { res: RawResponse; used: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let at = end + 4;
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lf = buf.indexOf('\r\n', at);
      if (lf < 0) return undefined;
      const size = parseInt(buf.subarray(at, lf).toString('latin1'), 16);
      if (buf.length < lf + 2 + size + 2) return undefined;
      parts.push(buf.subarray(lf + 2, lf + 2 + size));
      at = lf + 2 + size + 2;
      if (size === 0) break;
    }
    return { res: { status, headers, body: Buffer.concat(parts).toString('utf8') }, used: at };
  }
  const length = Number(headers['content-length'] ?? '0');
  if (buf.length < at + length) return undefined;
  return { res: { status, headers, body: buf.subarray(at, at + length).toString('utf8') }, used: at + length };
}

/** A raw connection that reads responses in order. */
export class RawClient {
  readonly socket: net.Socket;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(port: number, localAddress?: string) {
    this.socket = net.connect({ host: '127.0.0.1', port, ...(localAddress !== undefined ? { localAddress } : {}) });
    this.socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.wake();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Resolves once connected. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === 'open') resolve();
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Bytes received and not yet taken as a response. */
  get pending(): string {
    return this.buf.toString('latin1');
  }

  /** The next complete response; rejects when the socket closes first or after RAW_TIMEOUT_MS. */
  async next(): Promise<RawResponse> {
    return this.until(() => {
      const one = parseOne(this.buf);
      if (one === undefined) return undefined;
      this.buf = this.buf.subarray(one.used);
      return one.res;
    }, 'a response');
  }

  /** Resolves when the socket has closed (rejects after RAW_TIMEOUT_MS). */
  async closedSoon(timeoutMs = RAW_TIMEOUT_MS): Promise<void> {
    await this.until(() => (this.closed ? true : undefined), 'the socket to close', timeoutMs);
  }

  /** Resolves when `text` has arrived (kept in the buffer). */
  async received(text: string): Promise<void> {
    await this.until(() => (this.pending.includes(text) ? true : undefined), JSON.stringify(text));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private until<T>(check: () => T | undefined, what: string, timeoutMs = RAW_TIMEOUT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; have ${JSON.stringify(this.pending.slice(0, 200))}`)),
        timeoutMs,
      );
      const attempt = (): void => {
        const value = check();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
          return;
        }
        if (this.closed && what !== 'the socket to close') {
          clearTimeout(timer);
          reject(
            new Error(`socket closed while waiting for ${what}; have ${JSON.stringify(this.pending.slice(0, 200))}`),
          );
          return;
        }
        this.waiters.push(attempt);
      };
      attempt();
    });
  }
}

/** A local service that answers every request with JSON naming itself, the url and the headers it got; it ignores Upgrade. */
export async function namedOrigin(name: string): Promise<{ port: number; server: http.Server; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ origin: name, url: req.url, headers: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server, seen };
}

/** A backend that dials `port` directly instead of asking a client for a work connection. */
export function directBackend(port: number, extra: Partial<HttpBackend> = {}): HttpBackend {
  return {
    proxyName: `direct-${port}`,
    meter: new TrafficMeter(),
    rewriteHost: '',
    setHeaders: {},
    setResponseHeaders: {},
    httpUser: '',
    httpPassword: '',
    openConn: () =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.once('error', reject);
      }),
    ...extra,
  };
}

/** Closes an http.Server and every connection it holds (upgraded sockets are the test's own to end). */
export function closeServer(server: http.Server): Promise<void> {
  server.close();
  server.closeAllConnections();
  return Promise.resolve();
}
