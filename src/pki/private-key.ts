// Reads private keys in every PEM form users bring (PKCS#1, PKCS#8, SEC1, encrypted) and turns them into signing keys.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { webcrypto } from './crypto-provider.js';

type CryptoKey = webcrypto.CryptoKey;
import { derToPem } from './pem.js';
import { signingAlgorithmForKey, type SigningAlgorithm } from './key-types.js';

/** PEM labels of private keys we read. */
const PRIVATE_KEY_LABEL_RE = /-----BEGIN (RSA PRIVATE KEY|EC PRIVATE KEY|PRIVATE KEY|ENCRYPTED PRIVATE KEY)-----/;

/** Marks an encrypted key: PKCS#8 "ENCRYPTED PRIVATE KEY" or a legacy "Proc-Type: 4,ENCRYPTED" header. */
const ENCRYPTED_RE = /ENCRYPTED PRIVATE KEY|Proc-Type:\s*4,ENCRYPTED/;

/** A private key ready to sign certificates and CRLs with WebCrypto. */
export interface SigningKey {
  /** The key as Node sees it (type, curve, size). */
  keyObject: KeyObject;
  /** The same key imported into WebCrypto. */
  cryptoKey: CryptoKey;
  /** How it signs. */
  algorithm: SigningAlgorithm;
}

/**
 * Parses a PEM private key: PKCS#1 ("RSA PRIVATE KEY"), PKCS#8 ("PRIVATE KEY"), SEC1 ("EC PRIVATE
 * KEY") or encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY", needs `passphrase`). Throws BurrowError(PKI)
 * saying which: no key block, encrypted without passphrase, wrong passphrase, unparsable.
 */
export function readPrivateKey(pem: string, opts: { passphrase?: string } = {}): KeyObject {
  const label = PRIVATE_KEY_LABEL_RE.exec(pem)?.[1];
  if (label === undefined) {
    throw new BurrowError(
      ErrorCode.PKI,
      'expected a PEM private key ("RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY"), found none',
    );
  }
  const encrypted = ENCRYPTED_RE.test(pem);
  if (encrypted && opts.passphrase === undefined) {
    throw new BurrowError(ErrorCode.PKI, 'the private key is encrypted: give its passphrase (--key-passphrase-file)');
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(encrypted ? { passphrase: opts.passphrase } : {}) });
  } catch (err) {
    const why = encrypted
      ? 'could not decrypt the private key (wrong passphrase?)'
      : `the "${label}" private key does not parse`;
    throw new BurrowError(ErrorCode.PKI, `${why}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Imports a Node private key into WebCrypto for signing (ECDSA or RSASSA-PKCS1-v1_5); throws BurrowError(PKI). */
export async function toSigningKey(keyObject: KeyObject): Promise<SigningKey> {
  const algorithm = signingAlgorithmForKey(keyObject);
  const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
  try {
    const cryptoKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm.importParams, false, ['sign']);
    return { keyObject, cryptoKey, algorithm };
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `could not import the private key for signing: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** PEM PKCS#8 of a WebCrypto private key (what burrow writes for every key it makes). */
export async function exportPkcs8Pem(key: CryptoKey): Promise<string> {
  return derToPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', key)), 'PRIVATE KEY');
}
