// frp's useCompression: a Duplex that writes snappy-framed data to an inner stream and reads it back decompressed.
import type { Duplex } from 'node:stream';
import { LayeredStream } from '../layered-stream.js';
import { encodeSnappyFrames, SnappyFrameDecoder } from './framing.js';

/**
 * Wrap `inner` in snappy's framing format, as golib's WithCompression (golang/snappy's unbuffered
 * Writer and its Reader). Each write becomes one or more chunks written to `inner`, the stream
 * identifier going out with the first; reads decompress and verify what `inner` delivers.
 * Consumes `inner` from the moment it is called (bytes already buffered in it included).
 * Backpressure, end, errors and destroy propagate both ways; malformed input destroys the stream
 * with a BurrowError (PROTOCOL, or UNEXPECTED_EOF when `inner` ends inside a chunk).
 */
export function createCompressedStream(inner: Duplex): Duplex {
  return new CompressedStream(inner);
}

class CompressedStream extends LayeredStream {
  readonly #decoder = new SnappyFrameDecoder();
  #wroteStreamIdentifier = false;

  constructor(inner: Duplex) {
    super(inner, 'compressed stream');
  }

  protected decode(chunk: Buffer): void {
    for (const data of this.#decoder.push(chunk)) this.deliver(data);
  }

  protected checkEnd(): void {
    this.#decoder.finish();
  }

  protected encode(chunk: Buffer): Buffer[] {
    const frames = encodeSnappyFrames(chunk, !this.#wroteStreamIdentifier);
    if (frames.length > 0) this.#wroteStreamIdentifier = true;
    return frames;
  }
}
