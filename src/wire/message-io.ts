// Reading and writing v1 messages on Node streams, never consuming a byte past the message read.
import type { Readable, Writable } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { asBytes, readWithDeadline, type DeadlineRead } from '../io/read-with-deadline.js';
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
  return readWithDeadline(stream, new ExactRead(n), timeoutMs);
}

/** n bytes or nothing: read(n) hands back fewer only when the stream ended short. */
class ExactRead implements DeadlineRead<Buffer> {
  constructor(private readonly n: number) {}

  step(stream: Readable): Buffer | undefined {
    const chunk: unknown = stream.read(this.n);
    if (chunk === null) return undefined; // still fewer than n bytes buffered
    const bytes = asBytes(chunk);
    if (bytes.length !== this.n) throw eofError(this.n, bytes.length);
    return bytes;
  }

  timedOut(stream: Readable, timeoutMs: number): string {
    return `read timed out after ${timeoutMs} ms waiting for ${this.n} bytes (${stream.readableLength} buffered)`;
  }

  ended(stream: Readable): string {
    return eofText(this.n, stream.readableLength);
  }
}

function eofError(wanted: number, got: number): BurrowError {
  return new BurrowError(ErrorCode.UNEXPECTED_EOF, eofText(wanted, got));
}

function eofText(wanted: number, got: number): string {
  return `connection ended after ${got} of ${wanted} expected bytes`;
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
  checkTypeByte(typeByte.readUInt8(0));
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
