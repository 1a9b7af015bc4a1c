// Serving HTTP on user connections: an http.Server that never listens; each connection a plugin gets is handed to it.
import http from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * An http.Server for plugins (static_file, http_proxy, http2https, …): `handle()` gives it one
 * user connection as if it had accepted it, so Node's HTTP parser (bounded heads: maxHeaderSize),
 * keep-alive and pipelining do the work. `server` is exposed for 'request', 'connect' and
 * 'upgrade' listeners. Silent connections need no timer here: the server end of every user
 * connection closes it after userConnIdleTimeout (tcp) or the vhost idle timeout (http).
 */
export class PluginHttpServer {
  readonly server: http.Server;
  private readonly open = new Set<Duplex>();

  constructor(onRequest?: http.RequestListener) {
    // The timeouts Node checks run only on listening servers; keep them off rather than half on.
    this.server = http.createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 0 }, onRequest);
    this.server.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Serves one connection until it closes. */
  handle(conn: Duplex): void {
    this.open.add(conn);
    conn.once('close', () => this.open.delete(conn));
    conn.on('error', () => conn.destroy());
    this.server.emit('connection', conn);
  }

  /** Closes every connection it serves. */
  close(): Promise<void> {
    for (const conn of this.open) conn.destroy();
    this.open.clear();
    return Promise.resolve();
  }
}
