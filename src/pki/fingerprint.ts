// SHA-256 certificate fingerprints: compute, display and parse the "sha256:<hex>" form.
import { createHash } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';
import { pemToDer, splitPemCertificates } from './pem.js';

/** Prefix of the canonical fingerprint form. */
const FINGERPRINT_PREFIX = 'sha256:';

/** Hex digits in a SHA-256 digest. */
const SHA256_HEX_LENGTH = 64;

/** True when the bytes look like PEM text rather than DER (DER certificates start with 0x30). */
function looksLikePem(buf: Buffer): boolean {
  return buf.subarray(0, 64).toString('latin1').includes('-----BEGIN');
}

/** DER of the first certificate in a PEM string, PEM bytes or DER bytes. */
function firstCertDer(certPemOrDer: string | Buffer): Buffer {
  if (Buffer.isBuffer(certPemOrDer) && !looksLikePem(certPemOrDer)) {
    if (certPemOrDer.length === 0) throw new BurrowError(ErrorCode.PKI, 'expected a certificate, got empty data');
    return certPemOrDer;
  }
  const text = Buffer.isBuffer(certPemOrDer) ? certPemOrDer.toString('utf8') : certPemOrDer;
  const first = splitPemCertificates(text)[0];
  if (first === undefined) {
    throw new BurrowError(ErrorCode.PKI, 'expected a PEM "CERTIFICATE" block, found none');
  }
  return pemToDer(first);
}

/** "sha256:" + 64 lowercase hex digits of the SHA-256 of the first certificate's DER. */
export function certFingerprint(certPemOrDer: string | Buffer): string {
  return FINGERPRINT_PREFIX + createHash('sha256').update(firstCertDer(certPemOrDer)).digest('hex');
}

/** Display form "AB:CD:…" of a hex digest (accepts the "sha256:" prefix and colons too). */
export function formatFingerprint(hex: string): string {
  const clean = hex.replace(/^sha256:/i, '').replace(/:/g, '').toUpperCase();
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
