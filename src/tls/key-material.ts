// Reads PEM certificate/key files and checks that they parse and belong together, naming the file on error.
import { readFile } from 'node:fs/promises';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { splitPemCertificates } from '../pki/pem.js';

/** Largest PEM file we read: a long chain or CA bundle fits easily; anything bigger is a wrong path. */
const MAX_PEM_FILE_BYTES = 4 * 1024 * 1024;

/** Reads a PEM file as text; throws BurrowError(TLS) naming `what` and the file when it cannot. */
export async function readPemFile(file: string, what: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new BurrowError(ErrorCode.TLS, `cannot read ${what} ${file}: ${errorMessage(err)}`, { cause: err });
  }
  if (buf.length > MAX_PEM_FILE_BYTES) {
    throw new BurrowError(
      ErrorCode.TLS,
      `${what} ${file} is ${buf.length} bytes; expected a PEM file of at most ${MAX_PEM_FILE_BYTES} bytes`,
    );
  }
  return buf.toString('utf8');
}

/** Parses the certificates of a PEM file; throws BurrowError(TLS) naming the file when there is none or one is invalid. */
export function parseCertificates(pem: string, what: string, file: string): X509Certificate[] {
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) {
    throw new BurrowError(ErrorCode.TLS, `${what} ${file} holds no PEM "CERTIFICATE" block`);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new BurrowError(
        ErrorCode.TLS,
        `${what} ${file}: certificate #${i + 1} does not parse: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  });
}

/** Parses a private key (PKCS#8, PKCS#1 RSA or SEC1 EC PEM); throws BurrowError(TLS) naming the file. */
export function parsePrivateKey(pem: string, file: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    const hint = /ENCRYPTED/.test(pem) ? ' (encrypted keys are not supported; decrypt it first)' : '';
    throw new BurrowError(ErrorCode.TLS, `private key file ${file} does not parse${hint}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/**
 * Checks that `certPem` holds at least one certificate and `keyPem` the private key of the first
 * one. Throws BurrowError(TLS) naming the offending file.
 */
export function checkCertKeyPair(certPem: string, certFile: string, keyPem: string, keyFile: string): void {
  const [leaf] = parseCertificates(certPem, 'certificate file', certFile);
  const key = parsePrivateKey(keyPem, keyFile);
  if (!leaf!.checkPrivateKey(key)) {
    throw new BurrowError(ErrorCode.TLS, `private key file ${keyFile} does not match the certificate in ${certFile}`);
  }
}
