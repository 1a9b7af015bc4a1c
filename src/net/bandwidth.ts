// Per-proxy bandwidth limits as frp: "1MB"/"512KB" parsing, a shared token bucket, and a Duplex that paces both directions.
import { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';

/** frp's BandwidthQuantity units (pkg/config/types): binary multiples. */
export const BANDWIDTH_UNITS = { MB: 1024 * 1024, KB: 1024 } as const;
/** A number as frp accepts before the unit (Go ParseFloat, minus signs, hex, inf and NaN, which make no sense as a rate). */
const BANDWIDTH_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Milliseconds per second, for converting token debt into a wait. */
const MS_PER_SECOND = 1000;
/** Buffering of the limited Duplex on each side before backpressure applies. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/**
 * Parse frp's `transport.bandwidthLimit`: a decimal number followed by `MB` (1024*1024 bytes) or
 * `KB` (1024 bytes), case-sensitive, surrounding spaces ignored, fractions allowed ("1.5MB"),
 * truncated to whole bytes as frp does. Returns bytes per second; "" (and a value that truncates
 * to 0) means no limit and returns 0. Throws BurrowError CONFIG on anything else.
 */
export function parseBandwidth(value: string): number {
  const s = value.trim();
  if (s === '') return 0;
  const unit = (Object.keys(BANDWIDTH_UNITS) as (keyof typeof BANDWIDTH_UNITS)[]).find((u) => s.endsWith(u));
  if (unit === undefined) {
    throw new BurrowError(
      ErrorCode.CONFIG,
      `bandwidth limit ${JSON.stringify(value)}: expected a number followed by MB or KB, e.g. "1MB" or "512KB"`,
    );
  }
  const num = s.slice(0, -unit.length);
  if (!BANDWIDTH_NUMBER.test(num)) {
    throw new BurrowError(
      ErrorCode.CONFIG,
      `bandwidth limit ${JSON.stringify(value)}: ${JSON.stringify(num)} is not a non-negative decimal number`,
    );
  }
  const bytes = Math.trunc(Number(num) * BANDWIDTH_UNITS[unit]);
  if (!Number.isSafeInteger(bytes)) {
    throw new BurrowError(ErrorCode.CONFIG, `bandwidth limit ${JSON.stringify(value)} is too large`);
  }
  return bytes;
}

/**
 * A token bucket as golang.org/x/time/rate's Limiter, the one frp builds per proxy with
 * rate = burst = the limit in bytes per second: it starts full, refills continuously up to the
 * burst, and a reservation may overdraw it, the debt being the wait. Share one between the
 * connections (and both directions) of a proxy to limit the proxy as a whole, as frp does.
 */
export class BandwidthLimiter {
  readonly bytesPerSecond: number;
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /**
   * @param bytesPerSecond refill rate, > 0
   * @param burst bucket size in bytes (default: one second's worth, as frp)
   * @param now clock in milliseconds (tests inject one)
   */
  constructor(bytesPerSecond: number, burst: number = bytesPerSecond, now: () => number = () => performance.now()) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) {
      throw new BurrowError(
        ErrorCode.INTERNAL,
        `rate limit must be a positive number of bytes per second, got ${bytesPerSecond}`,
      );
    }
    if (!(burst >= 1) || !Number.isFinite(burst)) {
      throw new BurrowError(ErrorCode.INTERNAL, `rate limiter burst must be at least 1 byte, got ${burst}`);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burst = Math.floor(burst);
    this.#now = now;
    this.#tokens = this.burst;
    this.#last = now();
  }

  /**
   * Take `n` bytes' worth of tokens now; returns how many milliseconds the caller must wait
   * before using them (0 when the bucket held enough). Never blocks.
   */
  reserve(n: number): number {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.bytesPerSecond) / MS_PER_SECOND);
    this.#tokens -= n;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * MS_PER_SECOND) / this.bytesPerSecond;
  }
}

/**
 * Pace `inner` to `limit` (a shared BandwidthLimiter, or bytes per second for a private one) in both
 * directions, as frp's limit.Reader/limit.Writer: writes are cut into pieces of at most the burst,
 * each waiting for its tokens before it goes to `inner`; reads are delivered as they come, then
 * `inner` is paused until the tokens they used are paid back. Waits are unref'd timers, never
 * loops. Backpressure, end, errors and destroy propagate both ways.
 */
export function createRateLimitedStream(inner: Duplex, limit: BandwidthLimiter | number): Duplex {
  return new RateLimitedStream(inner, typeof limit === 'number' ? new BandwidthLimiter(limit) : limit);
}

class RateLimitedStream extends Duplex {
  readonly #inner: Duplex;
  readonly #limiter: BandwidthLimiter;
  #innerEnded = false;
  /** Inner paused because our readable buffer is full. */
  #readerFull = false;
  /** Inner paused until read tokens are paid back. */
  #readThrottle: NodeJS.Timeout | undefined;
  #writeTimer: NodeJS.Timeout | undefined;
  #waitingDrain: (() => void) | undefined;
  #pendingWrite: ((err?: Error | null) => void) | undefined;

  constructor(inner: Duplex, limiter: BandwidthLimiter) {
    super({ readableHighWaterMark: STREAM_HIGH_WATER_MARK, writableHighWaterMark: STREAM_HIGH_WATER_MARK });
    this.#inner = inner;
    this.#limiter = limiter;
    inner.on('data', this.#onData);
    inner.on('end', this.#onEnd);
    inner.on('error', this.#onError);
    inner.on('close', this.#onClose);
    inner.on('drain', this.#onDrain);
    inner.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.destroyed) return;
    if (!this.push(chunk)) this.#readerFull = true;
    const wait = this.#limiter.reserve(chunk.length);
    if (wait > 0 && this.#readThrottle === undefined) {
      this.#readThrottle = setTimeout(() => {
        this.#readThrottle = undefined;
        this.#updateInnerFlow();
      }, wait);
      this.#readThrottle.unref();
    }
    this.#updateInnerFlow();
  };

  #updateInnerFlow(): void {
    if (this.destroyed) return;
    if (this.#readerFull || this.#readThrottle !== undefined) this.#inner.pause();
    else this.#inner.resume();
  }

  readonly #onEnd = (): void => {
    this.#innerEnded = true;
    if (!this.destroyed) this.push(null);
  };

  readonly #onError = (err: Error): void => {
    this.destroy(err);
  };

  readonly #onClose = (): void => {
    const cb = this.#pendingWrite;
    this.#pendingWrite = undefined;
    this.#waitingDrain = undefined;
    if (this.#writeTimer !== undefined) clearTimeout(this.#writeTimer);
    this.#writeTimer = undefined;
    if (cb !== undefined)
      cb(new BurrowError(ErrorCode.CLOSED, 'the connection under the rate-limited stream closed during a write'));
    if (!this.#innerEnded && !this.destroyed) this.destroy();
  };

  readonly #onDrain = (): void => {
    const next = this.#waitingDrain;
    this.#waitingDrain = undefined;
    if (next !== undefined) next();
  };

  override _read(): void {
    if (this.#readerFull) {
      this.#readerFull = false;
      this.#updateInnerFlow();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.#pendingWrite = callback;
    this.#writeFrom(chunk, 0);
  }

  /** Send chunk[offset..] in burst-sized pieces, each after its tokens, each after inner drains. */
  #writeFrom(chunk: Buffer, offset: number): void {
    const callback = this.#pendingWrite;
    if (callback === undefined) return; // closed meanwhile; already failed
    if (offset >= chunk.length) {
      this.#pendingWrite = undefined;
      callback();
      return;
    }
    if (this.#inner.destroyed || this.#inner.writableEnded) {
      this.#pendingWrite = undefined;
      callback(
        new BurrowError(ErrorCode.CLOSED, 'cannot write: the connection under the rate-limited stream is closed'),
      );
      return;
    }
    const end = Math.min(chunk.length, offset + this.#limiter.burst);
    const send = (): void => {
      this.#writeTimer = undefined;
      if (this.#pendingWrite === undefined) return;
      if (this.#inner.destroyed || this.#inner.writableEnded) {
        this.#writeFrom(chunk, end); // reports CLOSED
        return;
      }
      if (this.#inner.write(chunk.subarray(offset, end))) this.#writeFrom(chunk, end);
      else this.#waitingDrain = () => this.#writeFrom(chunk, end);
    };
    const wait = this.#limiter.reserve(end - offset);
    if (wait <= 0) {
      send();
      return;
    }
    this.#writeTimer = setTimeout(send, wait);
    this.#writeTimer.unref();
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.#inner.destroyed && !this.#inner.writableEnded) this.#inner.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.#readThrottle !== undefined) clearTimeout(this.#readThrottle);
    if (this.#writeTimer !== undefined) clearTimeout(this.#writeTimer);
    this.#readThrottle = undefined;
    this.#writeTimer = undefined;
    this.#waitingDrain = undefined;
    this.#pendingWrite = undefined;
    if (!this.#inner.destroyed) this.#inner.destroy(err ?? undefined);
    callback(err);
  }
}
