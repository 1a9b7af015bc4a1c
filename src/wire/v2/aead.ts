// One AEAD record's seal/open for the two v2 algorithms (AES-256-GCM via node:crypto, XChaCha20-Poly1305 via @noble/ciphers).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { BurrowError, ErrorCode } from '../../errors.js';
import {
  AEAD_KEY_SIZE,
  AEAD_TAG_SIZE,
  AES_GCM_NONCE_SIZE,
  ALG_AES_256_GCM,
  XCHACHA_NONCE_SIZE,
  type AeadAlgorithm,
} from './constants.js';

/** Seals and opens single records with one key. */
export interface RecordAead {
  readonly algorithm: AeadAlgorithm;
  readonly nonceSize: number;
  /** ciphertext ‖ 16-byte tag. */
  seal(nonce: Buffer, plaintext: Buffer, aad: Buffer): Buffer;
  /** The plaintext, or null when the tag does not verify. `body` is ciphertext ‖ tag. */
  open(nonce: Buffer, body: Buffer, aad: Buffer): Buffer | null;
}

/** The stream nonce size of an algorithm (12 for AES-256-GCM, 24 for XChaCha20-Poly1305). */
export function nonceSize(algorithm: AeadAlgorithm): number {
  return algorithm === ALG_AES_256_GCM ? AES_GCM_NONCE_SIZE : XCHACHA_NONCE_SIZE;
}

/** A record AEAD for `algorithm` with a 32-byte key (INTERNAL error on another size). */
export function createRecordAead(algorithm: AeadAlgorithm, key: Buffer): RecordAead {
  if (key.length !== AEAD_KEY_SIZE) {
    throw new BurrowError(ErrorCode.INTERNAL, `${algorithm} key must be ${AEAD_KEY_SIZE} bytes, got ${key.length}`);
  }
  return algorithm === ALG_AES_256_GCM ? aesGcm(key) : xchacha(key);
}

function aesGcm(key: Buffer): RecordAead {
  const name = 'aes-256-gcm';
  return {
    algorithm: ALG_AES_256_GCM,
    nonceSize: AES_GCM_NONCE_SIZE,
    seal(nonce, plaintext, aad) {
      const c = createCipheriv(name, key, nonce, { authTagLength: AEAD_TAG_SIZE });
      c.setAAD(aad);
      const head = c.update(plaintext);
      const tail = c.final();
      return Buffer.concat([head, tail, c.getAuthTag()]);
    },
    open(nonce, body, aad) {
      const d = createDecipheriv(name, key, nonce, { authTagLength: AEAD_TAG_SIZE });
      d.setAAD(aad);
      d.setAuthTag(body.subarray(body.length - AEAD_TAG_SIZE));
      const head = d.update(body.subarray(0, body.length - AEAD_TAG_SIZE));
      try {
        const tail = d.final(); // throws when the tag does not verify
        return tail.length === 0 ? head : Buffer.concat([head, tail]);
      } catch {
        return null;
      }
    },
  };
}

function xchacha(key: Buffer): RecordAead {
  return {
    algorithm: 'xchacha20-poly1305',
    nonceSize: XCHACHA_NONCE_SIZE,
    seal(nonce, plaintext, aad) {
      return asBuffer(xchacha20poly1305(key, nonce, aad).encrypt(plaintext));
    },
    open(nonce, body, aad) {
      try {
        return asBuffer(xchacha20poly1305(key, nonce, aad).decrypt(body)); // throws when the tag does not verify
      } catch {
        return null;
      }
    },
  };
}

// A Buffer view of noble's Uint8Array result, without copying.
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Add 1 to a big-endian counter spanning the whole nonce, in place; false when it wrapped to zero. */
export function incrementNonce(nonce: Buffer): boolean {
  for (let i = nonce.length - 1; i >= 0; i--) {
    const next = (nonce[i]! + 1) & 0xff; // 0 ≤ i < nonce.length
    nonce[i] = next;
    if (next !== 0) return true;
  }
  return false;
}
