// Enrollment tokens: the self-describing text form "brw1.<identity>.<id>.<secret>", generation, hashing and parsing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';
import {
  MAX_IDENTITY_LENGTH,
  MAX_TOKEN_LENGTH,
  TOKEN_ID_BYTES,
  TOKEN_PREFIX,
  TOKEN_SECRET_BYTES,
} from './constants.js';

/** A token as the client holds it. */
export interface ParsedToken {
  /** The identity the token enrolls (the certificate CN), carried so the client can build its CSR. */
  identity: string;
  /** Public handle of the token (hex): what the server looks up and logs. */
  id: string;
  /** The secret, as sent; only its SHA-256 is stored. */
  secret: Buffer;
}

/** Printable ASCII without quotes or backslash, no leading/trailing space: safe in TOML, logs and a CN. */
const IDENTITY_RE = /^[\x21\x23-\x5b\x5d-\x7e](?:[\x20\x21\x23-\x5b\x5d-\x7e]*[\x21\x23-\x5b\x5d-\x7e])?$/;

/** base64url without padding. */
const BASE64URL_RE = /^[A-Za-z0-9_-]+$/;

/** Hex digits of a token id. */
const ID_HEX_RE = new RegExp(`^[0-9a-f]{${TOKEN_ID_BYTES * 2}}$`);

/**
 * Checks an identity to enroll: 1–64 printable ASCII characters (no quotes or backslash), not a
 * "sha256:" fingerprint (policy ids of that form match fingerprints). Throws BurrowError(USAGE).
 */
export function checkIdentity(identity: string): string {
  if (identity.length === 0 || identity.length > MAX_IDENTITY_LENGTH) {
    throw new BurrowError(ErrorCode.USAGE, `identity "${identity}" must be 1 to ${MAX_IDENTITY_LENGTH} characters`);
  }
  if (!IDENTITY_RE.test(identity)) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `identity "${identity}" may only hold printable ASCII characters (no quotes, backslashes, or spaces at either end)`,
    );
  }
  if (/^sha256:/i.test(identity)) {
    throw new BurrowError(ErrorCode.USAGE, `identity "${identity}" looks like a fingerprint; choose a name`);
  }
  return identity;
}

/** A fresh token for `identity`: its text form and what the server stores (id and secret hash). */
export function generateToken(identity: string): { text: string; id: string; hash: string } {
  checkIdentity(identity);
  const id = randomBytes(TOKEN_ID_BYTES).toString('hex');
  const secret = randomBytes(TOKEN_SECRET_BYTES);
  const text = [
    TOKEN_PREFIX,
    Buffer.from(identity, 'utf8').toString('base64url'),
    id,
    secret.toString('base64url'),
  ].join('.');
  return { text, id, hash: hashSecret(secret) };
}

/** Hex SHA-256 of a secret: 256 random bits need no slow hash, only one that does not reveal them. */
export function hashSecret(secret: Buffer): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time check that `secret` hashes to `storedHash` (hex); false for a malformed stored hash. */
export function secretMatches(secret: Buffer, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(secret).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Parses a token's text form; throws BurrowError(AUTH) saying what is wrong, never echoing the secret. */
export function parseToken(text: string): ParsedToken {
  const t = text.trim();
  const bad = (why: string): BurrowError =>
    new BurrowError(
      ErrorCode.AUTH,
      `malformed enrollment token: ${why} (expected ${TOKEN_PREFIX}.<identity>.<id>.<secret>, as printed by "burrow server token create")`,
    );
  if (t.length > MAX_TOKEN_LENGTH) throw bad(`longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = t.split('.');
  if (parts[0] !== TOKEN_PREFIX) throw bad(`it does not start with "${TOKEN_PREFIX}."`);
  if (parts.length !== 4) throw bad(`it has ${parts.length} dot-separated parts, not 4`);
  const [, identityPart, id, secretPart] = parts as [string, string, string, string];
  if (!BASE64URL_RE.test(identityPart)) throw bad('the identity part is not base64url');
  if (!ID_HEX_RE.test(id)) throw bad('the id part is not hex');
  if (!BASE64URL_RE.test(secretPart)) throw bad('the secret part is not base64url');
  const secret = Buffer.from(secretPart, 'base64url');
  // Re-encoding must give the same text: base64url decoding alone ignores stray trailing bits.
  if (secret.length !== TOKEN_SECRET_BYTES || secret.toString('base64url') !== secretPart) {
    throw bad(`the secret is not ${TOKEN_SECRET_BYTES} bytes of base64url`);
  }
  const identityBytes = Buffer.from(identityPart, 'base64url');
  if (identityBytes.toString('base64url') !== identityPart) throw bad('the identity part is not canonical base64url');
  const identity = identityBytes.toString('utf8');
  try {
    checkIdentity(identity);
  } catch (err) {
    throw bad(`its identity is invalid: ${(err as Error).message}`);
  }
  return { identity, id, secret };
}
