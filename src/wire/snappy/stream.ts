// frp's useCompression: a Duplex that writes snappy-framed data to an inner stream and reads it back decompressed.
import { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import { encodeSnappyFrames, SnappyFrameDecoder } from './framing.js';

/** Buffering of the compressed Duplex on each side before backpressure applies. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

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

class CompressedStream extends Duplex {
  readonly #inner: Duplex;
  readonly #decoder = new SnappyFrameDecoder();
  #wroteStreamIdentifier = false;
  #innerEnded = false;
  #pausedInner = false;
  #waitingDrain: ((err?: Error | null) => void) | undefined;

  constructor(inner: Duplex) {
    super({ readableHighWaterMark: STREAM_HIGH_WATER_MARK, writableHighWaterMark: STREAM_HIGH_WATER_MARK });
    this.#inner = inner;
    inner.on('data', this.#onData);
    inner.on('end', this.#onEnd);
    inner.on('error', this.#onError);
    inner.on('close', this.#onClose);
    inner.on('drain', this.#onDrain);
    inner.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.destroyed) return;
    let out: Buffer[];
    try {
      out = this.#decoder.push(chunk);
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    let wantMore = true;
    for (const data of out) wantMore = this.push(data);
    if (!wantMore) {
      // Our reader is full: stop inner until _read asks for more.
      this.#pausedInner = true;
      this.#inner.pause();
    }
  };

  readonly #onEnd = (): void => {
    this.#innerEnded = true;
    if (this.destroyed) return;
    try {
      this.#decoder.finish();
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    this.push(null);
  };

  readonly #onError = (err: Error): void => {
    this.destroy(err);
  };

  readonly #onClose = (): void => {
    this.#releaseWrite(new BurrowError(ErrorCode.CLOSED, 'the connection under the compressed stream closed during a write'));
    // Closed without an end: the read side can never complete.
    if (!this.#innerEnded && !this.destroyed) this.destroy();
  };

  readonly #onDrain = (): void => {
    this.#releaseWrite();
  };

  #releaseWrite(err?: Error): void {
    const cb = this.#waitingDrain;
    this.#waitingDrain = undefined;
    if (cb !== undefined) cb(err);
  }

  override _read(): void {
    if (this.#pausedInner) {
      this.#pausedInner = false;
      this.#inner.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.#inner.destroyed || this.#inner.writableEnded) {
      callback(new BurrowError(ErrorCode.CLOSED, 'cannot write: the connection under the compressed stream is closed'));
      return;
    }
    const frames = encodeSnappyFrames(chunk, !this.#wroteStreamIdentifier);
    if (frames.length === 0) {
      callback();
      return;
    }
    this.#wroteStreamIdentifier = true;
    let ok = true;
    // Corked so a socket sends an uncompressed chunk's header and body in one writev.
    this.#inner.cork();
    for (const frame of frames) ok = this.#inner.write(frame) && ok;
    this.#inner.uncork();
    if (ok) callback();
    else this.#waitingDrain = callback; // hold our writer until inner drains
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.#inner.destroyed && !this.#inner.writableEnded) this.#inner.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#waitingDrain = undefined;
    if (!this.#inner.destroyed) this.#inner.destroy(err ?? undefined);
    callback(err);
  }
}
