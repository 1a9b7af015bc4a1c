// Per-IP attempt counting in fixed windows, bounded in memory, for the enrollment endpoint.
import { isIP } from 'node:net';
import { unmapIPv4 } from '../net/address.js';
import { splitHostPort } from '../net/dial.js';
import { RATE_LIMIT_ATTEMPTS, RATE_LIMIT_MAX_TRACKED, RATE_LIMIT_WINDOW_MS } from './constants.js';

/** Key of the shared bucket used once RATE_LIMIT_MAX_TRACKED IPs are being tracked. */
const OVERFLOW_KEY = '*';

/** The IP of "1.2.3.4:5", "[::1]:5", "::ffff:1.2.3.4" or a bare address. */
export function remoteIp(remoteAddress: string): string {
  if (isIP(remoteAddress)) return unmapIPv4(remoteAddress);
  const { address } = splitHostPort(remoteAddress);
  return address || remoteAddress;
}

/** Counts attempts per IP; allows `limit` per window. */
export class RequestRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit = RATE_LIMIT_ATTEMPTS,
    private readonly windowMs = RATE_LIMIT_WINDOW_MS,
    private readonly maxTracked = RATE_LIMIT_MAX_TRACKED,
  ) {}

  /** Records one attempt from `ip`; false when it is over the limit (then the attempt is refused). */
  attempt(ip: string, now: number = Date.now()): boolean {
    let key = ip;
    if (!this.windows.has(key) && this.windows.size >= this.maxTracked) {
      for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
      // Still full: many IPs at once; they share one bucket rather than growing memory.
      if (this.windows.size >= this.maxTracked) key = OVERFLOW_KEY;
    }
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    w.count += 1;
    return w.count <= this.limit;
  }

  /** Seconds until `ip` may try again (for Retry-After and the message). */
  retryAfterSeconds(ip: string, now: number = Date.now()): number {
    const w = this.windows.get(ip) ?? this.windows.get(OVERFLOW_KEY);
    return w ? Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) : 1;
  }
}
