// frp's control-stream cipher: AES-128-CFB over a Duplex, IV sent in clear before the first ciphertext.
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, type Cipher, type Decipher } from 'node:crypto';
import { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';

/** PBKDF2 salt frp sets for its control and work-connection cipher (client/service.go, server/service.go). */
export const CIPHER_SALT = 'frp';
/** PBKDF2 iteration count (golib crypto). */
export const CIPHER_ITERATIONS = 64;
/** IV size = AES block size; each direction sends its IV in clear, once. */
export const CIPHER_IV_SIZE = 16;
/** AES-128 key size. */
export const CIPHER_KEY_SIZE = 16;
/** The PBKDF2 digest frp uses. */
const CIPHER_KDF_DIGEST = 'sha1';
/** The Node/OpenSSL name of full-block CFB-128 with AES-128, as golib's cipher.NewCFBEncrypter. */
const CIPHER_ALGORITHM = 'aes-128-cfb';
/** Derived keys remembered (the same token is derived for every connection); oldest evicted first. */
const KEY_CACHE_LIMIT = 32;
/** Buffering of the encrypted Duplex on each side before backpressure applies. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

const keyCache = new Map<string, Buffer>();

/** The AES-128 key for a secret (frp's token or secretKey): PBKDF2-HMAC-SHA1(secret, "frp", 64, 16). */
export function deriveCipherKey(secret: string | Buffer): Buffer {
  const cacheKey = typeof secret === 'string' ? `s:${secret}` : `b:${secret.toString('hex')}`;
  const cached = keyCache.get(cacheKey);
  if (cached !== undefined) return Buffer.from(cached); // a copy: callers may not alter the cache
  const key = pbkdf2Sync(secret, CIPHER_SALT, CIPHER_ITERATIONS, CIPHER_KEY_SIZE, CIPHER_KDF_DIGEST);
  if (keyCache.size >= KEY_CACHE_LIMIT) {
    const oldest = keyCache.keys().next();
    if (oldest.done !== true) keyCache.delete(oldest.value);
  }
  keyCache.set(cacheKey, Buffer.from(key));
  return key;
}

/**
 * Wrap `inner` in frp's AES-128-CFB stream cipher. Writes are encrypted with one continuous cipher;
 * the first write to `inner` is a fresh random IV followed by the ciphertext, in one write. Reads
 * take a 16-byte IV from `inner`, then decrypt everything after it with one continuous decipher.
 * Consumes `inner` from the moment it is called (bytes already buffered in it included).
 * Backpressure, end, errors and destroy propagate both ways.
 */
export function createEncryptedStream(inner: Duplex, key: Buffer): Duplex {
  return new EncryptedStream(inner, key);
}

class EncryptedStream extends Duplex {
  readonly #inner: Duplex;
  readonly #key: Buffer;
  #cipher: Cipher | undefined;
  #decipher: Decipher | undefined;
  readonly #iv = Buffer.alloc(CIPHER_IV_SIZE);
  #ivReceived = 0;
  #innerEnded = false;
  #pausedInner = false;
  #waitingDrain: ((err?: Error | null) => void) | undefined;

  constructor(inner: Duplex, key: Buffer) {
    super({ readableHighWaterMark: STREAM_HIGH_WATER_MARK, writableHighWaterMark: STREAM_HIGH_WATER_MARK });
    if (key.length !== CIPHER_KEY_SIZE) {
      throw new BurrowError(ErrorCode.INTERNAL, `AES-128-CFB key must be ${CIPHER_KEY_SIZE} bytes, got ${key.length}`);
    }
    this.#inner = inner;
    this.#key = key;
    inner.on('data', this.#onData);
    inner.on('end', this.#onEnd);
    inner.on('error', this.#onError);
    inner.on('close', this.#onClose);
    inner.on('drain', this.#onDrain);
    // Start consuming even if a previous reader left inner paused; its buffered bytes come first.
    inner.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.destroyed) return;
    let data = chunk;
    if (this.#decipher === undefined) {
      const take = Math.min(CIPHER_IV_SIZE - this.#ivReceived, data.length);
      data.copy(this.#iv, this.#ivReceived, 0, take);
      this.#ivReceived += take;
      if (this.#ivReceived < CIPHER_IV_SIZE) return;
      this.#decipher = createDecipheriv(CIPHER_ALGORITHM, this.#key, this.#iv);
      data = data.subarray(take);
      if (data.length === 0) return;
    }
    if (!this.push(this.#decipher.update(data))) {
      // Our reader is full: stop inner until _read asks for more.
      this.#pausedInner = true;
      this.#inner.pause();
    }
  };

  readonly #onEnd = (): void => {
    this.#innerEnded = true;
    if (this.destroyed) return;
    if (this.#ivReceived > 0 && this.#ivReceived < CIPHER_IV_SIZE) {
      this.destroy(new BurrowError(ErrorCode.UNEXPECTED_EOF, `encrypted stream ended after ${this.#ivReceived} of ${CIPHER_IV_SIZE} IV bytes`));
      return;
    }
    this.push(null);
  };

  readonly #onError = (err: Error): void => {
    this.destroy(err);
  };

  readonly #onClose = (): void => {
    this.#releaseWrite(new BurrowError(ErrorCode.CLOSED, 'the connection under the encrypted stream closed during a write'));
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
      callback(new BurrowError(ErrorCode.CLOSED, 'cannot write: the connection under the encrypted stream is closed'));
      return;
    }
    let out: Buffer;
    if (this.#cipher === undefined) {
      const iv = randomBytes(CIPHER_IV_SIZE);
      this.#cipher = createCipheriv(CIPHER_ALGORITHM, this.#key, iv);
      // IV and first ciphertext in one write, as golib's Writer does.
      out = Buffer.concat([iv, this.#cipher.update(chunk)]);
    } else {
      out = this.#cipher.update(chunk);
    }
    if (this.#inner.write(out)) callback();
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
