// Revocation: record revoked serials, write a signed X.509 v2 CRL, and read CRLs back (parse, check a certificate).
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { loadCa, readIndex, writeIndex } from './ca-store.js';
import { x509 } from './crypto-provider.js';
import { checkDays, formatDate, MS_PER_DAY } from './dates.js';
import { writeFileAtomic, PUBLIC_FILE_MODE } from './files.js';
import { parseCertDer } from './inspect.js';
import { derToPem, firstCertDer, pemToDer } from './pem.js';
import { normalizeSerial } from './serial.js';

/** Default CRL lifetime (nextUpdate − thisUpdate): 30 days; run `burrow ca crl` again before then. */
export const DEFAULT_CRL_DAYS = 30;

/** OID of the cRLNumber extension (RFC 5280 §5.2.3). */
const CRL_NUMBER_OID = '2.5.29.20';

/** DER tag of INTEGER. */
const DER_INTEGER_TAG = 0x02;

/** Matches a PEM certificate block, to tell a certificate from a serial. */
const CERT_PEM_RE = /-----BEGIN CERTIFICATE-----/;

/** A revoked serial as a CRL lists it. */
export interface CrlEntryInfo {
  serial: string;
  revokedAt: Date;
}

/** What parseCrl reports. */
export interface CrlInfo {
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: number;
  entries: CrlEntryInfo[];
}

/** DER INTEGER of a small non-negative number (the CRL number). */
function derInteger(n: number): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const body = Buffer.from(hex, 'hex');
  return Uint8Array.from([DER_INTEGER_TAG, body.length, ...body]);
}

/** Reads a DER INTEGER (as a CRL number extension holds) into a number; undefined when malformed. */
function readDerInteger(der: Uint8Array): number | undefined {
  if (der.length < 3 || der[0] !== DER_INTEGER_TAG || der[1] !== der.length - 2) return undefined;
  const n = parseInt(Buffer.from(der.subarray(2)).toString('hex'), 16);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses a CRL from PEM ("X509 CRL") or DER; throws BurrowError(PKI). */
function parseCrlObject(crlPemOrDer: string | Uint8Array): x509.X509Crl {
  try {
    const der = typeof crlPemOrDer === 'string' ? pemToDer(crlPemOrDer) : crlPemOrDer;
    return new x509.X509Crl(der);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `the CRL does not parse: ${errorMessage(err)}`, { cause: err });
  }
}

/** Options of revoke. */
export interface RevokeOptions {
  /** The CA directory. */
  dir: string;
  /** A serial in hex (colons allowed), or a certificate PEM the CA issued. */
  serialOrCertPem: string;
  /** Passphrase of an encrypted CA key (a certificate given by PEM is checked against the CA). */
  passphrase?: string;
  /** Revocation time (default now). */
  at?: Date;
}

/**
 * Marks a certificate revoked in DIR/index.json (publish it with generateCrl). A serial must be one
 * the index records as issued; a certificate PEM must carry the CA's signature. Throws
 * BurrowError(PKI) for an unknown serial, a foreign certificate or one already revoked.
 */
export async function revoke(opts: RevokeOptions): Promise<{ serial: string; revokedAt: Date }> {
  const ca = await loadCa(opts.dir, opts.passphrase === undefined ? {} : { passphrase: opts.passphrase });
  const index = await readIndex(ca.paths);
  let serial: string;
  if (CERT_PEM_RE.test(opts.serialOrCertPem)) {
    const cert = parseCertDer(firstCertDer(opts.serialOrCertPem));
    const signed = cert.issuer === ca.cert.subject && (await cert.verify({ publicKey: ca.cert, signatureOnly: true }));
    if (!signed) {
      throw new BurrowError(ErrorCode.PKI, `the certificate (${cert.subject}) was not issued by the CA in ${opts.dir}`);
    }
    serial = normalizeSerial(cert.serialNumber);
  } else {
    serial = normalizeSerial(opts.serialOrCertPem);
    if (!index.issued.some((e) => e.serial === serial)) {
      throw new BurrowError(
        ErrorCode.PKI,
        `serial ${serial} is not in ${ca.paths.index}: give the certificate file instead, so burrow can check the CA signed it`,
      );
    }
  }
  const already = index.revoked.find((e) => e.serial === serial);
  if (already) throw new BurrowError(ErrorCode.PKI, `serial ${serial} was already revoked on ${already.revokedAt}`);
  const revokedAt = opts.at ?? new Date();
  index.revoked.push({ serial, revokedAt: formatDate(revokedAt) });
  await writeIndex(ca.paths, index);
  return { serial, revokedAt };
}

/** Options of generateCrl. */
export interface GenerateCrlOptions {
  dir: string;
  /** Days until nextUpdate (default 30). */
  days?: number;
  passphrase?: string;
}

/** What generateCrl wrote. */
export interface GenerateCrlResult {
  crlFile: string;
  crlPem: string;
  crlNumber: number;
  revokedCount: number;
  nextUpdate: Date;
}

/**
 * Writes DIR/crl.pem: an X.509 v2 CRL signed by the CA with every revoked serial of the index and
 * its revocation date, thisUpdate now, nextUpdate after `days`, the CA's key id (AKI) and an
 * increasing cRLNumber. Throws BurrowError(PKI).
 */
export async function generateCrl(opts: GenerateCrlOptions): Promise<GenerateCrlResult> {
  const days = checkDays(opts.days ?? DEFAULT_CRL_DAYS, 'CRL validity');
  const ca = await loadCa(opts.dir, opts.passphrase === undefined ? {} : { passphrase: opts.passphrase });
  const index = await readIndex(ca.paths);
  const crlNumber = index.crlNumber + 1;
  const now = Date.now();
  const nextUpdate = new Date(now + days * MS_PER_DAY);
  const caSki = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  let crl: x509.X509Crl;
  try {
    crl = await x509.X509CrlGenerator.create({
      issuer: ca.cert.subjectName,
      thisUpdate: new Date(now),
      nextUpdate,
      signingKey: ca.key.cryptoKey,
      signingAlgorithm: ca.key.algorithm.signingAlgorithm,
      extensions: [
        caSki
          ? new x509.AuthorityKeyIdentifierExtension(caSki)
          : await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
        new x509.Extension(CRL_NUMBER_OID, false, derInteger(crlNumber)),
      ],
      // invalidityDate (= revocation date) on every entry: @peculiar/x509 otherwise writes an empty
      // crlEntryExtensions SEQUENCE (SIZE(1..MAX) forbids it; OpenSSL tolerates it, strict parsers may not).
      entries: index.revoked.map((e) => ({
        serialNumber: e.serial,
        revocationDate: new Date(e.revokedAt),
        invalidity: new Date(e.revokedAt),
      })),
    });
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `could not create the CRL: ${errorMessage(err)}`, { cause: err });
  }
  // RFC 7468 label "X509 CRL" (what OpenSSL reads); the library's default label is "CRL".
  const crlPem = derToPem(new Uint8Array(crl.rawData), 'X509 CRL');
  await writeFileAtomic(ca.paths.crl, crlPem, PUBLIC_FILE_MODE);
  index.crlNumber = crlNumber;
  await writeIndex(ca.paths, index);
  return { crlFile: ca.paths.crl, crlPem, crlNumber, revokedCount: index.revoked.length, nextUpdate };
}

/** Parses a CRL (PEM or DER): issuer, thisUpdate, nextUpdate, cRLNumber and the revoked serials. Throws BurrowError(PKI). */
export function parseCrl(crlPemOrDer: string | Uint8Array): CrlInfo {
  const crl = parseCrlObject(crlPemOrDer);
  const info: CrlInfo = {
    issuer: crl.issuer,
    thisUpdate: crl.thisUpdate,
    entries: crl.entries.map((e) => ({ serial: normalizeSerial(e.serialNumber), revokedAt: e.revocationDate })),
  };
  if (crl.nextUpdate) info.nextUpdate = crl.nextUpdate;
  const numberExt = crl.getExtension(CRL_NUMBER_OID);
  const crlNumber = numberExt ? readDerInteger(new Uint8Array(numberExt.value)) : undefined;
  if (crlNumber !== undefined) info.crlNumber = crlNumber;
  return info;
}

/**
 * True when `crl` carries `caPem`'s signature and names it as issuer (check this once when
 * loading a CRL; isRevoked does not). Throws BurrowError(PKI) when either does not parse.
 */
export async function verifyCrl(crlPemOrDer: string | Uint8Array, caPem: string | Uint8Array): Promise<boolean> {
  const crl = parseCrlObject(crlPemOrDer);
  const ca = parseCertDer(firstCertDer(caPem));
  if (crl.issuer !== ca.subject) return false;
  try {
    return await crl.verify({ publicKey: ca });
  } catch {
    return false;
  }
}

/**
 * The revocation date when the CRL lists the certificate's serial and was issued by the
 * certificate's issuer; null otherwise (a CRL of another CA says nothing about it). Does not check
 * the CRL's signature (see verifyCrl). Throws BurrowError(PKI) when either does not parse.
 */
export function isRevoked(
  certPemOrDer: string | Uint8Array,
  crlPemOrDer: string | Uint8Array,
): { revokedAt: Date } | null {
  const crl = parseCrlObject(crlPemOrDer);
  const cert = parseCertDer(firstCertDer(certPemOrDer));
  if (crl.issuer !== cert.issuer) return null;
  const entry = crl.findRevoked(cert.serialNumber);
  return entry ? { revokedAt: entry.revocationDate } : null;
}
