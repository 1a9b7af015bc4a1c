// v2 frames: the 8-byte header, Message payloads ([uint16 id][v1 JSON]) and reading one frame from a stream.
import type { Readable } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import { encodeBody } from '../body.js';
import { decodeMessageBody } from '../codec.js';
import { DEFAULT_READ_TIMEOUT_MS } from '../constants.js';
import { readExactly } from '../message-io.js';
import type { Message, MessageName } from '../messages.js';
import {
  FRAME_FLAGS_OFFSET,
  FRAME_HEADER_SIZE,
  FRAME_LENGTH_OFFSET,
  FRAME_MESSAGE,
  FRAME_TYPE_NAMES,
  FRAME_TYPES,
  MAX_FRAME_PAYLOAD,
  MESSAGE_ID,
  MESSAGE_ID_SIZE,
} from './constants.js';

/** A checked frame header. */
export interface V2FrameHeader {
  /** FRAME_CLIENT_HELLO, FRAME_SERVER_HELLO or FRAME_MESSAGE. */
  type: number;
  /** Payload length in bytes, at most MAX_FRAME_PAYLOAD. */
  length: number;
}

/** One frame: its type and its payload. */
export interface V2Frame {
  type: number;
  payload: Buffer;
}

// Reverse of MESSAGE_ID, indexed by id so a lookup cannot hit prototype keys.
const NAME_BY_ID: (MessageName | undefined)[] = [];
for (const [name, id] of Object.entries(MESSAGE_ID) as [MessageName, number][]) NAME_BY_ID[id] = name;

/** The name of a frame type for messages ("Message", or "unknown type N"). */
export function frameTypeName(type: number): string {
  return FRAME_TYPE_NAMES[type] ?? `unknown type ${type}`;
}

/** One Buffer holding a frame header and `payload`, for a single write. Throws MESSAGE_TOO_LARGE over 64 KiB. */
export function encodeFrame(type: number, payload: Buffer): Buffer {
  checkPayloadSize(type, payload.length);
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length);
  writeHeader(out, type, payload.length);
  payload.copy(out, FRAME_HEADER_SIZE);
  return out;
}

/**
 * Check an 8-byte frame header (`header` may be longer; fewer than 8 bytes is a PROTOCOL error): the
 * type must be one v2 defines, flags must be 0 and the length at most MAX_FRAME_PAYLOAD; anything
 * else is a PROTOCOL error naming the field and its value.
 */
export function decodeFrameHeader(header: Buffer): V2FrameHeader {
  if (header.length < FRAME_HEADER_SIZE) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `v2 frame header: expected ${FRAME_HEADER_SIZE} bytes, got ${header.length}`,
    );
  }
  const type = header.readUInt16BE(0);
  const flags = header.readUInt16BE(FRAME_FLAGS_OFFSET);
  const length = header.readUInt32BE(FRAME_LENGTH_OFFSET);
  if (flags !== 0) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `v2 frame (${frameTypeName(type)}): unsupported frame flags ${flags}, expected 0`,
    );
  }
  if (!FRAME_TYPES.has(type)) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `v2 frame: unknown frame type ${type}, expected 1 (ClientHello), 2 (ServerHello) or 16 (Message)`,
    );
  }
  if (length > MAX_FRAME_PAYLOAD) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `v2 frame (${frameTypeName(type)}): payload length ${length} exceeds the limit of ${MAX_FRAME_PAYLOAD} bytes`,
    );
  }
  return { type, length };
}

/**
 * A whole Message frame (header, id, JSON) in one Buffer. The JSON is the v1 encoder's, so it is
 * byte-identical to what frp writes. Throws MESSAGE_TOO_LARGE when the payload would exceed 64 KiB.
 */
export function encodeMessageFrame(msg: Message): Buffer {
  const json = encodeBody(msg);
  const jsonLength = Buffer.byteLength(json, 'utf8');
  const payloadLength = MESSAGE_ID_SIZE + jsonLength;
  checkPayloadSize(FRAME_MESSAGE, payloadLength, msg.type);
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payloadLength);
  writeHeader(out, FRAME_MESSAGE, payloadLength);
  out.writeUInt16BE(MESSAGE_ID[msg.type], FRAME_HEADER_SIZE);
  out.write(json, FRAME_HEADER_SIZE + MESSAGE_ID_SIZE, 'utf8');
  return out;
}

/** The message in a Message frame's payload; PROTOCOL when it is shorter than the id, the id is unknown, or the JSON is bad. */
export function decodeMessagePayload(payload: Buffer): Message {
  if (payload.length < MESSAGE_ID_SIZE) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `v2 Message frame: payload of ${payload.length} bytes is too short for the ${MESSAGE_ID_SIZE}-byte message id`,
    );
  }
  const id = payload.readUInt16BE(0);
  const name = NAME_BY_ID[id];
  if (name === undefined) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `v2 Message frame: unknown message id ${id}, expected 1..${NAME_BY_ID.length - 1}`,
    );
  }
  return decodeMessageBody(name, payload.subarray(MESSAGE_ID_SIZE));
}

/** The message in a frame, which must be a Message frame (PROTOCOL otherwise, in frp's words). */
export function decodeMessageFrame(frame: V2Frame): Message {
  if (frame.type !== FRAME_MESSAGE) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `unexpected frame type ${frame.type} (${frameTypeName(frame.type)}), want ${FRAME_MESSAGE} (Message)`,
    );
  }
  return decodeMessagePayload(frame.payload);
}

/** Options of readFrame / readV2Message. */
export interface ReadFrameOptions {
  /** Deadline for the whole frame in ms; 0 = none. Default DEFAULT_READ_TIMEOUT_MS (10 s). */
  timeoutMs?: number;
}

/**
 * Read one frame: the header (checked before the payload is read), then exactly its payload, never
 * a byte more. Errors: PROTOCOL (bad header), TIMEOUT, UNEXPECTED_EOF, or the stream's own error.
 */
export async function readFrame(stream: Readable, opts: ReadFrameOptions = {}): Promise<V2Frame> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
  const header = decodeFrameHeader(await readExactly(stream, FRAME_HEADER_SIZE, timeoutMs));
  const payload = await readExactly(stream, header.length, remainingMs(deadline, timeoutMs));
  return { type: header.type, payload };
}

/** Read one Message frame and decode it (the v2 counterpart of readMessage). */
export async function readV2Message(stream: Readable, opts: ReadFrameOptions = {}): Promise<Message> {
  return decodeMessageFrame(await readFrame(stream, opts));
}

/** Time left before `deadline` (at least 1 ms so an expired deadline still times out), or 0 = no deadline. */
export function remainingMs(deadline: number, timeoutMs: number): number {
  return timeoutMs > 0 ? Math.max(1, deadline - Date.now()) : 0;
}

function writeHeader(out: Buffer, type: number, length: number): void {
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(0, FRAME_FLAGS_OFFSET);
  out.writeUInt32BE(length, FRAME_LENGTH_OFFSET);
}

function checkPayloadSize(type: number, length: number, what?: string): void {
  if (length > MAX_FRAME_PAYLOAD) {
    throw new BurrowError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `v2 ${what ?? frameTypeName(type)} frame: payload length ${length} exceeds the limit of ${MAX_FRAME_PAYLOAD} bytes`,
    );
  }
}
