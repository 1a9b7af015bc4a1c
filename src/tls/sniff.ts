// First-byte sniffing on the server port: 0x17 (consumed) or 0x16 means TLS, anything else plain.
import type { Duplex, Readable } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage, isBurrowError } from '../errors.js';
import { readWithDeadline, type DeadlineRead } from '../io/read-with-deadline.js';
import { CUSTOM_TLS_FIRST_BYTE, SNIFF_TIMEOUT_MS, TLS_HANDSHAKE_RECORD } from './constants.js';

/** What the first byte said about the connection. */
export type SniffResult = { kind: 'tls' } | { kind: 'plain' };

/** Shortest deadline: sniffing always has one, so 0 times out at once (as setTimeout(0) does). */
const SOONEST_SNIFF_DEADLINE_MS = 1;

/**
 * Reads the first byte of `socket` within the deadline. 0x17: consumed, TLS follows. 0x16: put
 * back, TLS. Anything else: put back, plain, unless `force`, then BurrowError(TLS_REQUIRED).
 * Rejects UNEXPECTED_EOF when the peer closes or fails first and TIMEOUT on the deadline; the
 * caller closes the socket on rejection. No byte is lost: the socket is left in no mode (not
 * flowing) with every unread byte still buffered for the next reader (TLSSocket or the message reader).
 */
export function sniffTlsFirstByte(socket: Duplex, opts: { force: boolean; timeoutMs?: number }): Promise<SniffResult> {
  const timeoutMs = Math.max(SOONEST_SNIFF_DEADLINE_MS, opts.timeoutMs ?? SNIFF_TIMEOUT_MS);
  return readWithDeadline(socket, new FirstByteSniff(opts.force), timeoutMs, 'released').catch(asSniffFailure);
}

class FirstByteSniff implements DeadlineRead<SniffResult> {
  constructor(private readonly force: boolean) {}

  step(stream: Readable): SniffResult | undefined {
    const first = stream.read(1) as Buffer | null;
    if (first === null) return undefined;
    const byte = first[0];
    if (byte === CUSTOM_TLS_FIRST_BYTE) return { kind: 'tls' };
    stream.unshift(first);
    if (byte === TLS_HANDSHAKE_RECORD) return { kind: 'tls' };
    if (this.force)
      throw new BurrowError(ErrorCode.TLS_REQUIRED, 'plain connection refused: transport.tls.force is set');
    return { kind: 'plain' };
  }

  timedOut(_stream: Readable, timeoutMs: number): string {
    return `no first byte within ${timeoutMs} ms`;
  }

  ended(): string {
    return 'connection closed before its first byte arrived';
  }
}

/** The socket's own failure (a reset) reads as an early end: the sniff's errors are all BurrowErrors. */
function asSniffFailure(err: unknown): never {
  if (isBurrowError(err)) throw err;
  throw new BurrowError(
    ErrorCode.UNEXPECTED_EOF,
    `connection failed before its first byte arrived: ${errorMessage(err)}`,
    {
      cause: err,
    },
  );
}
