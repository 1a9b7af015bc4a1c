// frp's control-stream cipher: AES-128-CFB over a Duplex, IV sent in clear before the first ciphertext.
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, type Cipher, type Decipher } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { LayeredStream } from './layered-stream.js';

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

class EncryptedStream extends LayeredStream {
  readonly #key: Buffer;
  #cipher: Cipher | undefined;
  #decipher: Decipher | undefined;
  readonly #iv = Buffer.alloc(CIPHER_IV_SIZE);
  #ivReceived = 0;

  constructor(inner: Duplex, key: Buffer) {
    if (key.length !== CIPHER_KEY_SIZE) {
      throw new BurrowError(ErrorCode.INTERNAL, `AES-128-CFB key must be ${CIPHER_KEY_SIZE} bytes, got ${key.length}`);
    }
    super(inner, 'encrypted stream');
    this.#key = key;
  }

  protected decode(chunk: Buffer): void {
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
    this.deliver(this.#decipher.update(data));
  }

  protected checkEnd(): void {
    if (this.#ivReceived > 0 && this.#ivReceived < CIPHER_IV_SIZE) {
      throw new BurrowError(
        ErrorCode.UNEXPECTED_EOF,
        `encrypted stream ended after ${this.#ivReceived} of ${CIPHER_IV_SIZE} IV bytes`,
      );
    }
  }

  protected encode(chunk: Buffer): Buffer[] {
    if (this.#cipher !== undefined) return [this.#cipher.update(chunk)];
    const iv = randomBytes(CIPHER_IV_SIZE);
    this.#cipher = createCipheriv(CIPHER_ALGORITHM, this.#key, iv);
    // IV and first ciphertext in one write, as golib's Writer does.
    return [Buffer.concat([iv, this.#cipher.update(chunk)])];
  }
}
