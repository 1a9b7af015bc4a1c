// CRC-32C (Castagnoli), table driven, and the masked form snappy's framing format stores per chunk.

/** Reflected Castagnoli polynomial (iSCSI / SSE4.2 crc32 instruction). */
const CASTAGNOLI_POLY_REFLECTED = 0x82f63b78;
/** Constant added after rotating, so a CRC of data holding CRCs does not degenerate (framing_format.txt §3). */
const SNAPPY_MASK_DELTA = 0xa282ead8;
/** Slicing-by-8 tables: eight 256-entry tables, so the loop consumes 8 bytes per step. */
const SLICES = 8;

const TABLE = buildTables();

function buildTables(): Uint32Array {
  const t = new Uint32Array(256 * SLICES);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_POLY_REFLECTED : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!; // n < 256, filled by the loop above
    for (let s = 1; s < SLICES; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/** CRC-32C of `data` (standard: initial and final XOR 0xffffffff), as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  let i = 0;
  const end8 = data.length - (data.length % SLICES);
  // Every index is in range: i + 7 < end8 ≤ data.length, and table offsets are a byte plus k * 256, k < SLICES.
  for (; i < end8; i += SLICES) {
    const lo = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      TABLE[7 * 256 + (lo & 0xff)]! ^
      TABLE[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      TABLE[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      TABLE[4 * 256 + (lo >>> 24)]! ^
      TABLE[3 * 256 + data[i + 4]!]! ^
      TABLE[2 * 256 + data[i + 5]!]! ^
      TABLE[256 + data[i + 6]!]! ^
      TABLE[data[i + 7]!]!;
  }
  for (const byte of data.subarray(i)) c = TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The checksum a snappy framed chunk carries: CRC-32C rotated right by 15 bits plus 0xa282ead8. */
export function snappyMaskedCrc(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + SNAPPY_MASK_DELTA) >>> 0;
}
