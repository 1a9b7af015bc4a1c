// Reads the first bytes of a connection until a decision can be made, then puts every byte back (for sniffers).
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';

/** First size of the gathering buffer; most decisions need far fewer bytes. */
const INITIAL_PEEK_BUFFER = 4096;

/** Options of peekUntil. */
export interface PeekOptions {
  /** Most bytes gathered before giving up with MESSAGE_TOO_LARGE. */
  maxBytes: number;
  /** Deadline for the decision, in ms. */
  timeoutMs: number;
}

/**
 * Gathers bytes from `stream` and calls `decide` with everything so far after each chunk, until it
 * returns a value (undefined = "need more"). Every byte is then unshifted back, so the next reader
 * sees the stream from its start; the stream is left paused. Rejects with decide's own error, with
 * MESSAGE_TOO_LARGE past `maxBytes`, TIMEOUT past the deadline, UNEXPECTED_EOF when the peer closes
 * first; the caller closes the stream then.
 */
export function peekUntil<T>(
  stream: Duplex,
  decide: (bytes: Buffer) => T | undefined,
  options: PeekOptions,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // One growing buffer (doubling), so a peer dribbling one byte per packet costs linear copying, not quadratic.
    let store = Buffer.allocUnsafe(INITIAL_PEEK_BUFFER);
    let total = 0;
    const finish = (outcome: { value: T } | { error: Error }): void => {
      cleanup();
      stream.pause();
      if (total > 0) {
        try {
          stream.unshift(store.subarray(0, total));
        } catch (err) {
          reject(
            new BurrowError(
              ErrorCode.UNEXPECTED_EOF,
              `connection ended while its first bytes were read: ${errorMessage(err)}`,
              { cause: err },
            ),
          );
          return;
        }
      }
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const onData = (chunk: Buffer): void => {
      if (total + chunk.length > store.length) {
        const grown = Buffer.allocUnsafe(Math.max(store.length * 2, total + chunk.length));
        store.copy(grown, 0, 0, total);
        store = grown;
      }
      chunk.copy(store, total);
      total += chunk.length;
      const bytes = store.subarray(0, total);
      let value: T | undefined;
      try {
        value = decide(bytes);
      } catch (err) {
        finish({ error: err instanceof Error ? err : new Error(String(err)) });
        return;
      }
      if (value !== undefined) finish({ value });
      else if (total >= options.maxBytes)
        finish({
          error: new BurrowError(ErrorCode.MESSAGE_TOO_LARGE, `no decision within the first ${options.maxBytes} bytes`),
        });
    };
    const onEnd = (): void => {
      cleanup();
      reject(
        new BurrowError(ErrorCode.UNEXPECTED_EOF, `connection closed after ${total} bytes, before it could be routed`),
      );
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new BurrowError(
          ErrorCode.TIMEOUT,
          `connection sent ${total} bytes in ${options.timeoutMs} ms, not enough to route it`,
        ),
      );
    }, options.timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
  });
}
