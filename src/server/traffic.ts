// Per-proxy live connection count and byte counters, with frp's seven-day traffic history.
import type { RelayTally } from '../net/relay.js';

/** Days of traffic history kept per proxy (frp's ReserveDays). */
export const TRAFFIC_HISTORY_DAYS = 7;
/** Milliseconds in a day: history days roll over at UTC midnight. */
const DAY_MS = 24 * 60 * 60 * 1000;

/** Bytes counted for one direction, one slot per day, today first. */
class DayCounter {
  private readonly slots: number[] = new Array<number>(TRAFFIC_HISTORY_DAYS).fill(0);
  private day: number;
  total = 0;

  constructor(private readonly now: () => number) {
    this.day = Math.floor(now() / DAY_MS);
  }

  add(bytes: number): void {
    this.roll();
    this.slots[0] = (this.slots[0] ?? 0) + bytes;
    this.total += bytes;
  }

  /** Adds another counter's history slot by slot (the same days); `total` is left alone. */
  absorb(other: DayCounter): void {
    this.roll();
    const theirs = other.history();
    for (let i = 0; i < TRAFFIC_HISTORY_DAYS; i += 1) this.slots[i] = (this.slots[i] ?? 0) + (theirs[i] ?? 0);
  }

  /** The history, today first (a fresh copy). */
  history(): number[] {
    this.roll();
    return [...this.slots];
  }

  /** Shifts the slots when days have passed since the last count. */
  private roll(): void {
    const today = Math.floor(this.now() / DAY_MS);
    const passed = today - this.day;
    if (passed <= 0) return;
    this.day = today;
    const shift = Math.min(passed, TRAFFIC_HISTORY_DAYS);
    this.slots.splice(TRAFFIC_HISTORY_DAYS - shift, shift);
    this.slots.unshift(...new Array<number>(shift).fill(0));
  }
}

/**
 * What one proxy has carried: user connections open now and in total, and bytes each way.
 * "In" is from users to the local service, "out" from the local service to users (frp's sense).
 */
export class TrafficMeter {
  /** User connections open now. */
  curConns = 0;
  /** User connections since the proxy started. */
  totalConns = 0;
  private readonly inBytes: DayCounter;
  private readonly outBytes: DayCounter;
  /** Called after every count (the server's totals and metrics hang here); optional. */
  onBytes: ((direction: 'in' | 'out', bytes: number) => void) | undefined;
  onConn: ((delta: 1 | -1) => void) | undefined;

  constructor(now: () => number = Date.now) {
    this.inBytes = new DayCounter(now);
    this.outBytes = new DayCounter(now);
  }

  /** Counts a user connection as open; call connClosed once when it ends. */
  connOpened(): void {
    this.curConns += 1;
    this.totalConns += 1;
    this.onConn?.(1);
  }

  connClosed(): void {
    if (this.curConns === 0) return;
    this.curConns -= 1;
    this.onConn?.(-1);
  }

  /** Bytes from a user toward the local service. */
  addIn(bytes: number): void {
    this.inBytes.add(bytes);
    this.onBytes?.('in', bytes);
  }

  /** Bytes from the local service toward a user. */
  addOut(bytes: number): void {
    this.outBytes.add(bytes);
    this.onBytes?.('out', bytes);
  }

  get totalIn(): number {
    return this.inBytes.total;
  }

  get totalOut(): number {
    return this.outBytes.total;
  }

  /** Seven days of traffic, today first, as frp's /api/traffic/:name serves it. */
  history(): { trafficIn: number[]; trafficOut: number[] } {
    return { trafficIn: this.inBytes.history(), trafficOut: this.outBytes.history() };
  }

  /**
   * Takes over the seven-day history of the proxy's previous run under the same name (frp keeps
   * traffic by proxy name across reconnects). Totals and connection counts stay this run's own.
   */
  carryHistory(previous: TrafficMeter): void {
    this.inBytes.absorb(previous.inBytes);
    this.outBytes.absorb(previous.outBytes);
  }

  /** today's bytes in and out. */
  today(): { in: number; out: number } {
    return { in: this.inBytes.history()[0] ?? 0, out: this.outBytes.history()[0] ?? 0 };
  }

  /**
   * A tally for relay(user, work): the user's side is `a`, so a→b is "in". Also counts the
   * connection: opened now, closed when the relay's tally is finished (see relay()).
   */
  userRelay(): RelayTally {
    this.connOpened();
    return {
      aToB: (bytes) => this.addIn(bytes),
      bToA: (bytes) => this.addOut(bytes),
      done: () => this.connClosed(),
    };
  }
}
