// Snappy raw block encoder: greedy LZ77 with a 4-byte hash table, emitting literals and 1/2-byte-offset copies.
import { MAX_BLOCK_SIZE, TAG_COPY1, TAG_COPY2, TAG_LITERAL } from './constants.js';

/** log2 of the hash table size: 16 Ki entries of 4 bytes, reused across calls. */
const HASH_TABLE_BITS = 14;
/** Multiplicative hash constant for 4-byte sequences (golden-ratio-like odd constant, as snappy). */
const HASH_MULTIPLIER = 0x1e35a7bd;
/** Bytes kept unmatched at a fragment's end, so 4-byte loads never read past it. */
const INPUT_MARGIN = 15;
/** Fragments shorter than this are emitted as one literal: matching cannot pay off. */
const MIN_NON_LITERAL_BLOCK_SIZE = 1 + 1 + INPUT_MARGIN;
/** Skip heuristic: after 32 misses the step grows by one byte, so incompressible data is crossed fast. */
const SKIP_SHIFT = 5;
/** Shortest match worth a copy element. */
const MIN_MATCH = 4;
/** Longest copy element (copy-2 length field is 6 bits + 1). */
const MAX_COPY_LEN = 64;
/** Copy-1 covers lengths 4..11 with offsets below 2048. */
const COPY1_MAX_LEN = 11;
/** Copy-1 offsets use 11 bits. */
const COPY1_OFFSET_LIMIT = 2048;
/** Literal lengths up to this (minus one) fit in the tag byte. */
const LITERAL_INLINE_LIMIT = 60;

const table = new Int32Array(1 << HASH_TABLE_BITS);

/** Worst-case encoded size of `n` input bytes (golang/snappy MaxEncodedLen). */
export function snappyMaxEncodedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/** Callers keep i + 3 < src.length: they load at most up to sLimit, INPUT_MARGIN bytes before the end. */
function load32(src: Uint8Array, i: number): number {
  return (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
}

function hash(u: number): number {
  return Math.imul(u, HASH_MULTIPLIER) >>> (32 - HASH_TABLE_BITS);
}

/** Write a literal element for src[start, end) at dst[d]; returns the new d. */
function emitLiteral(dst: Buffer, d: number, src: Uint8Array, start: number, end: number): number {
  const n = end - start - 1;
  if (n < LITERAL_INLINE_LIMIT) {
    dst[d++] = (n << 2) | TAG_LITERAL;
  } else {
    // Tags 60..63 say the length follows in 1..4 little-endian bytes.
    const bytes = n < 2 ** 8 ? 1 : n < 2 ** 16 ? 2 : n < 2 ** 24 ? 3 : 4;
    dst[d++] = ((LITERAL_INLINE_LIMIT - 1 + bytes) << 2) | TAG_LITERAL;
    for (let k = 0; k < bytes; k++) dst[d++] = (n >>> (8 * k)) & 0xff;
  }
  dst.set(src.subarray(start, end), d);
  return d + (end - start);
}

function emitCopy2(dst: Buffer, d: number, offset: number, length: number): number {
  dst[d] = ((length - 1) << 2) | TAG_COPY2;
  dst[d + 1] = offset & 0xff;
  dst[d + 2] = offset >>> 8;
  return d + 3;
}

/** Write copy elements for a match of `length` (>= 4) bytes at `offset` (1..65535); returns the new d. */
function emitCopy(dst: Buffer, d: number, offset: number, length: number): number {
  // Long matches: 64-byte pieces, keeping the remainder >= 4 so it stays encodable.
  while (length >= MAX_COPY_LEN + MIN_MATCH) {
    d = emitCopy2(dst, d, offset, MAX_COPY_LEN);
    length -= MAX_COPY_LEN;
  }
  if (length > MAX_COPY_LEN) {
    d = emitCopy2(dst, d, offset, MAX_COPY_LEN - MIN_MATCH);
    length -= MAX_COPY_LEN - MIN_MATCH;
  }
  if (length > COPY1_MAX_LEN || offset >= COPY1_OFFSET_LIMIT) return emitCopy2(dst, d, offset, length);
  dst[d] = ((offset >>> 8) << 5) | ((length - MIN_MATCH) << 2) | TAG_COPY1;
  dst[d + 1] = offset & 0xff;
  return d + 2;
}

/** Encode src[start, end) (at most MAX_BLOCK_SIZE bytes) as elements at dst[d]; returns the new d. */
function encodeFragment(dst: Buffer, d: number, src: Uint8Array, start: number, end: number): number {
  if (end - start < MIN_NON_LITERAL_BLOCK_SIZE) return start === end ? d : emitLiteral(dst, d, src, start, end);
  table.fill(0);
  // Table entries are positions relative to `start`; 0 doubles as "empty" (the load check rejects it).
  const sLimit = end - INPUT_MARGIN;
  let nextEmit = start;
  let s = start + 1;
  for (;;) {
    // Find a 4-byte match, stepping further apart the longer nothing matches.
    let skip = 1 << SKIP_SHIFT;
    let candidate = 0;
    let found = false;
    while (s <= sLimit) {
      const cur = load32(src, s);
      const h = hash(cur);
      candidate = start + table[h]!; // h < 2 ** HASH_TABLE_BITS, the table's length
      table[h] = s - start;
      if (candidate < s && load32(src, candidate) === cur) {
        found = true;
        break;
      }
      s += skip >>> SKIP_SHIFT;
      skip += 1;
    }
    if (!found) break;
    if (nextEmit < s) d = emitLiteral(dst, d, src, nextEmit, s);
    // Extend the match forward as far as the bytes agree.
    const base = s;
    let c = candidate + MIN_MATCH;
    s += MIN_MATCH;
    while (s < end && src[s] === src[c]) {
      s++;
      c++;
    }
    d = emitCopy(dst, d, base - candidate, s - base);
    nextEmit = s;
    if (s >= sLimit) break;
    // Remember the position just before s, so runs of matches chain without a miss.
    table[hash(load32(src, s - 1))] = s - 1 - start;
  }
  if (nextEmit < end) d = emitLiteral(dst, d, src, nextEmit, end);
  return d;
}

/**
 * Encode `src` as a raw snappy block into `dst` starting at `offset`; returns the end offset.
 * `dst` must have snappyMaxEncodedLength(src.length) bytes free after `offset`.
 */
export function snappyEncodeBlockInto(dst: Buffer, offset: number, src: Uint8Array): number {
  let d = offset;
  for (let v = src.length; ;) {
    if (v < 0x80) {
      dst[d++] = v;
      break;
    }
    dst[d++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 0x80);
  }
  for (let start = 0; start < src.length; start += MAX_BLOCK_SIZE) {
    d = encodeFragment(dst, d, src, start, Math.min(start + MAX_BLOCK_SIZE, src.length));
  }
  return d;
}

/**
 * Encode `src` as one raw snappy block (not the framing format): a varint of the uncompressed
 * length, then elements. Input of any length is matched in independent 64 KiB fragments, so every
 * copy offset fits in 16 bits. Always succeeds; the result may be larger than `src` for
 * incompressible input (at most snappyMaxEncodedLength(src.length)).
 */
export function snappyEncodeBlock(src: Uint8Array): Buffer {
  const dst = Buffer.allocUnsafe(snappyMaxEncodedLength(src.length));
  return dst.subarray(0, snappyEncodeBlockInto(dst, 0, src));
}
