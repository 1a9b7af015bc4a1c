// First-byte sniffing on the server port: 0x17 (consumed) or 0x16 means TLS, anything else plain.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { CUSTOM_TLS_FIRST_BYTE, SNIFF_TIMEOUT_MS, TLS_HANDSHAKE_RECORD } from './constants.js';

/** What the first byte said about the connection. */
export type SniffResult = { kind: 'tls' } | { kind: 'plain' };

/**
 * Reads the first byte of `socket` within the deadline. 0x17: consumed, TLS follows. 0x16: put
 * back, TLS. Anything else: put back, plain, unless `force`, then BurrowError(TLS_REQUIRED).
 * Rejects UNEXPECTED_EOF when the peer closes first and TIMEOUT on the deadline; the caller
 * closes the socket on rejection. No byte is lost: the socket is left paused (not flowing) with
 * every unread byte still buffered for the next reader (TLSSocket or the message reader).
 */
export function sniffTlsFirstByte(socket: Duplex, opts: { force: boolean; timeoutMs?: number }): Promise<SniffResult> {
  const timeoutMs = opts.timeoutMs ?? SNIFF_TIMEOUT_MS;
  return new Promise<SniffResult>((resolve, reject) => {
    const decide = (first: Buffer): void => {
      const byte = first[0];
      if (byte === CUSTOM_TLS_FIRST_BYTE) {
        resolve({ kind: 'tls' });
        return;
      }
      socket.unshift(first);
      if (byte === TLS_HANDSHAKE_RECORD) {
        resolve({ kind: 'tls' });
      } else if (opts.force) {
        reject(new BurrowError(ErrorCode.TLS_REQUIRED, 'plain connection refused: transport.tls.force is set'));
      } else {
        resolve({ kind: 'plain' });
      }
    };
    /** Tries to take one byte; true when done. */
    const tryRead = (): boolean => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) return false;
      cleanup();
      decide(first);
      return true;
    };
    const onReadable = (): void => {
      tryRead();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new BurrowError(ErrorCode.UNEXPECTED_EOF, 'connection closed before its first byte arrived'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(
        new BurrowError(
          ErrorCode.UNEXPECTED_EOF,
          `connection failed before its first byte arrived: ${errorMessage(err)}`,
          {
            cause: err,
          },
        ),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new BurrowError(ErrorCode.TIMEOUT, `no first byte within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    };
    // A 'readable' listener keeps the socket in paused mode; once removed, the socket returns to
    // "no mode chosen", so the next reader's 'data' listener or pipe starts it again.
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    // An already-ended or destroyed socket will emit no further 'end'/'close' for us.
    if (!tryRead() && (socket.readableEnded || socket.destroyed)) onEnd();
  });
}
