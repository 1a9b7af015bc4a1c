// Gathers a stream's first bytes until a decision is made, then puts every byte back (the sniffers' look-ahead).
import type { Readable } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { asBytes, readWithDeadline, type DeadlineRead, type ModeAfterRead } from './read-with-deadline.js';

/** First size of the gathering buffer once one chunk is not enough; most decisions need far fewer bytes. */
const INITIAL_GATHER_BYTES = 4096;
/** Shortest deadline: a look-ahead always has one, so 0 times out at once (as setTimeout(0) does). */
const SOONEST_DEADLINE_MS = 1;

/** Bounds of one look-ahead. */
export interface LookAheadOptions {
  /** Most bytes gathered before giving up with MESSAGE_TOO_LARGE. */
  maxBytes: number;
  /** Deadline for the decision, in ms. */
  timeoutMs: number;
}

/** Decides on the bytes so far: a value, or undefined for "need more". */
export type Decide<T> = (bytes: Buffer) => T | undefined;

/**
 * Reads every byte the stream has, calls `decide` with all bytes so far after each read, until it
 * returns a value. Every byte is then unshifted back, also when `decide` throws or `maxBytes` is
 * reached without a decision (MESSAGE_TOO_LARGE), so the next reader sees the stream from its start.
 * Rejects TIMEOUT past the deadline, UNEXPECTED_EOF when the peer closes first, or with the stream's
 * error (the gathered bytes are dropped then: the caller closes the stream). The stream is left as
 * `after` says (readWithDeadline).
 */
export function lookAhead<T>(
  stream: Readable,
  decide: Decide<T>,
  options: LookAheadOptions,
  after: ModeAfterRead = 'released',
): Promise<T> {
  const timeoutMs = Math.max(SOONEST_DEADLINE_MS, options.timeoutMs);
  return readWithDeadline(stream, new LookAhead(decide, options.maxBytes), timeoutMs, after);
}

class LookAhead<T> implements DeadlineRead<T> {
  /** The bytes so far are store[0, total): the first chunk itself, until a second one needs room. */
  private store: Buffer = Buffer.alloc(0);
  private total = 0;
  private owned = false;

  constructor(
    private readonly decide: Decide<T>,
    private readonly maxBytes: number,
  ) {}

  step(stream: Readable): T | undefined {
    for (let chunk: unknown = stream.read(); chunk !== null; chunk = stream.read()) {
      const bytes = this.append(asBytes(chunk));
      let value: T | undefined;
      try {
        value = this.decide(bytes);
      } catch (err) {
        this.putBack(stream);
        throw err;
      }
      if (value !== undefined) {
        this.putBack(stream);
        return value;
      }
      if (this.total >= this.maxBytes) {
        this.putBack(stream);
        throw new BurrowError(ErrorCode.MESSAGE_TOO_LARGE, `no decision within the first ${this.maxBytes} bytes`);
      }
    }
    return undefined;
  }

  timedOut(_stream: Readable, timeoutMs: number): string {
    return `connection sent ${this.total} bytes in ${timeoutMs} ms, not enough to decide where it goes`;
  }

  ended(): string {
    return `connection closed after ${this.total} bytes, before it could be routed`;
  }

  /** Adds a chunk; the first is kept as it is, later ones go to one doubling buffer (linear copying for a dribbling peer). */
  private append(chunk: Buffer): Buffer {
    if (this.total === 0) {
      this.store = chunk;
      this.total = chunk.length;
      return chunk;
    }
    const needed = this.total + chunk.length;
    if (!this.owned || needed > this.store.length) {
      const grown = Buffer.allocUnsafe(Math.max(INITIAL_GATHER_BYTES, this.store.length * 2, needed));
      this.store.copy(grown, 0, 0, this.total);
      this.store = grown;
      this.owned = true;
    }
    chunk.copy(this.store, this.total);
    this.total = needed;
    return this.store.subarray(0, needed);
  }

  private putBack(stream: Readable): void {
    if (this.total > 0) stream.unshift(this.store.subarray(0, this.total));
  }
}
