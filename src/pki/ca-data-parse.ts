// Reads inline CA data (trustedCaData: PEM, hex or base64) with node:crypto only, so client TLS skips @peculiar/x509.
import { X509Certificate } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';
import { derToPem, pemToDer, splitPemCertificates } from './pem.js';

/** Prefix of hex-encoded inline CA data. */
export const HEX_PREFIX = 'hex:';

/** Prefix of base64-encoded inline CA data. */
export const BASE64_PREFIX = 'base64:';

/** Largest inline CA value we decode (a bundle of a few CAs fits easily). */
const MAX_CA_DATA_CHARS = 1024 * 1024;

/** Marks PEM text. */
const PEM_BEGIN = '-----BEGIN';

/** Decoded bytes → PEM: PEM text (xpra hex-encodes the PEM file) or the DER of one certificate. */
function bytesToPem(bytes: Buffer, form: string): string {
  const text = bytes.toString('latin1');
  if (text.includes(PEM_BEGIN)) return bytes.toString('utf8');
  if (bytes.length === 0 || bytes[0] !== 0x30) {
    throw new BurrowError(ErrorCode.PKI, `${form} CA data decodes to neither PEM text nor a DER certificate`);
  }
  return derToPem(bytes, 'CERTIFICATE');
}

/** Decodes strict hex (whitespace and colons ignored); throws BurrowError(PKI). */
function decodeHex(s: string): Buffer {
  const clean = s.replace(/[\s:]/g, '');
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(clean)) {
    throw new BurrowError(ErrorCode.PKI, 'hex CA data is not an even number of hex digits');
  }
  return Buffer.from(clean, 'hex');
}

/** Decodes strict base64 (whitespace ignored); throws BurrowError(PKI). */
function decodeBase64(s: string): Buffer {
  const clean = s.replace(/\s+/g, '');
  if (clean.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new BurrowError(ErrorCode.PKI, 'base64 CA data is not valid base64');
  }
  return Buffer.from(clean, 'base64');
}

/**
 * Turns an inline CA value into PEM: PEM text as is; "hex:…" or "base64:…" holding either the DER
 * of a certificate or the PEM file's bytes (xpra's `ssl-ca-data` hex-encodes the PEM); a bare hex
 * string is read like "hex:" (xpra's form). Every certificate in the result must parse. Throws
 * BurrowError(PKI) saying what was expected.
 */
export function parseCaData(value: string): string {
  const v = value.trim();
  if (v.length > MAX_CA_DATA_CHARS) {
    throw new BurrowError(ErrorCode.PKI, `CA data is ${v.length} characters; expected at most ${MAX_CA_DATA_CHARS}`);
  }
  let pem: string;
  if (v.startsWith(PEM_BEGIN)) pem = v;
  else if (v.toLowerCase().startsWith(HEX_PREFIX)) pem = bytesToPem(decodeHex(v.slice(HEX_PREFIX.length)), 'hex');
  else if (v.toLowerCase().startsWith(BASE64_PREFIX))
    pem = bytesToPem(decodeBase64(v.slice(BASE64_PREFIX.length)), 'base64');
  else if (/^[0-9a-f\s]+$/i.test(v)) pem = bytesToPem(decodeHex(v), 'hex');
  else {
    throw new BurrowError(
      ErrorCode.PKI,
      'CA data must be PEM ("-----BEGIN CERTIFICATE-----…"), "hex:<hex>" or "base64:<base64>"',
    );
  }
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) throw new BurrowError(ErrorCode.PKI, 'CA data holds no "CERTIFICATE"');
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(pemToDer(b));
    } catch (err) {
      throw new BurrowError(ErrorCode.PKI, `CA data: certificate #${i + 1} does not parse: ${(err as Error).message}`, {
        cause: err,
      });
    }
  });
  return blocks.join('');
}
