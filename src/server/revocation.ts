// Which live client certificates a freshly loaded CRL revokes (the handshake only checks new connections).
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { inspectCert, parseCrl } from '../pki/index.js';
import type { ServerTls } from '../tls/index.js';
import type { PeerInfo } from './control.js';

/** Answers whether a client certificate (DER) is revoked: the revocation date, or undefined. */
export type RevocationCheck = (certDer: Buffer) => Date | undefined;

/**
 * A check against `crlPem`, parsed once: a certificate is revoked when the CRL's issuer is the
 * certificate's issuer and lists its serial (as Node's own CRL check decides at handshake time).
 * Throws BurrowError(PKI) when the CRL does not parse; a certificate that does not parse is
 * reported as not revoked (it passed the handshake, so Node could read it).
 */
export function revocationCheck(crlPem: string): RevocationCheck {
  const crl = parseCrl(crlPem);
  const revoked = new Map(crl.entries.map((e) => [e.serial, e.revokedAt]));
  return (certDer) => {
    let cert;
    try {
      cert = inspectCert(certDer);
    } catch {
      return undefined;
    }
    return cert.issuer === crl.issuer ? revoked.get(cert.serial) : undefined;
  };
}

/**
 * For the CRL in `tls` (undefined when there is none): why a peer's client certificate is now
 * revoked, or undefined when it is not (or the peer presented none). Each peer is checked once.
 */
export function revokedReasons(tls: ServerTls, logger: Logger): ((peer: PeerInfo) => string | undefined) | undefined {
  const crl = tls.secureContextOptions.crl;
  if (typeof crl !== 'string' || crl === '') return undefined;
  let check: RevocationCheck;
  try {
    check = revocationCheck(crl);
  } catch (err) {
    // Node accepted the same CRL for its handshakes, so this is unexpected; live sessions stay.
    logger.error({ err: errorMessage(err) }, 'CRL does not parse; live sessions were not checked against it');
    return undefined;
  }
  const seen = new Map<PeerInfo, string | undefined>();
  return (peer) => {
    if (!peer.clientCert) return undefined;
    if (!seen.has(peer)) {
      const when = check(peer.clientCert);
      seen.set(peer, when ? `client certificate is revoked (the CRL lists it since ${when.toISOString()})` : undefined);
    }
    return seen.get(peer);
  };
}
