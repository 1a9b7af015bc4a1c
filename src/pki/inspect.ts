// `inspectCert`: the facts of a certificate people check (names, EKU, validity, key, fingerprint) as plain data.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { x509 } from './crypto-provider.js';
import { certFingerprint } from './fingerprint.js';
import { keyLabel } from './key-types.js';
import { firstCertDer } from './pem.js';
import { normalizeSerial } from './serial.js';

/** Short names of the extended key usages people meet, by OID. */
const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

/** Key usage bits in display order. */
const KEY_USAGE_NAMES: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

/** Subject alternative names by kind. */
export interface SanList {
  dns: string[];
  ip: string[];
  uri: string[];
  email: string[];
}

/** What inspectCert reports. */
export interface CertInfo {
  subject: string;
  issuer: string;
  /** Lowercase hex, no leading zero octets. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  sans: SanList;
  /** Extended key usages by short name (OID when unknown); empty when the extension is absent (any use). */
  eku: string[];
  /** Key usage bits by name; empty when the extension is absent. */
  keyUsage: string[];
  /** e.g. "EC P-256", "RSA 2048". */
  keyType: string;
  /** e.g. "ecdsa-with-SHA256" or "sha256WithRSAEncryption" style name from WebCrypto terms. */
  signatureAlgorithm: string;
  isCa: boolean;
  /** basicConstraints pathLenConstraint, when present. */
  pathLen?: number;
  /** Subject and issuer are the same name (a root or a self-signed certificate). */
  selfIssued: boolean;
  /** "sha256:<hex>" of the DER. */
  fingerprint: string;
}

/** Parses DER into @peculiar/x509's certificate; throws BurrowError(PKI). */
export function parseCertDer(der: Uint8Array): x509.X509Certificate {
  try {
    return new x509.X509Certificate(der);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `the certificate does not parse: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Runs `fn` over a parsed certificate's lazily decoded parts (extensions, key parameters): a
 * malformed part throws the ASN.1 library's plain Error, turned here into BurrowError(PKI).
 */
function decoded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BurrowError) throw err;
    throw new BurrowError(ErrorCode.PKI, `the certificate's ${what} does not parse: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** The SANs of a parsed certificate, by kind (IPs as Node prints them, e.g. "::1"); BurrowError(PKI) when malformed. */
export function sanList(cert: x509.X509Certificate): SanList {
  return decoded('subjectAltName', () => sanListOf(cert));
}

function sanListOf(cert: x509.X509Certificate): SanList {
  const out: SanList = { dns: [], ip: [], uri: [], email: [] };
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const item of ext?.names.items ?? []) {
    if (item.type === 'dns') out.dns.push(item.value);
    else if (item.type === 'ip') out.ip.push(item.value);
    else if (item.type === 'url') out.uri.push(item.value);
    else if (item.type === 'email') out.email.push(item.value);
  }
  return out;
}

/** Extended key usages of a parsed certificate by short name; empty when absent; BurrowError(PKI) when malformed. */
export function ekuList(cert: x509.X509Certificate): string[] {
  return decoded('extendedKeyUsage', () => {
    const ext = cert.getExtension(x509.ExtendedKeyUsageExtension);
    return Array.from(ext?.usages ?? [], (oid) => EKU_NAMES[String(oid)] ?? String(oid));
  });
}

/** Human form of a signature algorithm, e.g. "ECDSA SHA-256", "RSASSA-PKCS1-v1_5 SHA-256". */
function signatureName(cert: x509.X509Certificate): string {
  const alg = cert.signatureAlgorithm as { name?: string; hash?: { name?: string } };
  return [alg.name, alg.hash?.name].filter(Boolean).join(' ') || 'unknown';
}

/**
 * Parses a certificate (PEM text or bytes, or DER; the first of a bundle) and reports subject,
 * issuer, serial, validity, SANs by kind, EKU, key usage, key type, CA flag and SHA-256
 * fingerprint. Throws BurrowError(PKI) when there is no parsable certificate or a part of it
 * (an extension, the signature parameters) is malformed.
 */
export function inspectCert(pemOrDer: string | Buffer | Uint8Array): CertInfo {
  const der = firstCertDer(pemOrDer);
  const cert = parseCertDer(der);
  let keyType = 'unknown';
  try {
    keyType = keyLabel(new NodeX509(der).publicKey);
  } catch {
    // A key algorithm Node does not know: the rest of the report still stands.
  }
  return decoded('extensions or signature algorithm', () => report(cert, der, keyType));
}

/** The CertInfo of a parsed certificate (reads the lazily decoded parts). */
function report(cert: x509.X509Certificate, der: Buffer, keyType: string): CertInfo {
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const info: CertInfo = {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: normalizeSerial(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sans: sanList(cert),
    eku: ekuList(cert),
    keyUsage: ku ? KEY_USAGE_NAMES.filter(([bit]) => (ku.usages & bit) !== 0).map(([, name]) => name) : [],
    keyType,
    signatureAlgorithm: signatureName(cert),
    isCa: bc?.ca === true,
    selfIssued: cert.subject === cert.issuer,
    fingerprint: certFingerprint(der),
  };
  if (bc?.pathLength !== undefined) info.pathLen = bc.pathLength;
  return info;
}
