// Reading and writing v1 messages on Node streams, never consuming a byte past the message read.
import type { Readable, Writable } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { decodeHeader, decodeMessageBody, encodeMessage, checkTypeByte } from './codec.js';
import { DEFAULT_READ_TIMEOUT_MS, MAX_MESSAGE_SIZE, MESSAGE_HEADER_SIZE } from './constants.js';
import type { Message } from './messages.js';

/** Options of readMessage. */
export interface ReadMessageOptions {
  /** Deadline for the whole message in ms; 0 = none. Default DEFAULT_READ_TIMEOUT_MS (10 s). */
  timeoutMs?: number;
  /** Largest JSON body accepted, in bytes. Default MAX_MESSAGE_SIZE. */
  maxSize?: number;
}

/**
 * Read exactly `n` bytes from a stream in paused mode (`stream.read(n)`), leaving any later bytes
 * buffered in the stream for the next reader (a pipe, a 'data' listener, another read).
 * Rejects with BurrowError TIMEOUT after `timeoutMs` (0 = no timeout), UNEXPECTED_EOF when the
 * stream ends or closes first, or the stream's own error. Removes all its listeners when done.
 * Do not run two reads on one stream at once.
 */
export function readExactly(stream: Readable, n: number, timeoutMs: number): Promise<Buffer> {
  if (n === 0) return Promise.resolve(Buffer.alloc(0));
  const first = tryRead(stream, n);
  if (first !== null) return first instanceof Error ? Promise.reject(first) : Promise.resolve(first);
  if (stream.errored) return Promise.reject(stream.errored);
  if (stream.destroyed || stream.readableEnded) return Promise.reject(eofError(n, 0));

  return new Promise<Buffer>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
    };
    const onReadable = (): void => {
      const got = tryRead(stream, n);
      if (got === null) return; // still fewer than n bytes: wait for the next 'readable'
      cleanup();
      if (got instanceof Error) reject(got);
      else resolve(got);
    };
    const onEnd = (): void => {
      cleanup();
      reject(stream.errored ?? eofError(n, stream.readableLength));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        cleanup();
        reject(
          new BurrowError(
            ErrorCode.TIMEOUT,
            `read timed out after ${timeoutMs} ms waiting for ${n} bytes (${stream.readableLength} buffered)`,
          ),
        );
      }, timeoutMs);
    }
  });
}

// One attempt: the n bytes, null when fewer are buffered, or an EOF error when the stream ended
// short (read(n) then hands back the remainder).
function tryRead(stream: Readable, n: number): Buffer | Error | null {
  const chunk: unknown = stream.read(n);
  if (chunk === null) return null;
  if (!Buffer.isBuffer(chunk)) {
    return new BurrowError(ErrorCode.INTERNAL, 'readExactly needs a byte stream (no encoding, not object mode)');
  }
  return chunk.length === n ? chunk : eofError(n, chunk.length);
}

function eofError(wanted: number, got: number): BurrowError {
  return new BurrowError(ErrorCode.UNEXPECTED_EOF, `connection ended after ${got} of ${wanted} expected bytes`);
}

/**
 * Read one message: the 9-byte header (type byte and length checked before the body is read),
 * then exactly its body. Not a byte more is taken from the stream, so the caller can pipe it raw
 * afterwards (a work connection after StartWorkConn). The timeout covers the whole message.
 */
export async function readMessage(stream: Readable, opts: ReadMessageOptions = {}): Promise<Message> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const maxSize = opts.maxSize ?? MAX_MESSAGE_SIZE;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
  // frp rejects an unknown type byte before reading the length: do the same with the first byte.
  const typeByte = await readExactly(stream, 1, timeoutMs);
  checkTypeByte(typeByte[0]);
  const rest = await readExactly(stream, MESSAGE_HEADER_SIZE - 1, remaining(deadline, timeoutMs));
  const { name, length } = decodeHeader(Buffer.concat([typeByte, rest], MESSAGE_HEADER_SIZE), maxSize);
  const body = await readExactly(stream, length, remaining(deadline, timeoutMs));
  return decodeMessageBody(name, body);
}

// Time left before the deadline (at least 1 ms so an expired deadline still times out, not "no timeout").
function remaining(deadline: number, timeoutMs: number): number {
  return timeoutMs > 0 ? Math.max(1, deadline - Date.now()) : 0;
}

/** Write one message in a single write() (as frp does); returns write()'s backpressure result. */
export function writeMessage(stream: Writable, msg: Message): boolean {
  return stream.write(encodeMessage(msg));
}
