// Closes a plugin's HTTP connection that is slow to send a request head, also between keep-alive requests (frp's ReadHeaderTimeout).
import type http from 'node:http';
import type { Duplex } from 'node:stream';

/** frp's plugins give a request head 60 s (ReadHeaderTimeout; Go uses it for keep-alive idling too). */
export const HTTP_HEAD_TIMEOUT_MS = 60_000;

/**
 * The deadline a PluginHttpServer lacks (Node checks its header timeouts only on listening
 * servers): a watched connection is destroyed when no request head arrived within `timeoutMs`
 * of its start or of its last answer. While requests are in progress, or once tunnelled(), no
 * deadline runs.
 */
export class HeadDeadlines {
  private readonly timers = new Map<Duplex, NodeJS.Timeout>();
  /** Requests of each connection whose answers are not done yet. */
  private readonly inFlight = new Map<Duplex, number>();

  constructor(
    server: http.Server,
    private readonly timeoutMs = HTTP_HEAD_TIMEOUT_MS,
  ) {
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const conn: Duplex = req.socket;
      this.disarm(conn);
      this.inFlight.set(conn, (this.inFlight.get(conn) ?? 0) + 1);
      res.once('close', () => {
        const left = (this.inFlight.get(conn) ?? 1) - 1;
        if (left > 0) {
          this.inFlight.set(conn, left);
          return;
        }
        this.inFlight.delete(conn);
        if (!conn.destroyed) this.arm(conn);
      });
    });
  }

  /** A CONNECT made the connection a tunnel: no more heads come (a 'connect' listener here would make every server accept CONNECT). */
  tunnelled(conn: Duplex): void {
    this.forget(conn);
  }

  /** Starts the deadline of a new connection; call before handing it to the server. */
  watch(conn: Duplex): void {
    this.arm(conn);
    conn.once('close', () => this.forget(conn));
  }

  private arm(conn: Duplex): void {
    this.disarm(conn);
    this.timers.set(
      conn,
      setTimeout(() => {
        this.timers.delete(conn);
        conn.destroy();
      }, this.timeoutMs),
    );
  }

  private disarm(conn: Duplex): void {
    const timer = this.timers.get(conn);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(conn);
  }

  private forget(conn: Duplex): void {
    this.disarm(conn);
    this.inFlight.delete(conn);
  }
}
