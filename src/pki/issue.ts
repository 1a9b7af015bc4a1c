// `issueCert`: a server or client leaf certificate signed by a CA directory, written as PREFIX.crt / PREFIX.key.
import type { webcrypto } from 'node:crypto';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { checkCommonName } from './ca-init.js';
import { loadCa, readIndex, writeIndex, type LoadedCa } from './ca-store.js';
import { x509 } from './crypto-provider.js';
import { checkDays, formatDate, MS_PER_DAY, NOT_BEFORE_SKEW_MS } from './dates.js';
import { certFingerprint } from './fingerprint.js';
import { refuseExisting, writeFileAtomic, PUBLIC_FILE_MODE, SECRET_FILE_MODE } from './files.js';
import { DEFAULT_KEY_TYPE, generateKeyPair, type KeyType } from './key-types.js';
import { sanEntries } from './names.js';
import { exportPkcs8Pem } from './private-key.js';
import { normalizeSerial, randomSerialHex } from './serial.js';

/** Default leaf validity: 397 days, the longest public CAs may issue (CA/Browser Forum). */
export const DEFAULT_LEAF_DAYS = 397;

/** Options of issueCert. */
export interface IssueCertOptions {
  /** The CA directory (ca.crt, ca.key, index.json). */
  caDir: string;
  /** server: EKU serverAuth only; client: EKU clientAuth only. */
  kind: 'server' | 'client';
  /** First name = subject CN (a client's ID); all names that are IP/DNS/URI/email become SANs. */
  names: string[];
  /** Output prefix: writes PREFIX.crt and PREFIX.key. */
  out: string;
  /** Key type of the new key (default ec-p256). */
  keyType?: KeyType;
  /** Validity in days (default 397; never past the CA's own expiry). */
  days?: number;
  /** Passphrase of an encrypted CA key. */
  passphrase?: string;
  /** Replace existing PREFIX.crt / PREFIX.key instead of refusing. */
  overwrite?: boolean;
}

/** What issueCert wrote. */
export interface IssueCertResult {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  serial: string;
  fingerprint: string;
  subject: string;
  sans: x509.JsonGeneralNames;
  notAfter: Date;
  /** Set when the validity was cut short to end with the CA's. */
  clippedToCaExpiry: boolean;
}

/** What to put in a leaf certificate (see signLeaf). */
export interface LeafRequest {
  kind: 'server' | 'client';
  names: string[];
  keyType?: KeyType;
  days?: number;
  /** Sign this key instead of generating one (a CSR's key); then no private key is returned. */
  publicKey?: webcrypto.CryptoKey;
}

/** A signed leaf, in memory. */
export interface SignedLeaf {
  /** The leaf, then the CA when it is an intermediate. */
  certPem: string;
  /** PKCS#8 PEM of the generated key; undefined when the request brought its own public key. */
  keyPem?: string;
  cert: x509.X509Certificate;
  serial: string;
  fingerprint: string;
  sans: x509.JsonGeneralNames;
  clippedToCaExpiry: boolean;
}

/**
 * Signs a leaf certificate with a loaded CA, in memory: subject CN = first name; SANs = every name
 * sorted into IP, DNS, URI (scheme://…) and email (x@y) automatically — a client ID that is none of
 * these (e.g. "Alice Smith") stays CN-only, while "alice" is a valid DNS label and becomes DNS:alice
 * too; EKU serverAuth or clientAuth only; keyUsage digitalSignature (+ keyEncipherment for RSA),
 * critical; CA:FALSE; SKI and AKI (the CA's key id); random 128-bit serial; 397 days by default, never
 * past the CA's expiry. The chain holds the CA certificate only when the CA is an intermediate (a
 * burrow root has pathlen 0, so its leaves stand alone). Throws BurrowError (USAGE for bad
 * names/days, PKI otherwise). Used by issueCert and by anything that issues many (enrollment).
 */
export async function signLeaf(ca: LoadedCa, request: LeafRequest): Promise<SignedLeaf> {
  if (request.names.length === 0) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `a ${request.kind} certificate needs at least one name${request.kind === 'client' ? ' (the client ID)' : ''}`,
    );
  }
  const commonName = checkCommonName(request.names[0]!, 'common name (first name)');
  const sans = sanEntries(request.names, { allowPlainFirst: request.kind === 'client' });
  const days = checkDays(request.days ?? DEFAULT_LEAF_DAYS, 'certificate validity');
  const keyType = request.keyType ?? DEFAULT_KEY_TYPE;
  const now = Date.now();
  if (ca.cert.notAfter.getTime() <= now) {
    throw new BurrowError(ErrorCode.PKI, `CA certificate ${ca.paths.cert} expired on ${formatDate(ca.cert.notAfter)}`);
  }
  let notAfter = new Date(now + days * MS_PER_DAY);
  const clippedToCaExpiry = notAfter > ca.cert.notAfter;
  if (clippedToCaExpiry) notAfter = ca.cert.notAfter;

  const caSki = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  let cert: x509.X509Certificate;
  let keyPem: string | undefined;
  try {
    const keys = request.publicKey ? undefined : await generateKeyPair(keyType);
    const publicKey = request.publicKey ?? keys!.publicKey;
    const rsa = publicKey.algorithm.name.startsWith('RSA');
    const usage = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
    const eku = request.kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([eku]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      caSki
        ? new x509.AuthorityKeyIdentifierExtension(caSki)
        : await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ];
    if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
    cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialHex(),
      subject: [{ CN: [commonName] }],
      // The CA's own encoded name, so issuer and CA subject match byte for byte.
      issuer: ca.cert.subjectName,
      notBefore: new Date(Math.max(now - NOT_BEFORE_SKEW_MS, ca.cert.notBefore.getTime())),
      notAfter,
      publicKey,
      signingKey: ca.key.cryptoKey,
      signingAlgorithm: ca.key.algorithm.signingAlgorithm,
      extensions,
    });
    if (keys) keyPem = await exportPkcs8Pem(keys.privateKey);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `could not issue the ${request.kind} certificate: ${errorMessage(err)}`, {
      cause: err,
    });
  }

  const leafPem = cert.toString('pem') + '\n';
  // An intermediate CA's leaves need it in the chain; a root (self-issued) is the verifier's trust anchor.
  const chain = ca.bundle
    .map((pem) => new x509.X509Certificate(pem))
    .filter((c) => c.subject !== c.issuer)
    .map((c) => c.toString('pem') + '\n');
  return {
    certPem: leafPem + chain.join(''),
    ...(keyPem !== undefined ? { keyPem } : {}),
    cert,
    serial: normalizeSerial(cert.serialNumber),
    fingerprint: certFingerprint(leafPem),
    sans,
    clippedToCaExpiry,
  };
}

/**
 * Issues a leaf certificate from a CA directory (see signLeaf for its contents) and writes
 * PREFIX.crt and PREFIX.key (PKCS#8, 0600). The issuance is recorded in the CA's index.json.
 */
export async function issueCert(opts: IssueCertOptions): Promise<IssueCertResult> {
  if (opts.names.length === 0) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `a ${opts.kind} certificate needs at least one name${opts.kind === 'client' ? ' (the client ID)' : ''}`,
    );
  }
  const certFile = `${opts.out}.crt`;
  const keyFile = `${opts.out}.key`;
  if (!opts.overwrite) await refuseExisting([certFile, keyFile], 'refusing to overwrite it (use --force to replace)');
  const ca = await loadCa(opts.caDir, opts.passphrase === undefined ? {} : { passphrase: opts.passphrase });
  const leaf = await signLeaf(ca, {
    kind: opts.kind,
    names: opts.names,
    ...(opts.keyType ? { keyType: opts.keyType } : {}),
    ...(opts.days !== undefined ? { days: opts.days } : {}),
  });
  const keyPem = leaf.keyPem!;
  await writeFileAtomic(keyFile, keyPem, SECRET_FILE_MODE);
  await writeFileAtomic(certFile, leaf.certPem, PUBLIC_FILE_MODE);

  const { cert, serial, fingerprint } = leaf;
  const index = await readIndex(ca.paths);
  index.issued.push({
    serial,
    kind: opts.kind,
    subject: cert.subject,
    names: opts.names,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    fingerprint,
  });
  await writeIndex(ca.paths, index);
  return {
    certFile,
    keyFile,
    certPem: leaf.certPem,
    keyPem,
    serial,
    fingerprint,
    subject: cert.subject,
    sans: leaf.sans,
    notAfter: cert.notAfter,
    clippedToCaExpiry: leaf.clippedToCaExpiry,
  };
}
