// The token store (enroll-tokens.json, 0600): one-time enrollment tokens, hashed, created offline and consumed once.
import { join } from 'node:path';
import { z } from 'zod';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { AllowancesSchema, type Allowances } from './allowances.js';
import {
  MAX_TOKENS,
  TOKEN_RETENTION_MS,
  TOKENS_FILE,
  MAX_TOKEN_TTL_MS,
  DEFAULT_ENROLL_CERT_DAYS,
} from './constants.js';
import { readJsonFile, withFileLock, writeJsonFile } from './locked-file.js';
import { checkIdentity, generateToken, secretMatches, type ParsedToken } from './token.js';

/** One token as stored: the secret's hash, never the secret. */
export interface TokenRecord extends Allowances {
  id: string;
  identity: string;
  /** Hex SHA-256 of the secret. */
  hash: string;
  /** Validity of the certificate it leads to, in days. */
  certDays: number;
  createdAt: string;
  expiresAt: string;
  /** Set once the token enrolled a client. */
  usedAt?: string;
  /** Address the token was used from. */
  usedBy?: string;
  /** Set when the identity was revoked before the token was used. */
  cancelledAt?: string;
}

/** The file's content. */
export interface TokenFile {
  version: 1;
  tokens: TokenRecord[];
}

const TokenFileSchema = z.object({
  version: z.literal(1),
  tokens: z.array(
    AllowancesSchema.extend({
      id: z.string().regex(/^[0-9a-f]+$/),
      identity: z.string().min(1),
      hash: z.string().regex(/^[0-9a-f]{64}$/),
      certDays: z.number().int().positive(),
      createdAt: z.string(),
      expiresAt: z.string(),
      usedAt: z.string().optional(),
      usedBy: z.string().optional(),
      cancelledAt: z.string().optional(),
    }),
  ),
}) as z.ZodType<TokenFile>;

/** Path of the token store in a CA directory. */
export function tokensFile(caDir: string): string {
  return join(caDir, TOKENS_FILE);
}

/** Reads the store (a missing file is an empty store). */
export function readTokens(file: string): Promise<TokenFile> {
  return readJsonFile(file, 'enrollment token store', TokenFileSchema, () => ({ version: 1, tokens: [] }));
}

/** Drops used, cancelled or expired tokens older than the retention period. */
function prune(store: TokenFile, now: number): void {
  store.tokens = store.tokens.filter((t) => {
    const done = Date.parse(t.usedAt ?? t.cancelledAt ?? t.expiresAt);
    const finished = t.usedAt !== undefined || t.cancelledAt !== undefined || Date.parse(t.expiresAt) <= now;
    return !finished || now - done < TOKEN_RETENTION_MS;
  });
}

/** Options of createToken. */
export interface CreateTokenOptions extends Allowances {
  identity: string;
  ttlMs: number;
  certDays?: number;
  now?: number;
}

/**
 * Adds a token for `identity` to the store and returns its text (shown once; only the hash is
 * kept). Works offline: a running server reads the file at each attempt. Throws BurrowError(USAGE)
 * for a bad identity or TTL, PKI when the store cannot be read or written, or is full.
 */
export async function createToken(
  file: string,
  opts: CreateTokenOptions,
): Promise<{ text: string; record: TokenRecord }> {
  checkIdentity(opts.identity);
  if (!Number.isFinite(opts.ttlMs) || opts.ttlMs <= 0 || opts.ttlMs > MAX_TOKEN_TTL_MS) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `token lifetime must be more than 0 and at most ${MAX_TOKEN_TTL_MS / 3_600_000} hours`,
    );
  }
  const now = opts.now ?? Date.now();
  const token = generateToken(opts.identity);
  const record: TokenRecord = {
    id: token.id,
    identity: opts.identity,
    hash: token.hash,
    allowProxies: [...opts.allowProxies],
    allowPorts: opts.allowPorts.map((r) => ({ ...r })),
    allowDomains: [...opts.allowDomains],
    certDays: opts.certDays ?? DEFAULT_ENROLL_CERT_DAYS,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + opts.ttlMs).toISOString(),
  };
  await withFileLock(file, async () => {
    const store = await readTokens(file);
    prune(store, now);
    if (store.tokens.length >= MAX_TOKENS) {
      throw new BurrowError(
        ErrorCode.PKI,
        `${file} already holds ${store.tokens.length} tokens; wait for some to expire`,
      );
    }
    store.tokens.push(record);
    await writeJsonFile(file, store);
  });
  return { text: token.text, record };
}

/** Why a token was refused; `reason` is what the client is told and the log says. */
export class TokenRefusal extends BurrowError {
  constructor(readonly reason: string) {
    super(ErrorCode.AUTH, reason);
    this.name = 'TokenRefusal';
  }
}

/** The first refusal of `token` against the store, or the matching record. */
function check(store: TokenFile, token: ParsedToken, now: number): TokenRecord {
  const record = store.tokens.find((t) => t.id === token.id);
  if (!record)
    throw new TokenRefusal(`unknown enrollment token ${token.id}: it was never created on this server, or was pruned`);
  if (!secretMatches(token.secret, record.hash)) {
    throw new TokenRefusal(`enrollment token ${token.id} is forged: its secret does not match`);
  }
  if (record.identity !== token.identity) {
    throw new TokenRefusal(
      `enrollment token ${token.id} is bound to identity "${record.identity}", not "${token.identity}"`,
    );
  }
  if (record.usedAt !== undefined)
    throw new TokenRefusal(
      `enrollment token ${token.id} was already used (at ${record.usedAt}); tokens are single use`,
    );
  if (record.cancelledAt !== undefined) {
    throw new TokenRefusal(
      `enrollment token ${token.id} was cancelled at ${record.cancelledAt} (identity "${record.identity}" was revoked)`,
    );
  }
  if (Date.parse(record.expiresAt) <= now)
    throw new TokenRefusal(`enrollment token ${token.id} expired at ${record.expiresAt}`);
  return record;
}

/**
 * Consumes a token once: under the store's lock, checks it (known id, secret in constant time,
 * identity, unused, not cancelled, not expired — TokenRefusal otherwise), marks it used and writes
 * the store, and only then runs `use` with its record (which signs the certificate). So a token
 * never yields two certificates: when the store cannot be written nothing is issued, and a crash
 * during `use` leaves it spent. When `use` fails (nothing was handed out), the token is made
 * usable again and `use`'s error is thrown; if that rewrite fails too, the token stays spent and
 * BurrowError(PKI) says so.
 */
export async function consumeToken<T>(
  file: string,
  token: ParsedToken,
  remote: string,
  use: (record: TokenRecord) => Promise<T>,
  now: number = Date.now(),
): Promise<T> {
  return withFileLock(file, async () => {
    const store = await readTokens(file);
    const record = check(store, token, now);
    record.usedAt = new Date(now).toISOString();
    record.usedBy = remote;
    prune(store, now);
    await writeJsonFile(file, store);
    try {
      return await use(record);
    } catch (err) {
      delete record.usedAt;
      delete record.usedBy;
      try {
        await writeJsonFile(file, store);
      } catch (restoreErr) {
        throw new BurrowError(
          ErrorCode.PKI,
          `${errorMessage(err)}; enrollment token ${token.id} stays spent, as ${file} cannot be rewritten: ${errorMessage(restoreErr)}`,
          { cause: err },
        );
      }
      throw err;
    }
  });
}

/** Cancels the unused tokens of an identity (when it is revoked); returns how many. */
export async function cancelTokens(file: string, identity: string, now: number = Date.now()): Promise<number> {
  return withFileLock(file, async () => {
    const store = await readTokens(file);
    let count = 0;
    for (const t of store.tokens) {
      if (
        t.identity === identity &&
        t.usedAt === undefined &&
        t.cancelledAt === undefined &&
        Date.parse(t.expiresAt) > now
      ) {
        t.cancelledAt = new Date(now).toISOString();
        count += 1;
      }
    }
    if (count > 0) await writeJsonFile(file, store);
    return count;
  });
}
