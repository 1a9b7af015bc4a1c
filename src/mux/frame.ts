// yamux frame header codec: the 12-byte header, encoded and decoded in network byte order.

import { invalidMsgTypeError, invalidVersionError, shortHeaderError } from './errors.js';
import { HEADER_SIZE, MAX_FRAME_TYPE, PROTOCOL_VERSION, type FrameTypeValue } from './const.js';

/** One decoded frame header. */
export interface FrameHeader {
  /** Always PROTOCOL_VERSION once decoded. */
  readonly version: number;
  /** A FrameType value. */
  readonly type: FrameTypeValue;
  /** A bit set of Flag values. */
  readonly flags: number;
  /** 0 for the session (Ping, Go Away), else the stream. */
  readonly streamId: number;
  /** Payload size (Data), window increment (Window Update), opaque id (Ping) or code (Go Away). */
  readonly length: number;
}

/** Encodes one header into a fresh 12-byte buffer (fresh because write() may hold it until flushed). */
export function encodeHeader(type: FrameTypeValue, flags: number, streamId: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE);
  buf[0] = PROTOCOL_VERSION;
  buf[1] = type;
  buf.writeUInt16BE(flags, 2);
  buf.writeUInt32BE(streamId, 4);
  buf.writeUInt32BE(length, 8);
  return buf;
}

/**
 * Decodes the header at `offset` (12 bytes must be available).
 * Throws BurrowError(MUX_INVALID_VERSION / MUX_INVALID_MSG_TYPE) when the version is not 0 or the type is unknown, quoting the bytes.
 */
export function decodeHeader(buf: Buffer, offset = 0): FrameHeader {
  if (buf.length - offset < HEADER_SIZE) {
    throw shortHeaderError(HEADER_SIZE, Math.max(0, buf.length - offset));
  }
  const version = buf[offset]!;
  const type = buf[offset + 1]!;
  if (version !== PROTOCOL_VERSION) {
    throw invalidVersionError(PROTOCOL_VERSION, version, hexOf(buf, offset));
  }
  if (type > MAX_FRAME_TYPE) {
    throw invalidMsgTypeError(MAX_FRAME_TYPE, type, hexOf(buf, offset));
  }
  return {
    version,
    type: type as FrameTypeValue,
    flags: buf.readUInt16BE(offset + 2),
    streamId: buf.readUInt32BE(offset + 4),
    length: buf.readUInt32BE(offset + 8),
  };
}

/** A header as text for logs and error messages. */
export function describeHeader(h: FrameHeader): string {
  return `type=${h.type} flags=${h.flags} stream=${h.streamId} length=${h.length}`;
}

/** The 12 header bytes at `offset` as spaced hex, for error messages. */
function hexOf(buf: Buffer, offset: number): string {
  return buf
    .subarray(offset, offset + HEADER_SIZE)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}
