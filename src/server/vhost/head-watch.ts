// Header and idle deadlines for vhost sockets: Node's own checker never runs for sockets handed in with emit('connection').
import type net from 'node:net';

/** A new connection's first request head must be complete within this (frps reads its first bytes within 10 s). */
export const VHOST_HEADER_TIMEOUT_MS = 10_000;
/** A keep-alive connection with no request in flight and no byte received is closed after this (frp's transport idles 60 s). */
export const VHOST_IDLE_TIMEOUT_MS = 60_000;
/** How often waiting sockets are checked: deadlines are kept to within this. */
export const VHOST_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface HeadWatchTimeouts {
  headerTimeoutMs: number;
  idleTimeoutMs: number;
}

/** A socket between requests: when it began to wait, its bytesRead then, and when more bytes were first seen. */
interface Waiting {
  sinceMs: number;
  bytesAtStart: number;
  /** When bytes of the next head were first seen (a deadline of headerTimeoutMs runs from here). */
  headStartMs: number | undefined;
}

/**
 * Watches sockets that wait for a request head. A new connection must complete its head within
 * headerTimeoutMs; between requests, a silent connection is closed after idleTimeoutMs and one
 * that has begun the next head must complete it within headerTimeoutMs of its first byte (seen
 * through socket.bytesRead, which counts even while Node's parser reads the handle directly).
 * One interval timer sweeps the waiting sockets; it runs only while some socket waits.
 */
export class HeadWatch {
  private readonly waiting = new Map<net.Socket, Waiting>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param timeouts read at each sweep, so a test may shorten them on a running vhost
   * @param onExpired a socket missed its deadline (`partial`: bytes of a head had arrived: answer 408)
   */
  constructor(
    private readonly timeouts: () => HeadWatchTimeouts,
    private readonly onExpired: (socket: net.Socket, partial: boolean) => void,
  ) {}

  /** A new connection: its first head is due within headerTimeoutMs from now. */
  connectionOpened(socket: net.Socket, now = Date.now()): void {
    this.waiting.set(socket, { sinceMs: now, bytesAtStart: socket.bytesRead, headStartMs: now });
    this.ensureTimer();
  }

  /** The last response on `socket` has finished: it waits for its next request. */
  idle(socket: net.Socket, now = Date.now()): void {
    if (socket.destroyed) return;
    this.waiting.set(socket, { sinceMs: now, bytesAtStart: socket.bytesRead, headStartMs: undefined });
    this.ensureTimer();
  }

  /** A request head arrived (or the socket left HTTP: upgraded, closed): no deadline any more. */
  busy(socket: net.Socket): void {
    // The timer stays until a sweep finds nobody waiting: no timer churn per keep-alive request.
    this.waiting.delete(socket);
  }

  /** Sockets waiting now. */
  get size(): number {
    return this.waiting.size;
  }

  close(): void {
    this.waiting.clear();
    this.stopTimer();
  }

  /** One pass: records first bytes, expires sockets past their deadline. */
  sweep(now = Date.now()): void {
    const { headerTimeoutMs, idleTimeoutMs } = this.timeouts();
    for (const [socket, wait] of this.waiting) {
      if (socket.destroyed) {
        this.waiting.delete(socket);
        continue;
      }
      if (wait.headStartMs === undefined && socket.bytesRead > wait.bytesAtStart) wait.headStartMs = now;
      const expired =
        wait.headStartMs !== undefined
          ? now - wait.headStartMs >= headerTimeoutMs
          : now - wait.sinceMs >= idleTimeoutMs;
      if (!expired) continue;
      this.waiting.delete(socket);
      this.onExpired(socket, socket.bytesRead > wait.bytesAtStart);
    }
    if (this.waiting.size === 0) this.stopTimer();
  }

  private ensureTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(
      () => this.sweep(),
      Math.min(VHOST_TIMEOUT_CHECK_INTERVAL_MS, this.timeouts().headerTimeoutMs),
    );
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
