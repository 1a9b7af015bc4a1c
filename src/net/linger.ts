// Closing a connection politely: end it, and destroy it if the peer never finishes.
import type { Duplex } from 'node:stream';

/** How long an ended connection may linger before it is destroyed. */
export const END_LINGER_MS = 10_000;

/** Ends a connection after what was written is flushed; destroys it if the peer never finishes. */
export function endSoon(conn: Duplex, lingerMs = END_LINGER_MS): void {
  conn.end();
  destroySoon(conn, lingerMs);
}

/** Destroys a connection that was already ended, unless the peer closes it first. */
export function destroySoon(conn: Duplex, lingerMs = END_LINGER_MS): void {
  const timer = setTimeout(() => conn.destroy(), lingerMs);
  timer.unref();
  conn.once('close', () => clearTimeout(timer));
}
