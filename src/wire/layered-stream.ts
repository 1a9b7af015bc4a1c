// The plumbing every byte-transforming layer over a connection shares: events, backpressure, end and destroy.
import { Duplex, finished } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';

/** Buffering of a layered Duplex on each side before backpressure applies. */
export const LAYER_HIGH_WATER_MARK = 64 * 1024;

/**
 * A Duplex that transforms what it writes into `inner` and what it reads from `inner` (the AES-CFB
 * cipher, snappy framing, the v2 AEAD records). Subclasses say how bytes are encoded and decoded;
 * this class does the rest the same way for all of them:
 * - it consumes `inner` from the moment it is built (bytes already buffered in it come first);
 * - a full reader pauses `inner` until `_read` asks for more; a write that `inner` refuses holds
 *   the writer's callback until `inner` drains;
 * - `inner` ending ends the readable side (after `checkEnd` accepts where it ended); `inner`
 *   closing without an end, or erroring, destroys this stream; ending this stream ends `inner`;
 *   destroying it destroys `inner`.
 */
export abstract class LayeredStream extends Duplex {
  protected readonly inner: Duplex;
  #innerEnded = false;
  #pausedInner = false;
  #waitingDrain: ((err?: Error | null) => void) | undefined;

  /** @param layer what this layer is called in errors, e.g. "encrypted stream" */
  protected constructor(
    inner: Duplex,
    private readonly layer: string,
  ) {
    super({ readableHighWaterMark: LAYER_HIGH_WATER_MARK, writableHighWaterMark: LAYER_HIGH_WATER_MARK });
    this.inner = inner;
    inner.on('data', this.#onData);
    inner.on('end', this.#onEnd);
    inner.on('error', this.#onError);
    inner.on('close', this.#onClose);
    inner.on('drain', this.#onDrain);
    // Start consuming even if a previous reader left inner paused; its buffered bytes come first.
    inner.resume();
  }

  /** Decodes bytes from `inner`, handing plaintext to `deliver`; throws a BurrowError on bad input. */
  protected abstract decode(chunk: Buffer): void;

  /** Called when `inner` ends; throws (UNEXPECTED_EOF) when it ended inside a unit. */
  protected abstract checkEnd(): void;

  /** Encodes one write into the buffers to send on `inner`; may throw. */
  protected abstract encode(chunk: Buffer): Buffer[];

  /** Hands decoded bytes to our reader; a full reader pauses `inner` until `_read`. */
  protected deliver(data: Buffer): void {
    if (data.length === 0) return;
    if (!this.push(data) && !this.#pausedInner) {
      this.#pausedInner = true;
      this.inner.pause();
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.destroyed) return;
    try {
      this.decode(chunk);
    } catch (err) {
      this.destroy(err as Error);
    }
  };

  readonly #onEnd = (): void => {
    this.#innerEnded = true;
    if (this.destroyed) return;
    try {
      this.checkEnd();
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
    this.#releaseWrite(
      new BurrowError(ErrorCode.CLOSED, `the connection under the ${this.layer} closed during a write`),
    );
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
      this.inner.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.inner.destroyed || this.inner.writableEnded) {
      callback(new BurrowError(ErrorCode.CLOSED, `cannot write: the connection under the ${this.layer} is closed`));
      return;
    }
    let out: Buffer[];
    try {
      out = this.encode(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    let ok = true;
    if (out.length === 1) {
      ok = this.inner.write(out[0]!);
    } else if (out.length > 1) {
      // Corked so a socket sends the pieces of one write in one writev.
      this.inner.cork();
      for (const piece of out) ok = this.inner.write(piece) && ok;
      this.inner.uncork();
    }
    if (ok) callback();
    else this.#waitingDrain = callback; // hold our writer until inner drains
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.inner.destroyed || this.inner.writableEnded) {
      callback();
      return;
    }
    // Finish only once inner has flushed: our 'finish' may destroy us (and inner) while inner still holds bytes.
    // inner's own error or early close reaches us through #onError / #onClose, so it is not passed on twice.
    finished(this.inner, { readable: false }, () => callback());
    this.inner.end();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#waitingDrain = undefined;
    if (!this.inner.destroyed) this.inner.destroy(err ?? undefined);
    callback(err);
  }
}
