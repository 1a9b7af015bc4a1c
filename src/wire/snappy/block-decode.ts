// Snappy raw block decoder: varint length, then literals and back-references, every bound checked.
import { BurrowError, ErrorCode } from '../../errors.js';
import { TAG_COPY1, TAG_COPY2, TAG_LITERAL } from './constants.js';

/** A varint of more bytes than this cannot be a uint32 length. */
const MAX_VARINT_BYTES = 5;
/** Literals up to this length are copied in a JS loop; longer ones with a native set(). */
const SHORT_COPY = 64;
/** Literal tags with m >= 60 carry their length in the next (m - 59) bytes. */
const LITERAL_LENGTH_IN_TAG_LIMIT = 60;

function corrupt(detail: string): BurrowError {
  return new BurrowError(ErrorCode.PROTOCOL, `snappy block is corrupt: ${detail}`);
}

/**
 * Read the uncompressed length stored at the start of a snappy block. Returns the length and the
 * number of varint bytes. Throws BurrowError PROTOCOL when the varint is truncated or over 32 bits.
 */
export function snappyDecodedLength(block: Uint8Array): { length: number; headerBytes: number } {
  let value = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const b = block[i];
    if (b === undefined) throw corrupt(`length varint truncated after ${block.length} bytes`);
    if (i === MAX_VARINT_BYTES - 1 && b > 0x0f) throw corrupt('length varint exceeds 32 bits');
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return { length: value, headerBytes: i + 1 };
  }
  throw corrupt(`length varint longer than ${MAX_VARINT_BYTES} bytes`);
}

/**
 * Decode one raw snappy block (not the framing format). `maxLength` bounds the uncompressed size
 * the block may declare, so a hostile length cannot make us allocate. Throws BurrowError PROTOCOL
 * on any inconsistency (length over the bound, truncated element, offset 0 or before the start,
 * output longer or shorter than declared).
 */
export function snappyDecodeBlock(block: Uint8Array, maxLength: number): Buffer {
  const { length, headerBytes } = snappyDecodedLength(block);
  if (length > maxLength) throw corrupt(`declares ${length} uncompressed bytes, more than the limit of ${maxLength}`);
  const dst = Buffer.allocUnsafe(length);
  let d = 0;
  let s = headerBytes;
  const n = block.length;
  while (s < n) {
    const tag = block[s]!; // s < n: the loop condition
    const kind = tag & 0x03;
    if (kind === TAG_LITERAL) {
      let litLen = tag >>> 2;
      s += 1;
      if (litLen >= LITERAL_LENGTH_IN_TAG_LIMIT) {
        const extra = litLen - (LITERAL_LENGTH_IN_TAG_LIMIT - 1);
        if (s + extra > n) throw corrupt(`literal length truncated at byte ${s - 1}`);
        litLen = 0;
        for (let k = 0; k < extra; k++) litLen += block[s + k]! * 2 ** (8 * k); // s + extra ≤ n: checked above
        s += extra;
      }
      litLen += 1;
      if (litLen > n - s) throw corrupt(`literal of ${litLen} bytes at byte ${s} runs past the block end (${n})`);
      if (litLen > length - d) throw corrupt(`literal of ${litLen} bytes overflows the declared length ${length}`);
      if (litLen <= SHORT_COPY) {
        for (let k = 0; k < litLen; k++) dst[d + k] = block[s + k]!; // litLen ≤ n - s: checked above
      } else {
        dst.set(block.subarray(s, s + litLen), d);
      }
      d += litLen;
      s += litLen;
      continue;
    }
    // Each element's bytes are in the block: its length is checked against n before it is read.
    let copyLen: number;
    let offset: number;
    if (kind === TAG_COPY1) {
      if (s + 2 > n) throw corrupt(`copy-1 element truncated at byte ${s}`);
      copyLen = 4 + ((tag >>> 2) & 0x07);
      offset = ((tag & 0xe0) << 3) | block[s + 1]!;
      s += 2;
    } else if (kind === TAG_COPY2) {
      if (s + 3 > n) throw corrupt(`copy-2 element truncated at byte ${s}`);
      copyLen = 1 + (tag >>> 2);
      offset = block[s + 1]! | (block[s + 2]! << 8);
      s += 3;
    } else {
      if (s + 5 > n) throw corrupt(`copy-4 element truncated at byte ${s}`);
      copyLen = 1 + (tag >>> 2);
      offset = (block[s + 1]! | (block[s + 2]! << 8) | (block[s + 3]! << 16)) + block[s + 4]! * 2 ** 24;
      s += 5;
    }
    if (offset === 0 || offset > d)
      throw corrupt(`copy offset ${offset} at output byte ${d} points outside the output`);
    if (copyLen > length - d) throw corrupt(`copy of ${copyLen} bytes overflows the declared length ${length}`);
    // Byte by byte: copies are at most 64 bytes, where a loop beats a native call, and an
    // overlapping copy (offset < length, a run) must repeat the pattern as the format intends.
    for (let k = 0; k < copyLen; k++, d++) dst[d] = dst[d - offset]!; // 0 < offset ≤ d: checked above
  }
  if (d !== length) throw corrupt(`decoded ${d} bytes, but the block declares ${length}`);
  return dst;
}
