// The tiny contract between bench/run.ts and its helper children (target.ts, tls-relay.ts).

/** A helper child prints `${READY_PREFIX}<port>[,<port>…]` on stdout once its listeners are bound. */
export const READY_PREFIX = 'bench-listening ';

/** The source target reads this many bytes first: the big-endian count of bytes to stream back. */
export const LENGTH_HEADER_BYTES = 8;

/** Loopback only: the bench never leaves the machine. */
export const LOOPBACK = '127.0.0.1';

/** Announces the bound ports, in order, to the parent (called by the helper children). */
export function announcePorts(ports: number[]): void {
  process.stdout.write(`${READY_PREFIX}${ports.join(',')}\n`);
}
