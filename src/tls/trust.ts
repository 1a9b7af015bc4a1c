// Trusted CAs and CRLs from settings: a file, inline data (PEM, hex: or base64: DER), or both.
import { readFile } from 'node:fs/promises';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { parseCaData } from '../pki/ca-data-parse.js';
import { derToPem } from '../pki/pem.js';
import { parseCertificates, readPemFile } from './key-material.js';

/** The first byte of any DER structure we accept here (ASN.1 SEQUENCE). */
const DER_SEQUENCE = 0x30;

/**
 * Decodes transport.tls.trustedCaData (PEM, `hex:<DER>` or `base64:<DER>`, as xpra's ssl-ca-data)
 * with the PKI's parser; a bad value is a BurrowError(TLS) naming the key.
 */
export function decodeCaData(value: string, key = 'transport.tls.trustedCaData'): string {
  try {
    return parseCaData(value);
  } catch (err) {
    throw new BurrowError(ErrorCode.TLS, `${key}: ${errorMessage(err)}`, { cause: err });
  }
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
  if (bytes[0] !== DER_SEQUENCE)
    throw new BurrowError(ErrorCode.TLS, `CRL file ${file} is neither a PEM "X509 CRL" block nor DER`);
  return derToPem(bytes, 'X509 CRL');
}
