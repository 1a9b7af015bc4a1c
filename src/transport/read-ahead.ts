// Looks at a stream's first bytes without consuming them, leaving the stream ready for any next reader.
import type { Readable } from 'node:stream';
import { lookAhead, type LookAheadOptions } from '../io/look-ahead.js';

/** Bounds of one look-ahead: `maxBytes` (MESSAGE_TOO_LARGE past it) and `timeoutMs` (the deadline). */
export type ReadAheadOptions = LookAheadOptions;

/**
 * Gathers bytes from `stream` and calls `decide` with all of them after each read, until it returns a
 * value (undefined = "need more"). Every byte is then put back (unshift). Unlike net/peek's peekUntil,
 * this leaves the stream released (no mode for a fresh one), so the next reader may attach 'data',
 * 'readable' or pipe (a stream explicitly pause()d would never flow for a 'data' listener). Rejects
 * with MESSAGE_TOO_LARGE past `maxBytes`, TIMEOUT past the deadline, UNEXPECTED_EOF when the peer
 * closes first, or decide's own error; the caller closes the stream then.
 */
export const readAhead: <T>(
  stream: Readable,
  decide: (bytes: Buffer) => T | undefined,
  options: ReadAheadOptions,
) => Promise<T> = lookAhead;
