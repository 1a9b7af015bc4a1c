// Turns the wire and mux layers' "other framing" errors at login into advice naming transport.tcpMux.
import { BurrowError } from '../errors.js';
import { NotYamuxPeerError } from '../mux/index.js';
import { YamuxFrameSeenError } from '../wire/index.js';

/** Client tcpMux off, the server answered with a yamux frame. */
export const SERVER_MUXED_HINT =
  'the server multiplexes with yamux (its transport.tcpMux = true): set transport.tcpMux = true here or false on the server';

/** Client tcpMux on, the server's answer was no yamux frame. */
export const SERVER_NOT_MUXED_HINT =
  'the server does not multiplex (its transport.tcpMux = false): set transport.tcpMux = false here or true on the server';

/** How deep to follow `cause` links (a cycle must not loop forever). */
const MAX_CAUSE_DEPTH = 8;

/** The first error in `err`'s cause chain that is an instance of `type`. */
function findCause<T extends Error>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && cur instanceof Error; depth++) {
    if (cur instanceof type) return cur;
    cur = cur.cause;
  }
  return undefined;
}

/**
 * The login failed: if it failed because the two sides frame differently, an error (same code as
 * the underlying one, which it keeps as cause) whose message says which key to change; otherwise
 * `err` unchanged.
 */
export function explainMuxMismatch(err: unknown, tcpMux: boolean): unknown {
  const seen = tcpMux ? findCause(err, NotYamuxPeerError) : findCause(err, YamuxFrameSeenError);
  if (seen === undefined) return err;
  return new BurrowError(seen.code, tcpMux ? SERVER_NOT_MUXED_HINT : SERVER_MUXED_HINT, { cause: err });
}

/**
 * The softer hint for a server that closed before answering the login without saying why (frps
 * does so when transport.tcpMux differs): names the key and this client's value.
 */
export function earlyCloseTcpMuxHint(tcpMux: boolean): string {
  return `if the server has transport.tcpMux = ${!tcpMux}, set transport.tcpMux the same on both sides (it is ${tcpMux} here)`;
}
