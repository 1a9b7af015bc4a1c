// Trusted CAs and CRLs from settings: a file, inline data (PEM, hex: or base64: DER), or both.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { parseCertificates, readPemFile } from './key-material.js';

/** The first byte of any DER structure we accept here (ASN.1 SEQUENCE). */
const DER_SEQUENCE = 0x30;

/** Width of base64 lines in the PEM we produce from DER. */
const PEM_LINE_LENGTH = 64;

/** DER bytes as a PEM block with the given label. */
export function derToPem(der: Buffer, label: string): string {
  const body = der.toString('base64').match(new RegExp(`.{1,${PEM_LINE_LENGTH}}`, 'g'))?.join('\n') ?? '';
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/**
 * Decodes transport.tls.trustedCaData: PEM as is, or `hex:<DER>` / `base64:<DER>` (whitespace
 * allowed, as xpra's ssl-ca-data). Throws BurrowError(TLS) naming the key when it is not a certificate.
 */
export function decodeCaData(value: string, key = 'transport.tls.trustedCaData'): string {
  const v = value.trim();
  let pem: string;
  if (v.includes('-----BEGIN')) {
    pem = v;
  } else {
    const match = /^(hex|base64):([\s\S]*)$/.exec(v);
    if (!match) throw new BurrowError(ErrorCode.TLS, `${key}: expected PEM, "hex:…" or "base64:…"`);
    const digits = match[2]!.replace(/\s+/g, '');
    const der = Buffer.from(digits, match[1] as 'hex' | 'base64');
    if (der.length === 0) throw new BurrowError(ErrorCode.TLS, `${key}: the ${match[1]} data is empty`);
    pem = derToPem(der, 'CERTIFICATE');
  }
  parseCertificates(pem, 'CA in', key);
  return pem;
}

/** The trusted CA bundle from a file and/or inline data; undefined when neither is set. */
export async function loadTrustedCa(file: string, data: string): Promise<string | undefined> {
  const parts: string[] = [];
  if (file) {
    const pem = await readPemFile(file, 'trusted CA file');
    parseCertificates(pem, 'trusted CA file', file);
    parts.push(pem);
  }
  if (data) parts.push(decodeCaData(data));
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/** A CRL file as PEM (DER files are converted); throws BurrowError(TLS) naming the file. */
export async function loadCrl(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new BurrowError(ErrorCode.TLS, `cannot read CRL file ${file}: ${errorMessage(err)}`, { cause: err });
  }
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN X509 CRL-----')) return text;
  if (bytes[0] !== DER_SEQUENCE) throw new BurrowError(ErrorCode.TLS, `CRL file ${file} is neither a PEM "X509 CRL" block nor DER`);
  return derToPem(bytes, 'X509 CRL');
}

/** Subjects of the certificates in a PEM bundle, for messages. */
export function describeCertificates(pem: string): string {
  try {
    return parseCertificates(pem, 'bundle', '(inline)')
      .map((c: X509Certificate) => c.subject.replace(/\n/g, ', '))
      .join('; ');
  } catch (err) {
    return `(unparsable: ${errorMessage(err)})`;
  }
}
