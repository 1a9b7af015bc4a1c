// The v1 message codec: [type byte][int64 BE length][JSON], whole-buffer and incremental decoding.
import { BurrowError, ErrorCode } from '../errors.js';
import { decodeBody, encodeBody } from './body.js';
import { YAMUX_VERSION_BYTE, YamuxFrameSeenError } from './errors.js';
import { MAX_MESSAGE_SIZE, MESSAGE_HEADER_SIZE, MESSAGE_LENGTH_OFFSET } from './constants.js';
import { messageNameOf, TYPE_BYTE, type Message, type MessageName } from './messages.js';

/** A checked message header. */
export interface MessageHeader {
  name: MessageName;
  /** Length of the JSON body that follows, in bytes. */
  length: number;
}

/** One Buffer holding the whole message (header and JSON), ready for a single write. */
export function encodeMessage(msg: Message): Buffer {
  const json = encodeBody(msg);
  const length = Buffer.byteLength(json, 'utf8');
  const out = Buffer.allocUnsafe(MESSAGE_HEADER_SIZE + length);
  out[0] = TYPE_BYTE[msg.type];
  out.writeBigInt64BE(BigInt(length), MESSAGE_LENGTH_OFFSET);
  out.write(json, MESSAGE_HEADER_SIZE, 'utf8');
  return out;
}

/**
 * The message name for a type byte; throws PROTOCOL when frp has no such message. Readers call it
 * on the first byte, before anything else arrives, as frp does. 0x00 (a yamux frame's first byte)
 * throws YamuxFrameSeenError, so callers can tell a yamux peer from garbage.
 */
export function checkTypeByte(typeByte: number): MessageName {
  const name = messageNameOf(typeByte);
  if (name === undefined) {
    if (typeByte === YAMUX_VERSION_BYTE) throw new YamuxFrameSeenError();
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `unknown message type byte 0x${typeByte.toString(16).padStart(2, '0')}: not an frp v1 message`,
    );
  }
  return name;
}

/**
 * Check a 9-byte header: the type byte must be known (PROTOCOL), the length must be 0..maxSize
 * (negative: PROTOCOL; larger: MESSAGE_TOO_LARGE). `header` may be longer; only its first 9 bytes
 * are read; a shorter one is a PROTOCOL error.
 */
export function decodeHeader(header: Buffer, maxSize: number = MAX_MESSAGE_SIZE): MessageHeader {
  if (header.length < MESSAGE_HEADER_SIZE) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `message header: expected ${MESSAGE_HEADER_SIZE} bytes, got ${header.length}`,
    );
  }
  const name = checkTypeByte(header.readUInt8(0));
  const length = header.readBigInt64BE(MESSAGE_LENGTH_OFFSET);
  if (length < 0n) {
    throw new BurrowError(ErrorCode.PROTOCOL, `${name}: negative message length ${length}`);
  }
  if (length > BigInt(maxSize)) {
    throw new BurrowError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `${name}: message length ${length} exceeds the maximum of ${maxSize} bytes`,
    );
  }
  return { name, length: Number(length) };
}

/** Parse a message's JSON bytes; throws PROTOCOL on invalid JSON, a non-object, or a field of the wrong type. */
export function decodeMessageBody(name: MessageName, json: Buffer): Message {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw new BurrowError(ErrorCode.PROTOCOL, `${name}: message body is not valid JSON (${json.length} bytes)`, {
      cause: err,
    });
  }
  return decodeBody(name, parsed);
}

/**
 * Decode one message from the start of `buf`. Returns undefined when more bytes are needed, or the
 * message and how many bytes it used. Throws BurrowError PROTOCOL / MESSAGE_TOO_LARGE as soon as
 * the bytes present prove the input bad (type byte first, then the length, then the JSON).
 */
export function decodeMessage(
  buf: Buffer,
  maxSize: number = MAX_MESSAGE_SIZE,
): { message: Message; bytesUsed: number } | undefined {
  if (buf.length === 0) return undefined;
  if (buf.length < MESSAGE_HEADER_SIZE) {
    checkTypeByte(buf.readUInt8(0));
    return undefined;
  }
  const { name, length } = decodeHeader(buf, maxSize);
  const end = MESSAGE_HEADER_SIZE + length;
  if (buf.length < end) return undefined;
  return { message: decodeMessageBody(name, buf.subarray(MESSAGE_HEADER_SIZE, end)), bytesUsed: end };
}

/**
 * Incremental decoder: push chunks as they arrive, get the complete messages back. It holds at
 * most one partial message (at most 9 + maxSize bytes). When a chunk completes messages and then
 * proves the stream bad, those messages are still returned (frp handles a message before it reads
 * the next) and the error is thrown by the next push(). After it throws, discard it: the stream
 * has no recoverable framing.
 */
export class MessageDecoder {
  readonly #maxSize: number;
  #pending: Buffer = Buffer.alloc(0);
  /** The error found after messages already returned, thrown by the next push(). */
  #failed: BurrowError | undefined;

  /** @param maxSize largest JSON body accepted, in bytes (default MAX_MESSAGE_SIZE). */
  constructor(maxSize: number = MAX_MESSAGE_SIZE) {
    this.#maxSize = maxSize;
  }

  /** Feed bytes; returns every message completed by them (possibly none), in order. */
  push(chunk: Buffer): Message[] {
    if (this.#failed !== undefined) throw this.#failed;
    // Concatenate only when a partial message is waiting; it is bounded by the maximum size.
    let buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const messages: Message[] = [];
    for (;;) {
      let decoded: ReturnType<typeof decodeMessage>;
      try {
        decoded = decodeMessage(buf, this.#maxSize);
      } catch (err) {
        if (messages.length === 0 || !(err instanceof BurrowError)) throw err;
        // Hand out what came before the bad bytes; the stream fails on the next push.
        this.#failed = err;
        this.#pending = Buffer.alloc(0);
        return messages;
      }
      if (decoded === undefined) break;
      messages.push(decoded.message);
      buf = buf.subarray(decoded.bytesUsed);
    }
    // Copy the short tail so the (possibly large) chunk it came from can be freed.
    this.#pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    return messages;
  }

  /** Bytes held that do not yet form a complete message. */
  get buffered(): number {
    return this.#pending.length;
  }
}
