// Enrolled identities (enroll-clients.json, 0600): allowances, certificates issued, revocation, last seen; policy entries from them.
import { join } from 'node:path';
import { z } from 'zod';
import { BurrowError, ErrorCode } from '../errors.js';
import type { ClientPolicy } from '../config/index.js';
import { AllowancesSchema, type Allowances } from './allowances.js';
import { CLIENTS_FILE, MAX_CERTS_PER_IDENTITY, MAX_ENROLLED_CLIENTS } from './constants.js';
import { readJsonFile, withFileLock, writeJsonFile } from './locked-file.js';

/** One certificate issued to an identity. */
export interface CertRecord {
  serial: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  issuedAt: string;
}

/** One enrolled identity. */
export interface ClientRecord extends Allowances {
  identity: string;
  /** Validity of its certificates, in days (renewals keep it). */
  certDays: number;
  enrolledAt: string;
  enrolledFrom: string;
  /** Newest last. */
  certificates: CertRecord[];
  revokedAt?: string;
  lastSeen?: string;
  lastSeenFrom?: string;
}

/** The file's content. */
export interface ClientsFile {
  version: 1;
  clients: ClientRecord[];
}

const CertSchema = z.object({
  serial: z.string(),
  fingerprint: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  issuedAt: z.string(),
});

const ClientsFileSchema = z.object({
  version: z.literal(1),
  clients: z.array(
    AllowancesSchema.extend({
      identity: z.string().min(1),
      certDays: z.number().int().positive(),
      enrolledAt: z.string(),
      enrolledFrom: z.string(),
      certificates: z.array(CertSchema),
      revokedAt: z.string().optional(),
      lastSeen: z.string().optional(),
      lastSeenFrom: z.string().optional(),
    }),
  ),
}) as z.ZodType<ClientsFile>;

/** Path of the enrolled identities in a CA directory. */
export function clientsFile(caDir: string): string {
  return join(caDir, CLIENTS_FILE);
}

/** Reads the file (a missing file means nobody enrolled yet). */
export function readClients(file: string): Promise<ClientsFile> {
  return readJsonFile(file, 'enrolled clients file', ClientsFileSchema, () => ({ version: 1, clients: [] }));
}

/** Marks "nothing changed": update() then does not rewrite the file. */
const UNCHANGED = Symbol('unchanged');

/** Runs `change` on the file's content under its lock and writes it back (unless it returns UNCHANGED). */
async function update<T>(
  file: string,
  change: (data: ClientsFile) => T | typeof UNCHANGED | Promise<T | typeof UNCHANGED>,
): Promise<T | undefined> {
  return withFileLock(file, async () => {
    const data = await readClients(file);
    const result = await change(data);
    if (result === UNCHANGED) return undefined;
    await writeJsonFile(file, data);
    return result;
  });
}

/** Appends a certificate, keeping the newest MAX_CERTS_PER_IDENTITY. */
function addCert(record: ClientRecord, cert: CertRecord): void {
  record.certificates.push(cert);
  if (record.certificates.length > MAX_CERTS_PER_IDENTITY)
    record.certificates.splice(0, record.certificates.length - MAX_CERTS_PER_IDENTITY);
}

/** What an enrollment records besides the certificate. */
export interface EnrollmentEntry {
  identity: string;
  allowances: Allowances;
  certDays: number;
  remote: string;
  /**
   * When the token used was created. A revoked identity enrolls again only with a token created
   * after its revocation (an explicit new `token create`); without this, never.
   */
  tokenCreatedAt?: string;
}

/** Why a revoked identity may not enroll with a token, or undefined when it may (not revoked, or a newer token). */
export function revokedRefusal(
  record: ClientRecord | undefined,
  tokenCreatedAt: string | undefined,
): string | undefined {
  if (record?.revokedAt === undefined) return undefined;
  if (tokenCreatedAt !== undefined && Date.parse(tokenCreatedAt) > Date.parse(record.revokedAt)) return undefined;
  return `identity "${record.identity}" was revoked at ${record.revokedAt}; only a token created after that (burrow server token create) enrolls it again`;
}

/**
 * Enrolls an identity under the file's lock: refuses a revoked identity (see revokedRefusal) and
 * a full file with BurrowError(AUTH / PKI) before anything is issued, then runs `issue` (which
 * signs the certificate) and records it: a first enrollment, or a re-enrollment with a new token
 * (the allowances are replaced by the token's, a revoked identity becomes active again). Holding
 * the lock across `issue` means a concurrent `burrow server revoke` either sees the new
 * certificate (and revokes it) or is seen here (and the enrollment is refused).
 */
export async function enrollIdentity<T extends { record: CertRecord }>(
  file: string,
  entry: EnrollmentEntry,
  issue: () => Promise<T>,
): Promise<T> {
  const result = await update(file, async (data) => {
    let record = data.clients.find((c) => c.identity === entry.identity);
    const refusal = revokedRefusal(record, entry.tokenCreatedAt);
    if (refusal) throw new BurrowError(ErrorCode.AUTH, refusal);
    if (!record && data.clients.length >= MAX_ENROLLED_CLIENTS) {
      throw new BurrowError(ErrorCode.PKI, `${file} already holds ${data.clients.length} identities`);
    }
    const issued = await issue();
    const cert = issued.record;
    if (!record) {
      record = {
        identity: entry.identity,
        ...entry.allowances,
        certDays: entry.certDays,
        enrolledAt: cert.issuedAt,
        enrolledFrom: entry.remote,
        certificates: [],
      };
      data.clients.push(record);
    } else {
      Object.assign(record, entry.allowances, {
        certDays: entry.certDays,
        enrolledAt: cert.issuedAt,
        enrolledFrom: entry.remote,
      });
      delete record.revokedAt;
    }
    addCert(record, cert);
    record.lastSeen = cert.issuedAt;
    record.lastSeenFrom = entry.remote;
    return issued;
  });
  // update() returns undefined only for UNCHANGED, which this change never returns.
  return result as T;
}

/** Records a certificate issued elsewhere as an enrollment (see enrollIdentity). */
export async function recordEnrollment(file: string, entry: EnrollmentEntry & { cert: CertRecord }): Promise<void> {
  await enrollIdentity(file, entry, () => Promise.resolve({ record: entry.cert }));
}

/** Records a renewal's certificate; throws BurrowError(AUTH) when the identity is gone or revoked meanwhile. */
export async function recordRenewal(file: string, identity: string, cert: CertRecord, remote: string): Promise<void> {
  await update(file, (data) => {
    const record = data.clients.find((c) => c.identity === identity);
    if (!record || record.revokedAt !== undefined) {
      throw new BurrowError(ErrorCode.AUTH, `identity "${identity}" is not enrolled or was revoked`);
    }
    addCert(record, cert);
    record.lastSeen = cert.issuedAt;
    record.lastSeenFrom = remote;
  });
}

/** The identity and certificate a fingerprint belongs to, or undefined. */
export function findByFingerprint(
  data: ClientsFile,
  fingerprint: string,
): { record: ClientRecord; cert: CertRecord } | undefined {
  for (const record of data.clients) {
    const cert = record.certificates.find((c) => c.fingerprint === fingerprint);
    if (cert) return { record, cert };
  }
  return undefined;
}

/** Marks an identity revoked; returns its record (as it was before), or undefined when unknown. */
export async function markRevoked(file: string, identity: string, at: Date): Promise<ClientRecord | undefined> {
  return update(file, (data) => {
    const record = data.clients.find((c) => c.identity === identity);
    if (!record) return UNCHANGED;
    const before = structuredClone(record);
    record.revokedAt = at.toISOString();
    return before;
  });
}

/** Sets an identity's last-seen time and address (no-op for an unknown identity). */
export async function markSeen(file: string, identity: string, at: Date, remote: string): Promise<void> {
  await update(file, (data) => {
    const record = data.clients.find((c) => c.identity === identity);
    if (!record) return UNCHANGED;
    record.lastSeen = at.toISOString();
    record.lastSeenFrom = remote;
    return true;
  });
}

/**
 * Whether the identity policy must be enforced: once any identity enrolled — revoked ones
 * included — a certificate without an entry may open nothing, even when no entry is left.
 */
export function policyEnforced(data: ClientsFile): boolean {
  return data.clients.length > 0;
}

/** The revoked identities, sorted: they match no policy entry, and their live sessions are closed. */
export function revokedIdentities(data: ClientsFile): string[] {
  return data.clients
    .filter((c) => c.revokedAt !== undefined)
    .map((c) => c.identity)
    .sort();
}

/** The record of an identity, or undefined. */
export function findIdentity(data: ClientsFile, identity: string): ClientRecord | undefined {
  return data.clients.find((c) => c.identity === identity);
}

/** [[auth.clients]] entries for every identity that is not revoked, in the shape of the server config's. */
export function policyEntries(data: ClientsFile): ClientPolicy[] {
  return data.clients
    .filter((c) => c.revokedAt === undefined)
    .map((c) => ({
      id: c.identity,
      allowProxies: [...c.allowProxies],
      allowPorts: c.allowPorts.map((r) => ({ ...r })),
      allowDomains: [...c.allowDomains],
    }));
}
