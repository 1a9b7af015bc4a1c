// A session's pings: ping() with its reply deadline, matching replies (pongs), and the keepalive timer.

import { performance } from 'node:perf_hooks';
import { Flag, FrameType, MAX_U32, type FrameTypeValue } from './const.js';
import { keepaliveFailedError, pingTimeoutError, sessionAlreadyClosedError } from './errors.js';

/** A ping waiting for its reply. */
interface PendingPing {
  readonly start: number;
  readonly resolve: (rttMs: number) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** What the pinger needs from its session. */
export interface PingHost {
  readonly isClosed: boolean;
  /** Writes a header-only frame. */
  sendControl(type: FrameTypeValue, flags: number, streamId: number, length: number): void;
  /** Ends the session (a keepalive ping went unanswered). */
  close(err: Error): void;
}

/**
 * Sends pings (SYN with an id) and resolves them on the peer's ACK; with a keepalive interval,
 * pings every interval (one at a time) and closes the session when one goes unanswered.
 */
export class Pinger {
  private readonly pings = new Map<number, PendingPing>();
  private nextPingId = 0;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private keepaliveInFlight = false;

  /** `timeoutMs`: reply deadline of every ping; `intervalMs` 0 disables keepalive. */
  constructor(
    private readonly host: PingHost,
    private readonly timeoutMs: number,
    intervalMs: number,
  ) {
    if (intervalMs > 0) {
      this.keepaliveTimer = setInterval(this.keepalive, intervalMs);
      this.keepaliveTimer.unref();
    }
  }

  /** Sends a ping; resolves with the round trip in ms, rejects with BurrowError(TIMEOUT) or (CLOSED) on stop(). */
  ping(): Promise<number> {
    const id = this.nextPingId;
    this.nextPingId = id === MAX_U32 ? 0 : id + 1;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(id);
        reject(pingTimeoutError(this.timeoutMs));
      }, this.timeoutMs);
      timer.unref();
      this.pings.set(id, { start: performance.now(), resolve, reject, timer });
      this.host.sendControl(FrameType.Ping, Flag.SYN, 0, id);
    });
  }

  /** The peer answered ping `id`. */
  onPong(id: number): void {
    const p = this.pings.get(id);
    if (p === undefined) return; // late reply to a ping that already timed out
    this.pings.delete(id);
    clearTimeout(p.timer);
    p.resolve(performance.now() - p.start);
  }

  /** The session closed: no more keepalive, every waiting ping is rejected. */
  stop(): void {
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    const err = sessionAlreadyClosedError('wait for a ping reply');
    for (const p of this.pings.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pings.clear();
  }

  private readonly keepalive = (): void => {
    if (this.keepaliveInFlight || this.host.isClosed) return;
    this.keepaliveInFlight = true;
    this.ping().then(
      () => {
        this.keepaliveInFlight = false;
      },
      (err: unknown) => {
        this.keepaliveInFlight = false;
        if (!this.host.isClosed) this.host.close(keepaliveFailedError(err));
      },
    );
  };
}
