// Signs an enrolled identity's client certificate with the CA directory and records it in the CA's index.json.
import type { webcrypto } from 'node:crypto';
import { loadCa, readIndex, signLeaf, type LoadedCa } from '../pki/index.js';
import { writeIndex } from '../pki/ca-store.js';
import { normalizeSerial } from '../pki/serial.js';
import type { CertRecord } from './clients-store.js';
import { withFileLock } from './locked-file.js';

/** A client certificate just issued. */
export interface IssuedCert {
  /** Leaf PEM (+ intermediates when the CA is one). */
  certPem: string;
  /** The CA certificate PEM (the client's trust anchor). */
  caPem: string;
  record: CertRecord;
}

/** Loads the CA of `caDir` (with the passphrase of an encrypted key, when given). */
export function loadEnrollCa(caDir: string, passphrase?: string): Promise<LoadedCa> {
  return loadCa(caDir, passphrase === undefined ? {} : { passphrase });
}

/**
 * Issues a client certificate for `identity` over `publicKey` (from a checked CSR): CN = identity,
 * EKU clientAuth, `days` long (never past the CA), and records it in the CA's index.json so
 * `burrow ca revoke SERIAL` and `burrow server revoke` find it.
 */
export async function issueClientCert(
  ca: LoadedCa,
  identity: string,
  publicKey: webcrypto.CryptoKey,
  days: number,
): Promise<IssuedCert> {
  const leaf = await signLeaf(ca, { kind: 'client', names: [identity], publicKey, days });
  const record: CertRecord = {
    serial: leaf.serial,
    fingerprint: leaf.fingerprint,
    notBefore: leaf.cert.notBefore.toISOString(),
    notAfter: leaf.cert.notAfter.toISOString(),
    issuedAt: new Date().toISOString(),
  };
  await withFileLock(ca.paths.index, async () => {
    const index = await readIndex(ca.paths);
    index.issued.push({
      serial: leaf.serial,
      kind: 'client',
      subject: leaf.cert.subject,
      names: [identity],
      notBefore: record.notBefore,
      notAfter: record.notAfter,
      fingerprint: leaf.fingerprint,
    });
    await writeIndex(ca.paths, index);
  });
  return { certPem: leaf.certPem, caPem: ca.certPem, record };
}

/** The revocation date of `serial` in the CA's index.json, if it is revoked. */
export async function revokedAt(ca: LoadedCa, serial: string): Promise<string | undefined> {
  const want = normalizeSerial(serial);
  const index = await readIndex(ca.paths);
  return index.revoked.find((e) => e.serial === want)?.revokedAt;
}
