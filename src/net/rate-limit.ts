// Per-IP connection rate limiting for bindPort: a token bucket per remote address (IPv6 per /64), in a bounded LRU map.
import { BurrowError, ErrorCode } from '../errors.js';
import { bucketKey, isLoopbackAddress } from './address.js';

/** Default sustained rate: new connections per second per IP (a non-tcpMux client opens one per user connection). */
export const DEFAULT_CONNECTIONS_PER_SECOND = 50;

/** Default burst: connections an IP may open at once after a quiet spell (a pool refill plus a burst of users). */
export const DEFAULT_CONNECTION_BURST = 200;

/** Default cap on remote IPs tracked at once; the least recently seen is forgotten first (memory bound under spoofed floods). */
export const DEFAULT_MAX_TRACKED_IPS = 65_536;

export interface RateLimitOptions {
  /** Tokens added per second per IP (sustained connection rate); must be > 0. */
  connectionsPerSecond?: number;
  /** Bucket capacity (burst); must be >= 1. */
  burst?: number;
  /** Most IPs tracked at once; must be >= 1. */
  maxTrackedIps?: number;
  /** Loopback peers (127.0.0.0/8, ::1, ::ffff:127.x) always pass; default true. */
  exemptLoopback?: boolean;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

/** Milliseconds per second, for the refill arithmetic. */
const MS_PER_SECOND = 1000;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, from `now`). */
  updatedMs: number;
}

/**
 * A per-IP token bucket: each IP starts with `burst` tokens, every accepted connection spends one,
 * and tokens come back at `connectionsPerSecond`. Call `allow(socket.remoteAddress)` once per
 * accepted socket, before any other work; on false, destroy the socket. Memory is bounded by
 * `maxTrackedIps`: the least recently seen IP is forgotten (it then starts again with a full bucket,
 * which only helps an attacker who already controls more addresses than the map holds).
 */
export class ConnectionRateLimiter {
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxTracked: number;
  private readonly exemptLoopback: boolean;
  private readonly now: () => number;
  /** Map order is recency order: a touched key is deleted and re-set, so the first key is the oldest. */
  private readonly buckets = new Map<string, Bucket>();
  private refusedCount = 0;

  constructor(options: RateLimitOptions = {}) {
    this.rate = options.connectionsPerSecond ?? DEFAULT_CONNECTIONS_PER_SECOND;
    this.burst = options.burst ?? DEFAULT_CONNECTION_BURST;
    this.maxTracked = options.maxTrackedIps ?? DEFAULT_MAX_TRACKED_IPS;
    this.exemptLoopback = options.exemptLoopback ?? true;
    this.now = options.now ?? Date.now;
    if (!(this.rate > 0) || !Number.isFinite(this.rate)) {
      throw new BurrowError(
        ErrorCode.CONFIG,
        `connection rate limit: connectionsPerSecond must be a positive number, got ${this.rate}`,
      );
    }
    if (!(this.burst >= 1) || !Number.isFinite(this.burst)) {
      throw new BurrowError(ErrorCode.CONFIG, `connection rate limit: burst must be at least 1, got ${this.burst}`);
    }
    if (!Number.isInteger(this.maxTracked) || this.maxTracked < 1) {
      throw new BurrowError(
        ErrorCode.CONFIG,
        `connection rate limit: maxTrackedIps must be a positive integer, got ${this.maxTracked}`,
      );
    }
  }

  /** Spends one token of `remoteAddress`'s bucket; false when it is empty (refuse the connection). */
  allow(remoteAddress: string | undefined): boolean {
    // A socket already closed by its peer has no address; nothing to charge, the caller drops it anyway.
    if (remoteAddress === undefined || remoteAddress === '') return true;
    if (this.exemptLoopback && isLoopbackAddress(remoteAddress)) return true;
    const key = bucketKey(remoteAddress);
    const nowMs = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
      const elapsedSec = Math.max(0, nowMs - bucket.updatedMs) / MS_PER_SECOND;
      bucket.tokens = Math.min(this.burst, bucket.tokens + elapsedSec * this.rate);
      bucket.updatedMs = nowMs;
    } else {
      bucket = { tokens: this.burst, updatedMs: nowMs };
      this.evictOldest();
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      this.refusedCount += 1;
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  /** IPs (or IPv6 /64 prefixes) tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Connections refused since start (for a metric or a rate-limited log line). */
  get refused(): number {
    return this.refusedCount;
  }

  /** Forgets buckets that have refilled completely: they behave exactly like untracked IPs. */
  prune(): void {
    const nowMs = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) / MS_PER_SECOND) * this.rate >= this.burst)
        this.buckets.delete(key);
    }
  }

  /** Makes room for one new key. */
  private evictOldest(): void {
    while (this.buckets.size >= this.maxTracked) {
      const oldest = this.buckets.keys().next();
      if (oldest.done === true) return;
      this.buckets.delete(oldest.value);
    }
  }
}
