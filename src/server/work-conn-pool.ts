// The pool of idle work connections a client keeps open for the server, with waiters for the next one.
import type { WireConn } from '../wire/index.js';
import { BurrowError, ErrorCode } from '../errors.js';

interface Waiter {
  resolve: (conn: WireConn) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A bounded FIFO of work connections. A connection that closes while pooled leaves the pool; a
 * waiter is handed the next connection that arrives, or is rejected at its deadline.
 */
export class WorkConnPool {
  private readonly idle: WireConn[] = [];
  private readonly waiters: Waiter[] = [];
  private closed = false;

  /** @param capacity most idle connections held; frps uses pool_count + 10 */
  constructor(private readonly capacity: number) {}

  /** Idle connections held now. */
  get size(): number {
    return this.idle.length;
  }

  /** Offers a connection: handed to a waiter, or pooled; false when closed or full. */
  put(conn: WireConn): boolean {
    if (this.closed) return false;
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(conn);
      return true;
    }
    if (this.idle.length >= this.capacity) return false;
    this.idle.push(conn);
    const forget = (): void => {
      const index = this.idle.indexOf(conn);
      if (index >= 0) this.idle.splice(index, 1);
    };
    conn.stream.once('close', forget);
    // A pooled connection has no other reader yet; its errors end it, nothing more.
    conn.stream.on('error', forget);
    return true;
  }

  /** Takes an idle, still open connection at once, if any. */
  take(): WireConn | undefined {
    while (this.idle.length > 0) {
      const conn = this.idle.shift()!;
      if (!conn.stream.destroyed && conn.stream.writable) return conn;
    }
    return undefined;
  }

  /** Waits up to `timeoutMs` for the next connection offered. */
  wait(timeoutMs: number): Promise<WireConn> {
    if (this.closed) return Promise.reject(new BurrowError(ErrorCode.CLOSED, 'control is closed'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(new BurrowError(ErrorCode.TIMEOUT, 'timeout trying to get work connection'));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Destroys every idle connection and rejects every waiter. */
  close(): void {
    this.closed = true;
    for (const conn of this.idle.splice(0)) conn.stream.destroy();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new BurrowError(ErrorCode.CLOSED, 'control is closed'));
    }
  }
}
