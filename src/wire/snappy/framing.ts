// Snappy framing format: data → stream identifier + CRC-checked chunks, and an incremental, bounded chunk reader.
import { BurrowError, ErrorCode } from '../../errors.js';
import { snappyDecodeBlock } from './block-decode.js';
import { snappyEncodeBlockInto, snappyMaxEncodedLength } from './block-encode.js';
import {
  CHECKSUM_SIZE,
  CHUNK_COMPRESSED,
  CHUNK_HEADER_SIZE,
  CHUNK_RESERVED_UNSKIPPABLE_LAST,
  CHUNK_SKIPPABLE_FIRST,
  CHUNK_STREAM_IDENTIFIER,
  CHUNK_UNCOMPRESSED,
  MAX_BLOCK_SIZE,
  MAX_CHUNK_BODY,
  STREAM_IDENTIFIER_BODY,
  STREAM_IDENTIFIER_CHUNK,
} from './constants.js';
import { snappyMaskedCrc } from './crc32c.js';

/** Compression must save at least 1/8 (12.5 %) of a chunk, or the chunk goes out uncompressed (as golang/snappy). */
const MIN_SAVING_DIVISOR = 8;
/** Bytes of header (type, length, checksum) before a data chunk's payload. */
const DATA_CHUNK_PREFIX = CHUNK_HEADER_SIZE + CHECKSUM_SIZE;

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function writeChunkHeader(dst: Buffer, at: number, type: number, bodyLength: number, checksum: number): void {
  dst[at] = type;
  dst.writeUIntLE(bodyLength, at + 1, 3);
  dst.writeUInt32LE(checksum, at + CHUNK_HEADER_SIZE);
}

/**
 * Frame `data` as golang/snappy's unbuffered Writer does for one Write: chunks of at most 64 KiB
 * uncompressed, each compressed (type 0x00) unless that saves less than 12.5 % (then type 0x01).
 * With `withStreamIdentifier` the stream identifier chunk is prepended (the first write of a
 * stream). Returns the buffers to write in order: a compressed chunk is one buffer; an
 * uncompressed chunk is its 8-byte header then a view of `data` (no copy). Empty data gives [].
 */
export function encodeSnappyFrames(data: Buffer, withStreamIdentifier: boolean): Buffer[] {
  const out: Buffer[] = [];
  let first = withStreamIdentifier;
  for (let start = 0; start < data.length; start += MAX_BLOCK_SIZE) {
    const piece = data.subarray(start, Math.min(start + MAX_BLOCK_SIZE, data.length));
    const checksum = snappyMaskedCrc(piece);
    const idLen = first ? STREAM_IDENTIFIER_CHUNK.length : 0;
    const buf = Buffer.allocUnsafe(idLen + DATA_CHUNK_PREFIX + snappyMaxEncodedLength(piece.length));
    if (first) STREAM_IDENTIFIER_CHUNK.copy(buf, 0);
    first = false;
    const end = snappyEncodeBlockInto(buf, idLen + DATA_CHUNK_PREFIX, piece);
    const compressedLen = end - idLen - DATA_CHUNK_PREFIX;
    if (compressedLen < piece.length - Math.floor(piece.length / MIN_SAVING_DIVISOR)) {
      writeChunkHeader(buf, idLen, CHUNK_COMPRESSED, CHECKSUM_SIZE + compressedLen, checksum);
      out.push(buf.subarray(0, end));
    } else {
      writeChunkHeader(buf, idLen, CHUNK_UNCOMPRESSED, CHECKSUM_SIZE + piece.length, checksum);
      out.push(buf.subarray(0, idLen + DATA_CHUNK_PREFIX), piece);
    }
  }
  return out;
}

function protocolError(detail: string): BurrowError {
  return new BurrowError(ErrorCode.PROTOCOL, `snappy stream: ${detail}`);
}

/**
 * Incremental reader of the snappy framing format. Push the bytes as they arrive; get back the
 * uncompressed data they complete. Holds at most one partial chunk (≤ 4 + MAX_CHUNK_BODY bytes).
 * Throws BurrowError PROTOCOL on a missing stream identifier, a bad identifier, a reserved
 * unskippable chunk type, an oversize or undersize chunk, a corrupt block or a CRC mismatch; after
 * a throw the decoder is unusable (every later push throws the same error).
 */
export class SnappyFrameDecoder {
  #parts: Buffer[] = [];
  #partsLength = 0;
  /** Bytes needed from the start of the held parts before parsing can progress. */
  #need = CHUNK_HEADER_SIZE;
  #sawStreamIdentifier = false;
  #failed: BurrowError | undefined;

  /** Feed bytes; returns the uncompressed buffers they complete (possibly none), in order. */
  push(chunk: Buffer): Buffer[] {
    if (this.#failed !== undefined) throw this.#failed;
    if (chunk.length === 0) return [];
    this.#parts.push(chunk);
    this.#partsLength += chunk.length;
    if (this.#partsLength < this.#need) return [];
    const only = this.#parts.length === 1 ? this.#parts[0] : undefined;
    const buf = only ?? Buffer.concat(this.#parts, this.#partsLength);
    this.#parts = [];
    this.#partsLength = 0;
    const out: Buffer[] = [];
    let off = 0;
    try {
      for (;;) {
        if (buf.length - off < CHUNK_HEADER_SIZE) {
          this.#need = CHUNK_HEADER_SIZE;
          break;
        }
        const type = buf.readUInt8(off);
        const bodyLength = buf.readUIntLE(off + 1, 3);
        this.#checkHeader(type, bodyLength);
        const total = CHUNK_HEADER_SIZE + bodyLength;
        if (buf.length - off < total) {
          this.#need = total;
          break;
        }
        const body = buf.subarray(off + CHUNK_HEADER_SIZE, off + total);
        off += total;
        const data = this.#chunkData(type, body);
        if (data !== undefined && data.length > 0) out.push(data);
      }
    } catch (err) {
      this.#failed = err instanceof BurrowError ? err : protocolError(String(err));
      throw this.#failed;
    }
    if (off < buf.length) {
      // Copy the short tail so the large buffer it came from can be freed.
      const tail = Buffer.from(buf.subarray(off));
      this.#parts = [tail];
      this.#partsLength = tail.length;
    } else {
      this.#need = CHUNK_HEADER_SIZE;
    }
    return out;
  }

  /** Bytes held that do not yet form a complete chunk (non-zero at end of stream = truncated). */
  get buffered(): number {
    return this.#partsLength;
  }

  /** Call at end of input: throws BurrowError UNEXPECTED_EOF when it stopped inside a chunk. */
  finish(): void {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#partsLength > 0) {
      throw new BurrowError(
        ErrorCode.UNEXPECTED_EOF,
        `snappy stream ended inside a chunk: ${this.#partsLength} of ${this.#need} bytes received`,
      );
    }
  }

  #checkHeader(type: number, bodyLength: number): void {
    if (!this.#sawStreamIdentifier && type !== CHUNK_STREAM_IDENTIFIER) {
      throw protocolError(
        `expected the stream identifier chunk (${hex(CHUNK_STREAM_IDENTIFIER)}) first, got chunk type ${hex(type)}`,
      );
    }
    if (bodyLength > MAX_CHUNK_BODY) {
      throw protocolError(
        `chunk type ${hex(type)} declares ${bodyLength} bytes, more than the limit of ${MAX_CHUNK_BODY}`,
      );
    }
    if (type === CHUNK_STREAM_IDENTIFIER) {
      if (bodyLength !== STREAM_IDENTIFIER_BODY.length) {
        throw protocolError(
          `stream identifier chunk must be ${STREAM_IDENTIFIER_BODY.length} bytes, got ${bodyLength}`,
        );
      }
    } else if (type === CHUNK_COMPRESSED || type === CHUNK_UNCOMPRESSED) {
      if (bodyLength < CHECKSUM_SIZE) {
        throw protocolError(
          `data chunk type ${hex(type)} of ${bodyLength} bytes is shorter than its ${CHECKSUM_SIZE}-byte checksum`,
        );
      }
      if (type === CHUNK_UNCOMPRESSED && bodyLength - CHECKSUM_SIZE > MAX_BLOCK_SIZE) {
        throw protocolError(
          `uncompressed chunk holds ${bodyLength - CHECKSUM_SIZE} bytes, more than the limit of ${MAX_BLOCK_SIZE}`,
        );
      }
    } else if (type <= CHUNK_RESERVED_UNSKIPPABLE_LAST) {
      throw protocolError(`reserved unskippable chunk type ${hex(type)}`);
    }
  }

  #chunkData(type: number, body: Buffer): Buffer | undefined {
    if (type === CHUNK_STREAM_IDENTIFIER) {
      if (!body.equals(STREAM_IDENTIFIER_BODY)) {
        throw protocolError(`bad stream identifier ${JSON.stringify(body.toString('latin1'))}, expected "sNaPpY"`);
      }
      this.#sawStreamIdentifier = true;
      return undefined;
    }
    if (type >= CHUNK_SKIPPABLE_FIRST) return undefined; // padding (0xfe) or reserved skippable (0x80..0xfd)
    const expected = body.readUInt32LE(0);
    const payload = body.subarray(CHECKSUM_SIZE);
    let data: Buffer;
    try {
      data = type === CHUNK_COMPRESSED ? snappyDecodeBlock(payload, MAX_BLOCK_SIZE) : payload;
    } catch (err) {
      throw protocolError(`compressed chunk: ${err instanceof Error ? err.message : String(err)}`);
    }
    const actual = snappyMaskedCrc(data);
    if (actual !== expected) {
      throw protocolError(
        `checksum mismatch in ${type === CHUNK_COMPRESSED ? 'compressed' : 'uncompressed'} chunk of ${data.length} bytes: ` +
          `expected 0x${expected.toString(16).padStart(8, '0')}, computed 0x${actual.toString(16).padStart(8, '0')}`,
      );
    }
    return data;
  }
}
