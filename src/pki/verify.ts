// `verifyCert`: checks a certificate against a CA ourselves (signature, validity, revocation, purpose, host) with an exact reason.
import { BurrowError, ErrorCode } from '../errors.js';
import { isCaCert } from './ca-store.js';
import { x509 } from './crypto-provider.js';
import { formatDate } from './dates.js';
import { matchHost } from './hostname.js';
import { ekuList, inspectCert, parseCertDer, sanList, type CertInfo } from './inspect.js';
import { pemToDer, splitPemCertificates } from './pem.js';

/** Most intermediates we walk between a leaf and the CA (real chains have 0–2). */
const MAX_CHAIN_DEPTH = 8;

/** What a certificate is used for: a TLS server or a TLS client. */
export type CertPurpose = 'server' | 'client';

/** The EKU each purpose needs. */
const PURPOSE_EKU: Record<CertPurpose, string> = { server: 'serverAuth', client: 'clientAuth' };

/** Options of verifyCert. */
export interface VerifyCertOptions {
  /** The certificate (PEM); further blocks after it are intermediates. */
  certPem: string;
  /** Trusted CA certificate(s), PEM. */
  caPem: string;
  /** Host name or IP address the certificate must name (in its SANs). */
  host?: string;
  /** Required use: server needs EKU serverAuth, client clientAuth (when the certificate has an EKU). */
  purpose?: CertPurpose;
  /** Point in time to check validity at (default now). */
  at?: Date;
  /** A CRL (PEM) of the CA; a listed serial fails with "revoked on …". */
  crlPem?: string;
}

/** Result of verifyCert: ok with the leaf's facts, or the reason it failed. */
export type VerifyResult = { ok: true; leaf: CertInfo } | { ok: false; reason: string };

/** Parses every certificate block of `pem`; throws BurrowError(PKI) naming `what` when there is none. */
function parseAll(pem: string, what: string): x509.X509Certificate[] {
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) throw new BurrowError(ErrorCode.PKI, `${what} holds no PEM "CERTIFICATE" block`);
  return blocks.map((b) => parseCertDer(pemToDer(b)));
}

/** True when `issuer`'s key verifies `cert`'s signature. */
async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  try {
    return await cert.verify({ publicKey: issuer, signatureOnly: true });
  } catch {
    return false;
  }
}

/** Byte equality of two certificates. */
function sameCert(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}

/** The validity failure of `cert` at `at`, if any; `label` prefixes it for CA/intermediates. */
function validityReason(cert: x509.X509Certificate, at: Date, label: string): string | undefined {
  if (at < cert.notBefore) return `${label}not yet valid until ${formatDate(cert.notBefore)}`;
  if (at > cert.notAfter) return `${label}expired on ${formatDate(cert.notAfter)}`;
  return undefined;
}

/** Walks from the leaf to a trusted CA: the path (leaf first, anchor last) or the reason there is none. */
async function buildPath(
  leaf: x509.X509Certificate,
  intermediates: x509.X509Certificate[],
  anchors: x509.X509Certificate[],
): Promise<{ path: x509.X509Certificate[] } | { reason: string }> {
  // A self-signed certificate given as its own trust anchor (xpra's "copy the cert to the client").
  if (anchors.some((a) => sameCert(a, leaf))) return { path: [leaf] };
  const path = [leaf];
  let current = leaf;
  for (let depth = 0; depth <= MAX_CHAIN_DEPTH; depth++) {
    for (const anchor of anchors) {
      if (await signedBy(current, anchor)) {
        if (!isCaCert(anchor)) {
          return {
            reason: `the given CA certificate (${anchor.subject}) is not a CA: basicConstraints CA:TRUE is missing`,
          };
        }
        return { path: [...path, anchor] };
      }
    }
    let next: x509.X509Certificate | undefined;
    for (const candidate of intermediates) {
      if (!path.includes(candidate) && isCaCert(candidate) && (await signedBy(current, candidate))) {
        next = candidate;
        break;
      }
    }
    if (next === undefined) break;
    path.push(next);
    current = next;
  }
  const who = current === leaf ? 'certificate' : `intermediate ${current.subject}`;
  const cas = anchors.map((a) => a.subject).join('; ');
  return { reason: `not signed by the given CA: the ${who} was issued by "${current.issuer}", the CA is "${cas}"` };
}

/** Checks `crlPem` belongs to the leaf's issuer and lists the leaf: the reason, or undefined. */
async function revocationReason(
  leaf: x509.X509Certificate,
  issuer: x509.X509Certificate,
  crlPem: string,
  at: Date,
): Promise<string | undefined> {
  let crl: x509.X509Crl;
  try {
    crl = new x509.X509Crl(pemToDer(crlPem));
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `the CRL does not parse: ${(err as Error).message}`, { cause: err });
  }
  let signed = crl.issuer === issuer.subject;
  if (signed) {
    try {
      signed = await crl.verify({ publicKey: issuer });
    } catch {
      signed = false;
    }
  }
  if (!signed) return `the CRL (issuer "${crl.issuer}") is not signed by the certificate's CA "${issuer.subject}"`;
  if (crl.nextUpdate && at > crl.nextUpdate)
    return `the CRL expired on ${formatDate(crl.nextUpdate)} (nextUpdate); make a new one`;
  const entry = crl.findRevoked(leaf.serialNumber);
  return entry ? `revoked on ${formatDate(entry.revocationDate)}` : undefined;
}

/** The purpose failure of the leaf, if any (EKU when present, keyUsage digitalSignature when present). */
function purposeReason(leaf: x509.X509Certificate, purpose: CertPurpose): string | undefined {
  const need = PURPOSE_EKU[purpose];
  const eku = ekuList(leaf);
  // No EKU extension means any use (RFC 5280 §4.2.1.12).
  if (eku.length > 0 && !eku.includes(need) && !eku.includes('anyExtendedKeyUsage')) {
    return `wrong purpose: certificate has EKU ${eku.join(', ')}, ${purpose} use needs ${need}`;
  }
  const ku = leaf.getExtension(x509.KeyUsagesExtension);
  if (ku && (ku.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
    return `wrong purpose: key usage lacks digitalSignature, which TLS ${purpose} certificates need`;
  }
  return undefined;
}

/**
 * Verifies a certificate without node:tls: that it chains to a given CA (signatures via
 * @peculiar/x509, intermediates taken from after the leaf in `certPem`), that it and its issuers
 * are valid at `at`, that the CRL (if any) is the CA's and does not list it, that its EKU allows
 * `purpose`, and that `host` is one of its DNS/IP SANs (wildcards in the left-most label; no CN
 * fallback). Returns the first failure's exact reason, e.g. "expired on 2026-01-01T00:00:00Z".
 * Throws BurrowError(PKI) only when the inputs do not parse.
 */
export async function verifyCert(opts: VerifyCertOptions): Promise<VerifyResult> {
  const at = opts.at ?? new Date();
  const [leaf, ...intermediates] = parseAll(opts.certPem, 'the certificate');
  const anchors = parseAll(opts.caPem, 'the CA file');
  const built = await buildPath(leaf!, intermediates, anchors);
  if ('reason' in built) return { ok: false, reason: built.reason };
  const path = built.path;

  for (const [i, cert] of path.entries()) {
    const label =
      i === 0 ? '' : i === path.length - 1 ? `CA certificate ${cert.subject} ` : `intermediate ${cert.subject} `;
    const reason = validityReason(cert, at, label);
    if (reason) return { ok: false, reason };
  }
  if (opts.crlPem !== undefined && path.length > 1) {
    const reason = await revocationReason(leaf!, path[1]!, opts.crlPem, at);
    if (reason) return { ok: false, reason };
  }
  if (opts.purpose) {
    const reason = purposeReason(leaf!, opts.purpose);
    if (reason) return { ok: false, reason };
  }
  if (opts.host !== undefined) {
    const m = matchHost(opts.host, sanList(leaf!));
    if (!m.ok) return { ok: false, reason: m.reason };
  }
  return { ok: true, leaf: inspectCert(Buffer.from(leaf!.rawData)) };
}
