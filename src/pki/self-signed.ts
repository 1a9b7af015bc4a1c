// Generates burrow's self-signed server certificate (EC P-256, SHA-256) with @peculiar/x509.
import { isIP } from 'node:net';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { webcrypto, x509 } from './crypto-provider.js';

/** A certificate and its private key, both PEM (key as PKCS#8). */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** Default validity of a generated server certificate: 10 years, like frps's in-memory one. */
export const DEFAULT_SERVER_CERT_DAYS = 3650;

/** Default subject common name of a generated server certificate. */
export const DEFAULT_SERVER_CN = 'burrow server';

/** Names every generated server certificate covers, so local clients can verify it by pinning or CA. */
const DEFAULT_ALT_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Backdating of notBefore, to tolerate clock skew between hosts (frps uses the same 1 h). */
const NOT_BEFORE_SKEW_MS = 60 * 60 * 1000;

/** Milliseconds per day. */
const MS_PER_DAY = 24 * 60 * 60 * 1000;

/** Serial number size: 128 random bits (RFC 5280 allows up to 20 octets). */
const SERIAL_BYTES = 16;

/** EC curve and signature of generated keys. */
const EC_KEY_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A random positive serial as hex: top bit cleared (positive INTEGER), first octet non-zero (minimal DER). */
function randomSerialHex(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(SERIAL_BYTES));
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return Buffer.from(bytes).toString('hex');
}

/** SAN entries: defaults plus `altNames`, de-duplicated; IP literals as IP SANs, the rest as DNS names. */
function subjectAltNames(altNames: string[]): x509.JsonGeneralNames {
  const seen = new Set<string>();
  const out: x509.JsonGeneralNames = [];
  for (const raw of [...DEFAULT_ALT_NAMES, ...altNames]) {
    const name = raw.trim();
    if (name === '' || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push({ type: isIP(name) ? 'ip' : 'dns', value: name });
  }
  return out;
}

/**
 * Creates a self-signed TLS server certificate: EC P-256 key, ecdsa-with-SHA256, random 128-bit
 * serial, valid from 1 h ago for `days` (default 10 years), CN `commonName` (default "burrow
 * server"), SANs localhost/127.0.0.1/::1 plus `altNames`, EKU serverAuth, keyUsage
 * digitalSignature, CA:false and a subject key identifier. Throws BurrowError(PKI) on failure.
 */
export async function generateSelfSignedServerCert(
  opts: { commonName?: string; days?: number; altNames?: string[] } = {},
): Promise<PemPair> {
  const days = opts.days ?? DEFAULT_SERVER_CERT_DAYS;
  if (!Number.isInteger(days) || days <= 0) {
    throw new BurrowError(ErrorCode.PKI, `certificate validity must be a positive whole number of days, got ${days}`);
  }
  const commonName = opts.commonName ?? DEFAULT_SERVER_CN;
  try {
    const keys = await webcrypto.subtle.generateKey(EC_KEY_ALG, true, ['sign', 'verify']);
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerialHex(),
      // JSON name form, so a CN with commas or equals signs needs no escaping.
      name: [{ CN: [commonName] }],
      notBefore: new Date(now - NOT_BEFORE_SKEW_MS),
      notAfter: new Date(now + days * MS_PER_DAY),
      signingAlgorithm: EC_SIGN_ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(subjectAltNames(opts.altNames ?? [])),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return {
      certPem: cert.toString('pem') + '\n',
      keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n',
    };
  } catch (err) {
    if (err instanceof BurrowError) throw err;
    throw new BurrowError(ErrorCode.PKI, `could not generate a self-signed certificate: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
