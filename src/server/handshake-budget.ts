// The pending-handshake slots of bindPort: one owner for the global and per-address budgets, and eviction of silent connections.
import type net from 'node:net';
import { bucketKey, isLoopbackAddress } from '../net/address.js';

/** The two budgets of pending connections (accepted, not yet proven). */
export interface HandshakeBudgetLimits {
  /** At most this many at once, over every address. */
  maxPending: number;
  /** At most this many at once from one address (an IPv6 /64 counts as one). */
  maxPendingPerAddress: number;
  /**
   * Loopback peers have no per-address budget (the global one still applies): behind a local
   * TLS-terminating or WebSocket proxy every client comes from 127.0.0.1, as the rate limit assumes.
   */
  exemptLoopback: boolean;
}

/** A connection's place in the budget; release() once it proved itself or closed (idempotent). */
export interface HandshakeSlot {
  release(): void;
}

/** Why admit() refused a connection. */
export type BudgetRefusal = 'address-full' | 'full';

interface Entry {
  readonly socket: net.Socket;
  readonly key: string;
}

/**
 * Counts connections between accept and the moment they prove themselves (a login or a valid work
 * connection; a vhost or enrollment connection once routed there). When its address already
 * holds `maxPendingPerAddress`, a new connection makes room by destroying that address's oldest
 * silent connection (one that has not sent a single byte), or is refused when none is silent; when
 * every slot is taken, likewise with the oldest silent connection of any address.
 */
export class HandshakeBudget {
  /** Insertion order = age: the first silent entry found is the oldest. */
  private readonly entries = new Map<HandshakeSlot, Entry>();
  private readonly perAddress = new Map<string, number>();
  private evictedCount = 0;

  constructor(private readonly limits: HandshakeBudgetLimits) {}

  /** Connections holding a slot now. */
  get pending(): number {
    return this.entries.size;
  }

  /** Pending connections that have not sent a byte yet (the ones eviction may pick). */
  get silent(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.socket.bytesRead === 0) count += 1;
    return count;
  }

  /** Silent connections destroyed so far to make room for new ones. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** Slots held now by `address`'s bucket. */
  pendingFrom(address: string): number {
    return this.perAddress.get(bucketKey(address)) ?? 0;
  }

  /** A slot for `socket`, or why not. The slot is released by itself when the socket closes. */
  admit(socket: net.Socket): HandshakeSlot | BudgetRefusal {
    const address = socket.remoteAddress ?? '';
    const key = bucketKey(address);
    const budgeted = !(this.limits.exemptLoopback && isLoopbackAddress(address));
    if (budgeted && (this.perAddress.get(key) ?? 0) >= this.limits.maxPendingPerAddress && !this.evictOldestSilent(key))
      return 'address-full';
    if (this.entries.size >= this.limits.maxPending && !this.evictOldestSilent()) return 'full';
    let released = false;
    const slot: HandshakeSlot = {
      release: () => {
        if (released) return;
        released = true;
        this.entries.delete(slot);
        const left = (this.perAddress.get(key) ?? 1) - 1;
        if (left <= 0) this.perAddress.delete(key);
        else this.perAddress.set(key, left);
      },
    };
    this.entries.set(slot, { socket, key });
    this.perAddress.set(key, (this.perAddress.get(key) ?? 0) + 1);
    socket.once('close', slot.release);
    return slot;
  }

  /** Destroys the oldest connection (of bucket `key`, if given) that has sent nothing yet; false when there is none. */
  private evictOldestSilent(key?: string): boolean {
    for (const [slot, entry] of this.entries) {
      if (entry.socket.bytesRead > 0 || (key !== undefined && entry.key !== key)) continue;
      slot.release();
      this.evictedCount += 1;
      entry.socket.destroy();
      return true;
    }
    return false;
  }
}
