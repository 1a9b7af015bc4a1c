// Reads the first bytes of a connection until a decision can be made, then puts every byte back (for sniffers).
import type { Duplex } from 'node:stream';
import { lookAhead, type LookAheadOptions } from '../io/look-ahead.js';

/** Options of peekUntil. */
export type PeekOptions = LookAheadOptions;

/**
 * Gathers bytes from `stream` and calls `decide` with everything so far after each read, until it
 * returns a value (undefined = "need more"). Every byte is then unshifted back, so the next reader
 * sees the stream from its start; the stream is left paused (a later 'data' listener does not start
 * it; pipe or resume() do). Rejects with decide's own error, with MESSAGE_TOO_LARGE past `maxBytes`,
 * TIMEOUT past the deadline, UNEXPECTED_EOF when the peer closes first; the caller closes the stream then.
 */
export function peekUntil<T>(
  stream: Duplex,
  decide: (bytes: Buffer) => T | undefined,
  options: PeekOptions,
): Promise<T> {
  return lookAhead(stream, decide, options, 'paused');
}
