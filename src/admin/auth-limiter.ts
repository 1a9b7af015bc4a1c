// Per-address limit of failed admin logins: after a few wrong guesses the address is refused for a growing time.
import { bucketKey } from '../net/address.js';
import {
  ADMIN_AUTH_BASE_BACKOFF_MS,
  ADMIN_AUTH_MAX_BACKOFF_MS,
  ADMIN_AUTH_MAX_FAILURES,
  ADMIN_AUTH_MAX_TRACKED,
  ADMIN_AUTH_WINDOW_MS,
} from './constants.js';

/** The limiter's knobs; tests shorten them, the admin server uses the constants. */
export interface AuthLimitOptions {
  /** Wrong guesses per window before an address is backed off. */
  maxFailures?: number;
  /** Failures older than this are forgotten. */
  windowMs?: number;
  /** First back-off; each further one doubles, up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Most addresses tracked at once; the least recently seen is forgotten first. */
  maxTracked?: number;
}

interface Entry {
  /** Wrong guesses since windowStart. */
  failures: number;
  windowStart: number;
  /** 0 when not backed off. */
  blockedUntil: number;
  /** Back-offs so far; the next one lasts base × 2^strikes. */
  strikes: number;
}

/** Counts failed logins per address and says when an address must wait. */
export class AuthLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxTracked: number;

  constructor(
    options: AuthLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxFailures = options.maxFailures ?? ADMIN_AUTH_MAX_FAILURES;
    this.windowMs = options.windowMs ?? ADMIN_AUTH_WINDOW_MS;
    this.baseBackoffMs = options.baseBackoffMs ?? ADMIN_AUTH_BASE_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? ADMIN_AUTH_MAX_BACKOFF_MS;
    this.maxTracked = options.maxTracked ?? ADMIN_AUTH_MAX_TRACKED;
  }

  /** Milliseconds the address must still wait (0 = it may try). */
  retryAfterMs(address: string): number {
    const entry = this.entries.get(bucketKey(address));
    if (!entry) return 0;
    return Math.max(0, entry.blockedUntil - this.now());
  }

  /** Records a wrong guess; returns the back-off it started (0 when none yet). */
  fail(address: string): number {
    const key = bucketKey(address);
    const now = this.now();
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    if (!entry || now - entry.windowStart > this.windowMs) {
      // A new window; the strikes stay while the address keeps failing, so back-offs keep growing.
      entry = {
        failures: 0,
        windowStart: now,
        blockedUntil: 0,
        strikes: entry && now - entry.windowStart <= this.maxBackoffMs + this.windowMs ? entry.strikes : 0,
      };
    }
    entry.failures += 1;
    let backoff = 0;
    if (entry.failures >= this.maxFailures) {
      backoff = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** entry.strikes);
      entry.strikes += 1;
      entry.failures = 0;
      entry.windowStart = now;
      entry.blockedUntil = now + backoff;
    }
    // Map order is insertion order: re-inserting keeps the least recently seen address first.
    this.entries.set(key, entry);
    while (this.entries.size > this.maxTracked) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return backoff;
  }

  /** A correct login: the address starts afresh. */
  succeed(address: string): void {
    this.entries.delete(bucketKey(address));
  }

  /** Addresses tracked now (for tests and the bound). */
  get size(): number {
    return this.entries.size;
  }
}
