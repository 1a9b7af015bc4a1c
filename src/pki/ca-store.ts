// A CA directory: its file names, loading the CA certificate and key, and the index of issued/revoked serials.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { x509 } from './crypto-provider.js';
import { exists, readTextFile, writeFileAtomic, PUBLIC_FILE_MODE } from './files.js';
import { splitPemCertificates } from './pem.js';
import { readPrivateKey, toSigningKey, type SigningKey } from './private-key.js';

/** The files of a CA directory. */
export interface CaPaths {
  dir: string;
  /** The CA certificate (PEM). */
  cert: string;
  /** The CA private key (PEM, 0600). */
  key: string;
  /** Issued and revoked serials (JSON). */
  index: string;
  /** The latest CRL (PEM), once `generateCrl` ran. */
  crl: string;
}

/** File names inside a CA directory. */
export function caPaths(dir: string): CaPaths {
  return {
    dir,
    cert: join(dir, 'ca.crt'),
    key: join(dir, 'ca.key'),
    index: join(dir, 'index.json'),
    crl: join(dir, 'crl.pem'),
  };
}

/** One certificate the CA issued, as recorded in index.json. */
export interface IssuedEntry {
  serial: string;
  kind: 'server' | 'client';
  subject: string;
  names: string[];
  notBefore: string;
  notAfter: string;
  fingerprint: string;
}

/** One revoked serial, as recorded in index.json. */
export interface RevokedEntry {
  serial: string;
  revokedAt: string;
}

/** The CA's record of what it issued and revoked. */
export interface CaIndex {
  version: 1;
  /** Number of the last CRL written (0: none yet); each CRL gets the next one. */
  crlNumber: number;
  issued: IssuedEntry[];
  revoked: RevokedEntry[];
}

/** Schema of index.json, so a hand-edited or foreign file fails with a precise message. */
const IndexSchema = z.object({
  version: z.literal(1),
  crlNumber: z.number().int().nonnegative(),
  issued: z.array(
    z.object({
      serial: z.string(),
      kind: z.enum(['server', 'client']),
      subject: z.string(),
      names: z.array(z.string()),
      notBefore: z.string(),
      notAfter: z.string(),
      fingerprint: z.string(),
    }),
  ),
  revoked: z.array(z.object({ serial: z.string(), revokedAt: z.string() })),
});

/** An empty index (a new CA, or a CA made elsewhere that burrow has not recorded anything for). */
export function emptyIndex(): CaIndex {
  return { version: 1, crlNumber: 0, issued: [], revoked: [] };
}

/** Reads DIR/index.json; a missing file is an empty index (a CA made by openssl works too). */
export async function readIndex(paths: CaPaths): Promise<CaIndex> {
  if (!(await exists(paths.index))) return emptyIndex();
  const text = await readTextFile(paths.index, 'CA index');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `CA index ${paths.index} is not valid JSON: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const parsed = IndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BurrowError(
      ErrorCode.PKI,
      `CA index ${paths.index}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

/** Writes DIR/index.json atomically. */
export async function writeIndex(paths: CaPaths, index: CaIndex): Promise<void> {
  await writeFileAtomic(paths.index, `${JSON.stringify(index, null, 2)}\n`, PUBLIC_FILE_MODE);
}

/** A CA loaded from its directory, ready to sign. */
export interface LoadedCa {
  paths: CaPaths;
  /** The CA certificate (first block of ca.crt). */
  certPem: string;
  cert: x509.X509Certificate;
  /** Every certificate block of ca.crt, in order (an intermediate CA may keep its chain there). */
  bundle: string[];
  key: SigningKey;
}

/** Parses the first certificate of a PEM text with @peculiar/x509; throws BurrowError(PKI) naming `what`. */
export function parseCertPem(pem: string, what: string): x509.X509Certificate {
  const first = splitPemCertificates(pem)[0];
  if (first === undefined) throw new BurrowError(ErrorCode.PKI, `${what} holds no PEM "CERTIFICATE" block`);
  try {
    return new x509.X509Certificate(first);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `${what} does not parse as a certificate: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** True when the certificate says CA:TRUE in basicConstraints. */
export function isCaCert(cert: x509.X509Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

/**
 * Loads DIR/ca.crt and DIR/ca.key (any PEM key form; `passphrase` for an encrypted one), and checks
 * that the certificate is a CA and the key is its key. Throws BurrowError(PKI) naming the file.
 */
export async function loadCa(dir: string, opts: { passphrase?: string } = {}): Promise<LoadedCa> {
  const paths = caPaths(dir);
  const certPem = await readTextFile(paths.cert, 'CA certificate');
  const cert = parseCertPem(certPem, `CA certificate ${paths.cert}`);
  if (!isCaCert(cert)) {
    throw new BurrowError(
      ErrorCode.PKI,
      `CA certificate ${paths.cert} is not a CA: basicConstraints CA:TRUE is missing`,
    );
  }
  const keyPem = await readTextFile(paths.key, 'CA key');
  let keyObject;
  try {
    keyObject = readPrivateKey(keyPem, opts);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `CA key ${paths.key}: ${errorMessage(err)}`, { cause: err });
  }
  if (!new NodeX509(Buffer.from(cert.rawData)).checkPrivateKey(keyObject)) {
    throw new BurrowError(ErrorCode.PKI, `CA key ${paths.key} does not match the CA certificate ${paths.cert}`);
  }
  const key = await toSigningKey(keyObject);
  const bundle = splitPemCertificates(certPem);
  return { paths, certPem: bundle[0]!, cert, bundle, key };
}
