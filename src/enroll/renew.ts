// Client side of renewal: when it is due, and renewing over mutual TLS with the current certificate (new key, same identity).
import { X509Certificate } from 'node:crypto';
import type { ClientConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { dialTcp } from '../net/dial.js';
import { writeAllOrNothing } from './client-files.js';
import { buildClientTlsOptions, connectTls, loadTrustedCa } from '../tls/index.js';
import { readTextFile } from '../pki/files.js';
import { ENROLL_FILE_MODE, RENEW_PATH, RENEWAL_FRACTION } from './constants.js';
import { createCsr } from './csr.js';
import { postEnrollment } from './exchange.js';
import { checkIssuedCert } from './issued-check.js';

/** Mode of the certificate file (public). */
const PUBLIC_MODE = 0o644;

/** Parses the first certificate of a PEM text; BurrowError(PKI) naming `what`. */
function parseCert(certPem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(certPem);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `${what} does not parse: ${errorMessage(err)}`, { cause: err });
  }
}

/** When renewal becomes due: after two thirds of the certificate's lifetime. */
export function renewalTime(certPem: string): Date {
  const cert = parseCert(certPem, 'the client certificate');
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return new Date(from + (to - from) * RENEWAL_FRACTION);
}

/** True once two thirds of the certificate's lifetime have passed (the running client renews then). */
export function renewalDue(certPem: string, now: number | Date = Date.now()): boolean {
  return renewalTime(certPem).getTime() <= (typeof now === 'number' ? now : now.getTime());
}

/** What a renewal wrote. */
export interface RenewResult {
  identity: string;
  serial: string;
  notAfter: string;
  certFile: string;
  keyFile: string;
}

/**
 * Renews the client certificate of `config` (transport.tls.certFile / keyFile): connects with the
 * current certificate over mutual TLS, verifying the server as the client always does (trustedCaFile,
 * pin…), sends a CSR for the same identity with a new EC P-256 key, checks the certificate returned
 * (our key, our identity, the trusted CA), and replaces keyFile and certFile together, all or
 * nothing. A running client picks them up by its file watch; live sessions continue. Throws BurrowError: USAGE when
 * the config has no client certificate, AUTH when the server refuses (revoked, unknown), TLS, …
 */
export async function renewCertificate(config: ClientConfig, opts: { timeoutMs?: number } = {}): Promise<RenewResult> {
  const t = config.transport.tls;
  if (!t.certFile || !t.keyFile) {
    throw new BurrowError(
      ErrorCode.USAGE,
      'renewal needs transport.tls.certFile and keyFile: the certificate to renew (made by "burrow client join")',
    );
  }
  const current = parseCert(await readTextFile(t.certFile, 'client certificate'), `client certificate ${t.certFile}`);
  const identity = /(?:^|\n)CN=([^\n]*)/.exec(current.subject)?.[1];
  if (!identity) throw new BurrowError(ErrorCode.PKI, `client certificate ${t.certFile} has no subject CN to renew`);
  if (Date.parse(current.validTo) <= Date.now()) {
    throw new BurrowError(
      ErrorCode.PKI,
      `client certificate ${t.certFile} expired on ${new Date(current.validTo).toISOString()}; enroll again with a new token`,
    );
  }
  const clientTls = await buildClientTlsOptions({ ...t, serverAddr: config.serverAddr });
  const request = await createCsr(identity);
  const raw = await dialTcp({
    host: config.serverAddr,
    port: config.serverPort,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  const socket = await connectTls(raw, clientTls.options, {
    customFirstByte: !t.disableCustomTLSFirstByte,
    ...(clientTls.pin ? { pin: clientTls.pin } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  const host = t.serverName || config.serverAddr;
  const issued = await postEnrollment(socket, RENEW_PATH, host, { csr: request.csrPem }, opts.timeoutMs);
  // Check against the CA this client already trusts; without one configured, against the returned CA.
  const caPem = (await loadTrustedCa(t.trustedCaFile, t.trustedCaData)) ?? issued.ca;
  await checkIssuedCert(issued.certificate, { identity, publicKeyDer: request.publicKeyDer, caPem });
  // Both are written to temporary files first, then renamed within milliseconds (inside the client's
  // reload debounce); when the second rename fails the first is undone, so the old pair stays.
  await writeAllOrNothing([
    { path: t.keyFile, data: request.keyPem, mode: ENROLL_FILE_MODE },
    { path: t.certFile, data: issued.certificate, mode: PUBLIC_MODE },
  ]);
  return { identity, serial: issued.serial, notAfter: issued.notAfter, certFile: t.certFile, keyFile: t.keyFile };
}
