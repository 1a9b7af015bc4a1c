// PEM helpers: split a bundle into certificates, decode a PEM block to DER, encode DER as PEM.
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

/** True when the bytes look like PEM text rather than DER (DER certificates start with 0x30). */
function looksLikePem(buf: Buffer): boolean {
  return buf.subarray(0, 64).toString('latin1').includes('-----BEGIN');
}

/** DER of the first certificate in a PEM string, PEM bytes or DER bytes; throws BurrowError(PKI) when there is none. */
export function firstCertDer(certPemOrDer: string | Buffer | Uint8Array): Buffer {
  const buf =
    typeof certPemOrDer === 'string'
      ? undefined
      : Buffer.from(certPemOrDer.buffer, certPemOrDer.byteOffset, certPemOrDer.byteLength);
  if (buf !== undefined && !looksLikePem(buf)) {
    if (buf.length === 0) throw new BurrowError(ErrorCode.PKI, 'expected a certificate, got empty data');
    return buf;
  }
  const text = buf !== undefined ? buf.toString('utf8') : (certPemOrDer as string);
  const first = splitPemCertificates(text)[0];
  if (first === undefined) {
    throw new BurrowError(ErrorCode.PKI, 'expected a PEM "CERTIFICATE" block, found none');
  }
  return pemToDer(first);
}

/** Length of a base64 line in PEM output (RFC 7468). */
const PEM_LINE_LENGTH = 64;

/** Encodes DER as a PEM block with `label` (e.g. "CERTIFICATE"), lines of 64 characters, trailing newline. */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(new RegExp(`.{1,${PEM_LINE_LENGTH}}`, 'g')) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
