// Server-side administration that works offline on the CA directory: create tokens, list enrolled clients, revoke an identity.
import { resolve } from 'node:path';
import { BurrowError, ErrorCode } from '../errors.js';
import { caPaths, generateCrl, readIndex, revoke } from '../pki/index.js';
import { writeFileAtomic, PUBLIC_FILE_MODE } from '../pki/files.js';
import type { Allowances } from './allowances.js';
import { clientsFile, findIdentity, markRevoked, readClients } from './clients-store.js';
import { withFileLock } from './locked-file.js';
import { cancelTokens, createToken, tokensFile, type TokenRecord } from './token-store.js';

/** What createEnrollToken made. */
export interface CreatedToken {
  /** The token text: shown once, never stored. */
  text: string;
  record: TokenRecord;
  /**
   * Set when the identity is revoked: when it was. It stays revoked until this token is used,
   * which enrolls it again (tokens made before the revocation never do).
   */
  revokedAt?: string;
}

/**
 * Adds a one-time token for `identity` to DIR/enroll-tokens.json (see createToken). For a revoked
 * identity this is the explicit way back: the result says it is revoked, and the token is dated
 * after the revocation, so using it re-enrolls the identity.
 */
export async function createEnrollToken(
  caDir: string,
  opts: { identity: string; ttlMs: number; allowances: Allowances; certDays?: number },
): Promise<CreatedToken> {
  const revokedAt = findIdentity(await readClients(clientsFile(caDir)), opts.identity)?.revokedAt;
  // Strictly after the revocation even within its millisecond (or after a clock step back).
  const now = revokedAt === undefined ? Date.now() : Math.max(Date.now(), Date.parse(revokedAt) + 1);
  const created = await createToken(tokensFile(caDir), {
    identity: opts.identity,
    ttlMs: opts.ttlMs,
    now,
    ...opts.allowances,
    ...(opts.certDays !== undefined ? { certDays: opts.certDays } : {}),
  });
  return revokedAt === undefined ? created : { ...created, revokedAt };
}

/** One enrolled identity as `burrow server clients` shows it. */
export interface EnrolledClientRow extends Allowances {
  identity: string;
  status: 'active' | 'revoked' | 'expired';
  enrolledAt: string;
  enrolledFrom: string;
  /** Serial and expiry of the newest certificate. */
  serial?: string;
  notAfter?: string;
  revokedAt?: string;
  lastSeen?: string;
  lastSeenFrom?: string;
}

/** The enrolled identities of a CA directory, sorted by identity. */
export async function listEnrolledClients(caDir: string, now: number = Date.now()): Promise<EnrolledClientRow[]> {
  const data = await readClients(clientsFile(caDir));
  return data.clients
    .map((c): EnrolledClientRow => {
      const newest = c.certificates[c.certificates.length - 1];
      const expired = newest !== undefined && Date.parse(newest.notAfter) <= now;
      return {
        identity: c.identity,
        status: c.revokedAt !== undefined ? 'revoked' : expired ? 'expired' : 'active',
        enrolledAt: c.enrolledAt,
        enrolledFrom: c.enrolledFrom,
        ...(newest ? { serial: newest.serial, notAfter: newest.notAfter } : {}),
        ...(c.revokedAt !== undefined ? { revokedAt: c.revokedAt } : {}),
        ...(c.lastSeen !== undefined ? { lastSeen: c.lastSeen } : {}),
        ...(c.lastSeenFrom !== undefined ? { lastSeenFrom: c.lastSeenFrom } : {}),
        allowProxies: c.allowProxies,
        allowPorts: c.allowPorts,
        allowDomains: c.allowDomains,
      };
    })
    .sort((a, b) => a.identity.localeCompare(b.identity));
}

/** What revokeIdentity did. */
export interface RevokeIdentityResult {
  identity: string;
  /** Serials newly revoked in the CA (already revoked ones are skipped). */
  serials: string[];
  /** The CA's CRL, written now. */
  crlFile: string;
  /** The server's transport.tls.crlFile, when it is set and another path (a copy was written there). */
  copiedTo?: string;
  /** Unused tokens of the identity that were cancelled. */
  cancelledTokens: number;
}

/**
 * Revokes an enrolled identity: cancels its unused tokens, marks it revoked in enroll-clients.json
 * (the running server gives it no policy entry, closes its sessions and refuses its renewals and
 * its older tokens), revokes every unexpired client certificate the CA issued for it (enrolled or
 * made by `burrow cert issue client`), and regenerates DIR/crl.pem (copied to `serverCrlFile`
 * when that is another path; the server reloads it on change). Throws BurrowError(USAGE) for an
 * unknown identity, before changing anything.
 */
export async function revokeIdentity(opts: {
  caDir: string;
  identity: string;
  serverCrlFile: string;
  passphrase?: string;
}): Promise<RevokeIdentityResult> {
  const { caDir, identity } = opts;
  const unknown = (): BurrowError =>
    new BurrowError(
      ErrorCode.USAGE,
      `identity "${identity}" is not enrolled in ${caDir} (see "burrow server clients")`,
    );
  if (!findIdentity(await readClients(clientsFile(caDir)), identity)) throw unknown();
  // Tokens first: an enrollment finishing before this sees its certificate revoked below; one after
  // finds its token cancelled (and a token made meanwhile is older than the revocation: refused).
  const cancelledTokens = await cancelTokens(tokensFile(caDir), identity);
  const record = await markRevoked(clientsFile(caDir), identity, new Date());
  if (!record) throw unknown();
  const pass = opts.passphrase === undefined ? {} : { passphrase: opts.passphrase };
  const paths = caPaths(caDir);
  const { serials, crl } = await withFileLock(paths.index, async () => {
    const index = await readIndex(paths);
    const already = new Set(index.revoked.map((e) => e.serial));
    // Every certificate the CA recorded for this identity, plus the enrollment's own records.
    const now = Date.now();
    const serials = new Set([
      ...record.certificates.map((c) => c.serial),
      ...index.issued
        .filter((e) => e.kind === 'client' && e.names[0] === identity && Date.parse(e.notAfter) > now)
        .map((e) => e.serial),
    ]);
    const newly: string[] = [];
    for (const serial of serials) {
      if (already.has(serial)) continue;
      await revoke({ dir: caDir, serialOrCertPem: serial, ...pass });
      newly.push(serial);
    }
    return { serials: newly, crl: await generateCrl({ dir: caDir, ...pass }) };
  });
  let copiedTo: string | undefined;
  if (opts.serverCrlFile && resolve(opts.serverCrlFile) !== resolve(crl.crlFile)) {
    await writeFileAtomic(opts.serverCrlFile, crl.crlPem, PUBLIC_FILE_MODE);
    copiedTo = opts.serverCrlFile;
  }
  return { identity, serials, crlFile: crl.crlFile, ...(copiedTo ? { copiedTo } : {}), cancelledTokens };
}
