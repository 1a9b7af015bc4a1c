// Idle timeouts for user connections: a relay whose two sides move no byte either way for N ms is destroyed.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { relay, type RelayResult, type RelayTally } from './relay.js';

/** Default for user connections: one hour of silence both ways (long enough for an idle SSH session); config's userConnIdleTimeout reads it. */
export const DEFAULT_USER_CONN_IDLE_TIMEOUT_MS = 60 * 60 * 1000;

/**
 * Calls `onIdle` once after `idleMs` without a touch(). Cheap per touch (one clock read): the timer
 * is not re-armed on every chunk, it wakes up at the earliest possible deadline and re-checks.
 */
export class IdleTimer {
  private lastActivity = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: () => void,
  ) {
    if (!(idleMs > 0) || !Number.isFinite(idleMs)) {
      throw new BurrowError(ErrorCode.CONFIG, `idle timeout must be a positive number of milliseconds, got ${idleMs}`);
    }
    this.arm(idleMs);
  }

  /** Records activity: the idle clock starts again from now. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Cancels the timer; onIdle will not be called. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.check, delayMs);
    // A live connection keeps the process running by itself; this timer should not.
    this.timer.unref();
  }

  private readonly check = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const idle = Date.now() - this.lastActivity;
    if (idle >= this.idleMs) {
      this.stopped = true;
      this.onIdle();
      return;
    }
    this.arm(this.idleMs - idle);
  };
}

/**
 * relay(a, b, tally) that also destroys both sides when no byte has moved either way for `idleMs`
 * (<= 0: no idle timeout, a plain relay). The relay then resolves with `error` set to a
 * BurrowError TIMEOUT, so the caller can tell an idle close from an ordinary one.
 */
export function relayWithIdleTimeout(a: Duplex, b: Duplex, idleMs: number, tally?: RelayTally): Promise<RelayResult> {
  if (idleMs <= 0) return relay(a, b, tally);
  const timer = new IdleTimer(idleMs, () => {
    const err = new BurrowError(ErrorCode.TIMEOUT, `connection idle: no bytes either way for ${idleMs} ms`);
    a.destroy(err);
    b.destroy(err);
  });
  const watched: RelayTally = {
    aToB(bytes) {
      timer.touch();
      tally?.aToB(bytes);
    },
    bToA(bytes) {
      timer.touch();
      tally?.bToA(bytes);
    },
    done() {
      timer.stop();
      tally?.done?.();
    },
  };
  return relay(a, b, watched).finally(() => timer.stop());
}
