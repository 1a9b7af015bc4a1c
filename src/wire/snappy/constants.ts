// The numbers of snappy's block format and framing format (google/snappy format_description.txt, framing_format.txt).

/** Block format: low two bits of an element's tag byte. */
export const TAG_LITERAL = 0x00;
/** Copy with a 1-byte offset tail: length 4..11, offset < 2048. */
export const TAG_COPY1 = 0x01;
/** Copy with a 2-byte offset: length 1..64, offset < 65536. */
export const TAG_COPY2 = 0x02;
/** Copy with a 4-byte offset (legacy; decoded, never emitted). */
export const TAG_COPY4 = 0x03;

/** Largest uncompressed block the encoder matches within (offsets then fit in 16 bits); also the framing chunk limit. */
export const MAX_BLOCK_SIZE = 65536;
/** Worst-case compressed size of a MAX_BLOCK_SIZE block: 32 + n + n/6 (golang/snappy MaxEncodedLen). */
export const MAX_ENCODED_LEN_OF_MAX_BLOCK = 32 + MAX_BLOCK_SIZE + Math.floor(MAX_BLOCK_SIZE / 6);

/** Framing: bytes of a chunk header (1 type byte + 3-byte little-endian length). */
export const CHUNK_HEADER_SIZE = 4;
/** Framing: bytes of the masked CRC-32C that starts a data chunk's body. */
export const CHECKSUM_SIZE = 4;
/** Framing: largest chunk body a reader accepts, as golang/snappy's Reader (checksum + worst-case block). */
export const MAX_CHUNK_BODY = CHECKSUM_SIZE + MAX_ENCODED_LEN_OF_MAX_BLOCK;

/** Framing chunk type: compressed data (masked CRC + snappy block). */
export const CHUNK_COMPRESSED = 0x00;
/** Framing chunk type: uncompressed data (masked CRC + raw bytes). */
export const CHUNK_UNCOMPRESSED = 0x01;
/** Framing chunk types 0x02..0x7f are reserved and unskippable: a reader must fail on them. */
export const CHUNK_RESERVED_UNSKIPPABLE_LAST = 0x7f;
/** Framing chunk types 0x80..0xfd are reserved skippable; 0xfe is padding; both are skipped. */
export const CHUNK_SKIPPABLE_FIRST = 0x80;
/** Framing chunk type: padding (skipped). */
export const CHUNK_PADDING = 0xfe;
/** Framing chunk type: stream identifier, whose body is "sNaPpY". */
export const CHUNK_STREAM_IDENTIFIER = 0xff;
/** The stream identifier's body. */
export const STREAM_IDENTIFIER_BODY = Buffer.from('sNaPpY', 'latin1');
/** The whole stream identifier chunk: ff 06 00 00 "sNaPpY"; a writer sends it before its first data chunk. */
export const STREAM_IDENTIFIER_CHUNK = Buffer.concat([
  Buffer.from([CHUNK_STREAM_IDENTIFIER, STREAM_IDENTIFIER_BODY.length, 0, 0]),
  STREAM_IDENTIFIER_BODY,
]);
