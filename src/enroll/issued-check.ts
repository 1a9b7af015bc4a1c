// Client side: checks that the certificate a server returned is ours — our key, our identity, issued by the expected CA.
import { X509Certificate } from 'node:crypto';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { verifyCert } from '../pki/index.js';

/**
 * Throws BurrowError(PKI) unless `certPem`'s first certificate certifies `publicKeyDer` (SPKI),
 * has subject CN = identity, and verifies against `caPem` for client use.
 */
export async function checkIssuedCert(
  certPem: string,
  opts: { identity: string; publicKeyDer: Buffer; caPem: string },
): Promise<void> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `the certificate the server returned does not parse: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!spki.equals(opts.publicKeyDer))
    throw new BurrowError(ErrorCode.PKI, 'the certificate the server returned is not for the key we generated');
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  if (cn !== opts.identity) {
    throw new BurrowError(
      ErrorCode.PKI,
      `the certificate the server returned is for "${cn ?? '(no CN)'}", not "${opts.identity}"`,
    );
  }
  const verdict = await verifyCert({ certPem, caPem: opts.caPem, purpose: 'client' });
  if (!verdict.ok)
    throw new BurrowError(
      ErrorCode.PKI,
      `the certificate the server returned does not verify with the CA: ${verdict.reason}`,
    );
}
