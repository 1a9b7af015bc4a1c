// Bounded replay memories: a set of keys that expire (LRU-capped), and a sliding window of sequence numbers.

/**
 * Keys remembered for `ttlMs` each, at most `capacity` of them (the oldest is forgotten first).
 * Every key lives equally long, so insertion order is expiry order: pruning only looks at the front.
 */
export class ExpiringSet {
  private readonly entries = new Map<string, number>();

  constructor(
    readonly capacity: number,
    readonly ttlMs: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
  }

  /** How many keys are remembered now (expired ones may still count until the next add or has). */
  get size(): number {
    return this.entries.size;
  }

  /** True when `key` was added less than ttlMs before `nowMs`. */
  has(key: string, nowMs: number): boolean {
    this.prune(nowMs);
    return this.entries.has(key);
  }

  /** Remembers `key` (again) from `nowMs` on; forgets the oldest keys beyond capacity. */
  add(key: string, nowMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, nowMs + this.ttlMs);
    this.prune(nowMs);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  private prune(nowMs: number): void {
    // Bounded by the number of entries: each iteration removes one.
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt > nowMs) return;
      this.entries.delete(key);
    }
  }
}

/**
 * Anti-replay for sequence numbers (1, 2, 3, …) that may arrive a little out of order: each is
 * accepted once; one more than `size` below the highest accepted is refused. Memory ≤ 2 × size.
 */
export class SequenceWindow {
  private highest = 0;
  private readonly seen = new Set<number>();

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
  }

  /** Accepts `seq` once: false for a repeat, a number too old for the window, or not a positive integer. */
  accept(seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq < 1) return false;
    if (seq <= this.highest - this.size || this.seen.has(seq)) return false;
    this.seen.add(seq);
    if (seq > this.highest) this.highest = seq;
    if (this.seen.size > 2 * this.size) {
      const floor = this.highest - this.size;
      for (const old of this.seen) if (old <= floor) this.seen.delete(old);
    }
    return true;
  }
}
