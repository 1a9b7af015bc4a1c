// Key types burrow generates and signs with: names, WebCrypto algorithms, labels.
import type { KeyObject } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';
import { webcrypto } from 'node:crypto';

type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** Every key type `--key-type` accepts. */
export const KEY_TYPES = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;

/** One of KEY_TYPES. */
export type KeyType = (typeof KEY_TYPES)[number];

/** Key type of CAs and leaves when none is given: small, fast, universally supported. */
export const DEFAULT_KEY_TYPE: KeyType = 'ec-p256';

/** RSA public exponent 65537, as WebCrypto wants it (big-endian bytes). */
const RSA_PUBLIC_EXPONENT = new Uint8Array([0x01, 0x00, 0x01]);

/** WebCrypto parameters of each key type; P-384 signs with SHA-384 to match its strength, the rest SHA-256. */
const KEY_PARAMS: Record<KeyType, RsaHashedKeyGenParams | EcKeyGenParams> = {
  'ec-p256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ec-p384': { name: 'ECDSA', namedCurve: 'P-384' },
  'rsa-2048': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: RSA_PUBLIC_EXPONENT, hash: 'SHA-256' },
  'rsa-3072': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: RSA_PUBLIC_EXPONENT, hash: 'SHA-256' },
  'rsa-4096': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 4096, publicExponent: RSA_PUBLIC_EXPONENT, hash: 'SHA-256' },
};

/** Node's curve names mapped to the NIST names we display and WebCrypto uses. */
const CURVE_NAMES: Record<string, string> = {
  prime256v1: 'P-256',
  'P-256': 'P-256',
  secp384r1: 'P-384',
  'P-384': 'P-384',
  secp521r1: 'P-521',
  'P-521': 'P-521',
};

/** Hash that goes with each curve when signing. */
const CURVE_HASH: Record<string, string> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };

/** A WebCrypto key pair algorithm plus the signature algorithm it signs with. */
export interface SigningAlgorithm {
  /** Import/generate parameters (name, curve or hash). */
  importParams: RsaHashedImportParams | EcKeyImportParams;
  /** What X509CertificateGenerator / X509CrlGenerator sign with. */
  signingAlgorithm: Algorithm | EcdsaParams;
}

/** Checks a user-given key type; throws BurrowError(USAGE) listing the accepted ones. */
export function parseKeyType(value: string): KeyType {
  const v = value.trim().toLowerCase();
  if ((KEY_TYPES as readonly string[]).includes(v)) return v as KeyType;
  throw new BurrowError(ErrorCode.USAGE, `unknown key type "${value}": expected one of ${KEY_TYPES.join(', ')}`);
}

/** Generates an extractable key pair of `type`. */
export async function generateKeyPair(type: KeyType): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_PARAMS[type], true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** The signature algorithm a freshly generated key of `type` signs with. */
export function signingAlgorithmOf(type: KeyType): SigningAlgorithm {
  const p = KEY_PARAMS[type];
  if (p.name === 'ECDSA') {
    const curve = (p as EcKeyGenParams).namedCurve;
    return {
      importParams: { name: 'ECDSA', namedCurve: curve },
      signingAlgorithm: { name: 'ECDSA', hash: CURVE_HASH[curve]! },
    };
  }
  return { importParams: { name: p.name, hash: 'SHA-256' }, signingAlgorithm: { name: p.name, hash: 'SHA-256' } };
}

/** True for RSA key types (their leaves also get keyEncipherment). */
export function isRsaKeyType(type: KeyType): boolean {
  return type.startsWith('rsa-');
}

/**
 * The signing algorithm for an existing private key (a CA key the user brought): ECDSA with the
 * curve's hash, or RSASSA-PKCS1-v1_5 with SHA-256. Throws BurrowError(PKI) for other key kinds.
 */
export function signingAlgorithmForKey(key: KeyObject): SigningAlgorithm {
  const kind = key.asymmetricKeyType;
  if (kind === 'ec') {
    const curve = CURVE_NAMES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) {
      throw new BurrowError(
        ErrorCode.PKI,
        `EC key on curve ${key.asymmetricKeyDetails?.namedCurve ?? '(unknown)'} is not supported: expected P-256, P-384 or P-521`,
      );
    }
    return {
      importParams: { name: 'ECDSA', namedCurve: curve },
      signingAlgorithm: { name: 'ECDSA', hash: CURVE_HASH[curve]! },
    };
  }
  if (kind === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { importParams: alg, signingAlgorithm: alg };
  }
  throw new BurrowError(
    ErrorCode.PKI,
    `${kind ?? 'unknown'} keys cannot sign here: expected an RSA or EC (P-256/P-384/P-521) key`,
  );
}

/** Display label of a key, e.g. "EC P-256", "RSA 2048", "Ed25519". */
export function keyLabel(key: KeyObject): string {
  const kind = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  if (kind === 'ec') return `EC ${CURVE_NAMES[details?.namedCurve ?? ''] ?? details?.namedCurve ?? '?'}`;
  if (kind === 'rsa' || kind === 'rsa-pss')
    return `${kind === 'rsa' ? 'RSA' : 'RSA-PSS'} ${details?.modulusLength ?? '?'}`;
  if (kind === 'ed25519') return 'Ed25519';
  if (kind === 'ed448') return 'Ed448';
  return kind ?? 'unknown';
}
