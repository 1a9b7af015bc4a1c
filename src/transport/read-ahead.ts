// Looks at a stream's first bytes without consuming them, leaving the stream ready for any next reader.
import type { Readable } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';

/** Bounds of one look-ahead. */
export interface ReadAheadOptions {
  /** Most bytes gathered before giving up with MESSAGE_TOO_LARGE. */
  maxBytes: number;
  /** Deadline for the decision, in ms. */
  timeoutMs: number;
}

/**
 * Gathers bytes from `stream` and calls `decide` with all of them after each read, until it returns a
 * value (undefined = "need more"). Every byte is then put back (unshift). Unlike net/peek's peekUntil,
 * this reads in paused mode through 'readable' and leaves the stream in no mode at all, so the next
 * reader may attach 'data', 'readable' or pipe (a stream explicitly pause()d would never flow for a
 * 'data' listener). Rejects with MESSAGE_TOO_LARGE past `maxBytes`, TIMEOUT past the deadline,
 * UNEXPECTED_EOF when the peer closes first, or decide's own error; the caller closes the stream then.
 */
export function readAhead<T>(
  stream: Readable,
  decide: (bytes: Buffer) => T | undefined,
  options: ReadAheadOptions,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let store: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: { value: T } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      cleanup();
      if (store.length > 0) {
        try {
          stream.unshift(store);
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
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!settled && (chunk = stream.read() as Buffer | null) !== null) {
        // Joined once per read; a peer dribbling bytes costs O(n²) copying only up to maxBytes (a few KiB).
        store = store.length === 0 ? chunk : Buffer.concat([store, chunk]);
        let value: T | undefined;
        try {
          value = decide(store);
        } catch (err) {
          finish({ error: err instanceof Error ? err : new Error(String(err)) });
          return;
        }
        if (value !== undefined) finish({ value });
        else if (store.length >= options.maxBytes)
          finish({
            error: new BurrowError(
              ErrorCode.MESSAGE_TOO_LARGE,
              `no decision within the first ${options.maxBytes} bytes`,
            ),
          });
      }
    };
    const onEnd = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(
        new BurrowError(
          ErrorCode.UNEXPECTED_EOF,
          `connection closed after ${store.length} bytes, before it could be read`,
        ),
      );
    };
    const onError = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(err);
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(
        new BurrowError(
          ErrorCode.TIMEOUT,
          `connection sent ${store.length} bytes in ${options.timeoutMs} ms, not enough to decide`,
        ),
      );
    }, options.timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      // Removing the last 'readable' listener puts the stream back in no mode (on the next tick, before any promise continuation).
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
    onReadable();
    if (!settled && (stream.readableEnded || stream.destroyed)) onEnd();
  });
}
