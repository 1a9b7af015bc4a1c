// burrow↔burrow login proof: the Login metas that ask for it, the server nonce, and the HMAC proofs of login and work connections.
//
// frp's privilege_key = md5(token + timestamp) is bound to nothing fresh, so a captured Login (or
// NewWorkConn) can be replayed. A burrow client announces LOGIN_PROOF_META (+ a client nonce) in its
// Login; a burrow server answers with a random `burrow_nonce` in LoginResp; the client's first
// control message is then a Ping whose privilege_key is loginProof(...), and every NewWorkConn of
// that session carries workConnProof(...) with a per-session sequence number in `timestamp`.
// HMAC input: each part as a 4-byte big-endian length, then its bytes (no ambiguity between parts).
// The login proof also covers loginDigest(Login as the client sent it), so a man in the middle
// cannot change the Login's user, client_id or run_id and keep the proof valid.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';
import { secretEquals } from './auth.js';
import type { Login } from './messages.js';

/** Login meta a burrow client sets to ask for the login proof (frps ignores metas it does not use). */
export const LOGIN_PROOF_META = 'burrow.proof';
/** The value of LOGIN_PROOF_META for this version of the proof. */
export const LOGIN_PROOF_VERSION = '1';
/** Login meta carrying the client's nonce: makes every burrow Login unique, even two in the same second. */
export const LOGIN_CLIENT_NONCE_META = 'burrow.cnonce';

/** Random bytes in the server nonce (LoginResp.burrow_nonce). */
export const SERVER_NONCE_BYTES = 32;
/** Random bytes in the client nonce (LOGIN_CLIENT_NONCE_META). */
export const CLIENT_NONCE_BYTES = 16;

/** Domain label of the login proof. */
export const LOGIN_PROOF_LABEL = 'burrow login proof v1';
/** Domain label of a work-connection proof (distinct, so one proof can never stand for the other). */
export const WORK_CONN_PROOF_LABEL = 'burrow work conn proof v1';
/** Domain label of the Login digest (the first part of its hashed input). */
export const LOGIN_DIGEST_LABEL = 'burrow login digest v1';
/** Length in bytes of a Login digest (SHA-256). */
export const LOGIN_DIGEST_BYTES = 32;

/**
 * The Login fields that identify it, in the digest's fixed order: everything but metas (which
 * carry the proof request itself, and which frps hands to plugins) and client_spec.
 */
export const LOGIN_DIGEST_FIELDS = [
  'privilege_key',
  'timestamp',
  'user',
  'hostname',
  'os',
  'arch',
  'version',
  'run_id',
  'client_id',
  'pool_count',
] as const satisfies readonly (keyof Login)[];

/** A burrow Login whose timestamp is further than this from the server's clock is refused (seconds). */
export const LOGIN_PROOF_WINDOW_SEC = 300;
/** The proof Ping must arrive this soon after LoginResp, or the session is closed. */
export const LOGIN_PROOF_TIMEOUT_MS = 10_000;
/** A proven session accepts each work-connection sequence number once, within this many of the highest seen. */
export const WORK_CONN_REPLAY_WINDOW = 1024;

/** Length in bytes of each part's length prefix in the HMAC input. */
const PART_LENGTH_BYTES = 4;
/** A proof is lowercase hex of an HMAC-SHA256: 64 characters. */
const PROOF_HEX_LENGTH = 64;
/** Standard padded base64 of 32 bytes: 43 characters and one '='. */
const SERVER_NONCE_PATTERN = /^[A-Za-z0-9+/]{43}=$/;
/** Standard padded base64 of 16 bytes: 22 characters and '=='. */
const CLIENT_NONCE_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

/** What a login proof binds: the session's server nonce and run_id, and the exact Login it follows. */
export interface LoginProofInput {
  /** loginDigest() of the Login as the client sent it (before the server assigned a run_id). */
  loginDigest: Buffer;
  /** auth.token: the HMAC key (its UTF-8 bytes). */
  token: string;
  /** The raw server nonce (SERVER_NONCE_BYTES). */
  serverNonce: Buffer;
  /** The run_id of LoginResp. */
  runId: string;
  /** The Login's privilege_key (md5(token + timestamp)). */
  privilegeKey: string;
  /** The Login's client nonce, as sent (base64 text). */
  clientNonce: string;
}

/** A fresh server nonce (raw bytes). */
export function newServerNonce(): Buffer {
  return randomBytes(SERVER_NONCE_BYTES);
}

/** A fresh client nonce as it goes into the Login metas (standard base64). */
export function newClientNonce(): string {
  return randomBytes(CLIENT_NONCE_BYTES).toString('base64');
}

/** The metas a burrow client adds to its Login (after the user's own metadatas, so they win). */
export function loginProofMetas(clientNonce: string): Record<string, string> {
  return { [LOGIN_PROOF_META]: LOGIN_PROOF_VERSION, [LOGIN_CLIENT_NONCE_META]: clientNonce };
}

/** The server nonce as LoginResp carries it. */
export function encodeServerNonce(nonce: Buffer): string {
  return nonce.toString('base64');
}

/** The raw server nonce from LoginResp.burrow_nonce; PROTOCOL error when it is not base64 of 32 bytes. */
export function decodeServerNonce(text: string): Buffer {
  if (!SERVER_NONCE_PATTERN.test(text)) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `LoginResp.burrow_nonce must be standard base64 of ${SERVER_NONCE_BYTES} bytes, got ${text.length} characters`,
    );
  }
  return Buffer.from(text, 'base64');
}

/**
 * What a Login says about the proof: 'none' (an frp client, or a meta stripped), 'malformed'
 * (LOGIN_PROOF_META with an unknown version or a bad client nonce), or the client nonce.
 */
export function readLoginProofMetas(
  metas: Record<string, string> | undefined,
): { clientNonce: string } | 'none' | 'malformed' {
  const version = metas?.[LOGIN_PROOF_META];
  if (version === undefined) return 'none';
  const clientNonce = metas?.[LOGIN_CLIENT_NONCE_META] ?? '';
  if (version !== LOGIN_PROOF_VERSION || !CLIENT_NONCE_PATTERN.test(clientNonce)) return 'malformed';
  return { clientNonce };
}

/**
 * SHA-256 of the Login's identifying fields (LOGIN_DIGEST_FIELDS): LOGIN_DIGEST_LABEL, then each
 * field in that order as decimal or text (absent = "" for text, "0" for numbers, as the server reads
 * them), every part length-prefixed as in the HMAC input.
 */
export function loginDigest(login: Login): Buffer {
  const parts: string[] = [LOGIN_DIGEST_LABEL];
  for (const field of LOGIN_DIGEST_FIELDS) {
    const value = login[field];
    parts.push(value === undefined ? (field === 'timestamp' || field === 'pool_count' ? '0' : '') : String(value));
  }
  return createHash('sha256').update(proofInput(parts)).digest();
}

/**
 * The login proof: hex HMAC-SHA256(token, LOGIN_PROOF_LABEL ‖ server nonce ‖ run_id ‖ privilege_key
 * ‖ client nonce ‖ Login digest). INTERNAL error when the digest is missing or of the wrong size.
 */
export function loginProof(input: LoginProofInput): string {
  if (!isLoginDigest(input.loginDigest)) {
    throw new BurrowError(ErrorCode.INTERNAL, `the login proof needs the ${LOGIN_DIGEST_BYTES}-byte Login digest`);
  }
  return hmacHex(input.token, [
    LOGIN_PROOF_LABEL,
    input.serverNonce,
    input.runId,
    input.privilegeKey,
    input.clientNonce,
    input.loginDigest,
  ]);
}

/** True when `given` is the login proof of `input`; compared in constant time. Fails closed (false) without a valid Login digest. */
export function verifyLoginProof(input: LoginProofInput, given: string | undefined): boolean {
  if (!isLoginDigest(input.loginDigest)) return false;
  return proofEquals(loginProof(input), given);
}

function isLoginDigest(digest: unknown): digest is Buffer {
  return Buffer.isBuffer(digest) && digest.length === LOGIN_DIGEST_BYTES;
}

/** A work connection's proof: hex HMAC-SHA256(token, WORK_CONN_PROOF_LABEL ‖ server nonce ‖ run_id ‖ decimal seq). */
export function workConnProof(token: string, serverNonce: Buffer, runId: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new BurrowError(ErrorCode.INTERNAL, `work connection sequence number must be a positive integer, got ${seq}`);
  }
  return hmacHex(token, [WORK_CONN_PROOF_LABEL, serverNonce, runId, String(seq)]);
}

/** True when `given` is the proof of work connection `seq`; compared in constant time. */
export function verifyWorkConnProof(
  token: string,
  serverNonce: Buffer,
  runId: string,
  seq: number,
  given: string | undefined,
): boolean {
  if (!Number.isSafeInteger(seq) || seq < 1) return false;
  return proofEquals(workConnProof(token, serverNonce, runId, seq), given);
}

/** The HMAC input: each part as a 4-byte big-endian length, then its bytes (strings as UTF-8). */
export function proofInput(parts: readonly (string | Buffer)[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    const length = Buffer.alloc(PART_LENGTH_BYTES);
    length.writeUInt32BE(bytes.length);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}

function hmacHex(token: string, parts: readonly (string | Buffer)[]): string {
  return createHmac('sha256', Buffer.from(token, 'utf8')).update(proofInput(parts)).digest('hex');
}

/** Constant-time equality of an expected hex proof and a given one (of the proof's fixed length). */
function proofEquals(expected: string, given: string | undefined): boolean {
  if (expected.length !== PROOF_HEX_LENGTH)
    throw new BurrowError(ErrorCode.INTERNAL, `a proof is ${PROOF_HEX_LENGTH} hex characters, got ${expected.length}`);
  return secretEquals(expected, given);
}
