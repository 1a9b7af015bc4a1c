// Snappy for frp's useCompression: raw block codec, CRC-32C, framing format and the compressed Duplex.
export { snappyDecodeBlock, snappyDecodedLength } from './block-decode.js';
export { snappyEncodeBlock, snappyEncodeBlockInto, snappyMaxEncodedLength } from './block-encode.js';
export { MAX_BLOCK_SIZE, MAX_CHUNK_BODY, STREAM_IDENTIFIER_CHUNK } from './constants.js';
export { crc32c, snappyMaskedCrc } from './crc32c.js';
export { encodeSnappyFrames, SnappyFrameDecoder } from './framing.js';
export { createCompressedStream } from './stream.js';
