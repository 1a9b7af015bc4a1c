// `initCa`: creates a root CA (certificate, key, empty index) in a directory, refusing to overwrite one.
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { caPaths, emptyIndex, writeIndex } from './ca-store.js';
import { x509 } from './crypto-provider.js';
import { checkDays, MS_PER_DAY, NOT_BEFORE_SKEW_MS } from './dates.js';
import { certFingerprint } from './fingerprint.js';
import { ensurePrivateDir, refuseExisting, writeFileAtomic, PUBLIC_FILE_MODE, SECRET_FILE_MODE } from './files.js';
import { DEFAULT_KEY_TYPE, generateKeyPair, signingAlgorithmOf, type KeyType } from './key-types.js';
import { exportPkcs8Pem } from './private-key.js';
import { randomSerialHex } from './serial.js';

/** Default CA validity: 10 years. */
export const DEFAULT_CA_DAYS = 3650;

/** Default CA subject common name. */
export const DEFAULT_CA_NAME = 'burrow CA';

/** Longest common name X.509 allows (ub-common-name). */
export const MAX_COMMON_NAME_LENGTH = 64;

/** Options of initCa. */
export interface InitCaOptions {
  /** Directory for ca.crt, ca.key, index.json (created 0700 when missing). */
  dir: string;
  /** Subject CN (default "burrow CA"). */
  name?: string;
  /** Key type (default ec-p256). */
  keyType?: KeyType;
  /** Validity in days (default 3650). */
  days?: number;
}

/** What initCa wrote. */
export interface InitCaResult {
  certFile: string;
  keyFile: string;
  certPem: string;
  fingerprint: string;
  notAfter: Date;
  subject: string;
}

/** Checks a common name is non-empty and within X.509's length limit; throws BurrowError(USAGE). */
export function checkCommonName(name: string, what: string): string {
  const n = name.trim();
  if (n === '') throw new BurrowError(ErrorCode.USAGE, `${what} must not be empty`);
  if (n.length > MAX_COMMON_NAME_LENGTH) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `${what} "${n}" is ${n.length} characters; X.509 allows at most ${MAX_COMMON_NAME_LENGTH}`,
    );
  }
  return n;
}

/**
 * Creates a self-signed root CA in `dir`: ca.crt (CA:TRUE pathlen 0 critical, keyUsage
 * keyCertSign+cRLSign critical, SKI and AKI, random positive 128-bit serial, SHA-256 or SHA-384
 * for P-384), ca.key (PKCS#8, 0600) and an empty index.json. Refuses with BurrowError(PKI) naming
 * the file when a CA (ca.crt or ca.key) is already there.
 */
export async function initCa(opts: InitCaOptions): Promise<InitCaResult> {
  const name = checkCommonName(opts.name ?? DEFAULT_CA_NAME, 'CA name');
  const days = checkDays(opts.days ?? DEFAULT_CA_DAYS, 'CA validity');
  const keyType = opts.keyType ?? DEFAULT_KEY_TYPE;
  const paths = caPaths(opts.dir);
  const hint = 'refusing to overwrite an existing CA (choose another --dir, or remove the old CA first)';
  await refuseExisting([paths.cert, paths.key], hint);
  await ensurePrivateDir(opts.dir);

  let cert: x509.X509Certificate;
  let keyPem: string;
  try {
    const keys = await generateKeyPair(keyType);
    const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
    const now = Date.now();
    cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerialHex(),
      name: [{ CN: [name] }],
      notBefore: new Date(now - NOT_BEFORE_SKEW_MS),
      notAfter: new Date(now + days * MS_PER_DAY),
      signingAlgorithm: signingAlgorithmOf(keyType).signingAlgorithm,
      keys,
      extensions: [
        // pathlen 0: this CA signs leaves only, never another CA.
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        ski,
        new x509.AuthorityKeyIdentifierExtension(ski.keyId),
      ],
    });
    keyPem = await exportPkcs8Pem(keys.privateKey);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `could not create the CA: ${errorMessage(err)}`, { cause: err });
  }
  const certPem = cert.toString('pem') + '\n';
  // Key first: a ca.crt without its key would look like a usable CA.
  await writeFileAtomic(paths.key, keyPem, SECRET_FILE_MODE);
  await writeFileAtomic(paths.cert, certPem, PUBLIC_FILE_MODE);
  await writeIndex(paths, emptyIndex());
  return {
    certFile: paths.cert,
    keyFile: paths.key,
    certPem,
    fingerprint: certFingerprint(certPem),
    notAfter: cert.notAfter,
    subject: cert.subject,
  };
}
