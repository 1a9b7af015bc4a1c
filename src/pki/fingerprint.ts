// SHA-256 certificate fingerprints: compute, display and parse the "sha256:<hex>" form.
import { createHash } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';
import { firstCertDer } from './pem.js';

/** Prefix of the canonical fingerprint form. */
const FINGERPRINT_PREFIX = 'sha256:';

/** Hex digits in a SHA-256 digest. */
const SHA256_HEX_LENGTH = 64;

/** "sha256:" + 64 lowercase hex digits of the SHA-256 of the first certificate's DER. */
export function certFingerprint(certPemOrDer: string | Buffer): string {
  return FINGERPRINT_PREFIX + createHash('sha256').update(firstCertDer(certPemOrDer)).digest('hex');
}

/** Display form "AB:CD:…" of a hex digest (accepts the "sha256:" prefix and colons too). */
export function formatFingerprint(hex: string): string {
  const clean = hex
    .replace(/^sha256:/i, '')
    .replace(/:/g, '')
    .toUpperCase();
  return (clean.match(/.{1,2}/g) ?? []).join(':');
}

/**
 * Parses a user-written fingerprint: "sha256:" prefix optional, colons optional, any case.
 * Returns the canonical "sha256:<64 lowercase hex>"; throws BurrowError(PKI) on anything else.
 */
export function parseFingerprint(s: string): string {
  const trimmed = s.trim();
  const body = trimmed.replace(/^sha256:/i, '');
  const hex = body.replace(/:/g, '').toLowerCase();
  const colonsOk = !body.includes(':') || /^([0-9a-fA-F]{2}:)*[0-9a-fA-F]{2}$/.test(body);
  if (!colonsOk || hex.length !== SHA256_HEX_LENGTH || !/^[0-9a-f]+$/.test(hex)) {
    throw new BurrowError(
      ErrorCode.PKI,
      `invalid fingerprint "${s}": expected "sha256:" followed by ${SHA256_HEX_LENGTH} hex digits (colons allowed)`,
    );
  }
  return FINGERPRINT_PREFIX + hex;
}
