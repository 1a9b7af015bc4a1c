// PEM helpers: split a bundle into certificates and decode a PEM block to DER.
import { BurrowError, ErrorCode } from '../errors.js';

/** Matches one PEM certificate block, BEGIN line to END line. */
const CERT_BLOCK_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Matches any PEM block and captures its label and base64 body. */
const ANY_BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

/** Strict base64 (whitespace removed first), so garbage is not silently decoded. */
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Returns each `CERTIFICATE` block of a PEM bundle, in order, as its own PEM string (with a trailing newline). */
export function splitPemCertificates(pem: string): string[] {
  const blocks = pem.match(CERT_BLOCK_RE) ?? [];
  return blocks.map((b) => `${b}\n`);
}

/** Decodes the first PEM block of `pem` (any label) to DER; throws BurrowError(PKI) when there is none or it is not base64. */
export function pemToDer(pem: string): Buffer {
  const m = ANY_BLOCK_RE.exec(pem);
  if (!m) {
    throw new BurrowError(ErrorCode.PKI, 'expected a PEM block ("-----BEGIN …-----"), found none');
  }
  const body = (m[2] ?? '').replace(/\s+/g, '');
  // Encapsulated headers (e.g. "Proc-Type:" of legacy encrypted keys) make the body non-base64.
  if (body.length === 0 || !BASE64_RE.test(body)) {
    throw new BurrowError(ErrorCode.PKI, `PEM block "${m[1]}" does not hold plain base64 data`);
  }
  return Buffer.from(body, 'base64');
}
