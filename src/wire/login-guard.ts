// The server's login-proof policy: which Logins must prove the token, and which are refused as replays (auth.loginProof).
import type { Login } from './messages.js';
import { LOGIN_PROOF_WINDOW_SEC, loginDigest, readLoginProofMetas } from './login-proof.js';
import { ExpiringSet } from './replay-guard.js';

/** auth.loginProof: "auto" = burrow clients prove, frp clients log in as with frps; "require" = only proven logins. */
export type LoginProofMode = 'auto' | 'require';

/**
 * How long the server remembers a proven burrow Login and a proven session's run_id. In "auto" mode
 * an frp Login whose timestamp is further than this from the server clock is refused, so a stripped
 * copy of a burrow Login is refused by the memory first, by its timestamp after.
 */
export const LOGIN_REPLAY_MEMORY_MS = 24 * 60 * 60 * 1000;
/** At most this many entries per memory (oldest forgotten first); a few MB at most. */
export const LOGIN_REPLAY_MEMORY_MAX = 16_384;
/** Milliseconds per second. */
const MS_PER_SECOND = 1000;
/**
 * A burrow Login may be up to LOGIN_PROOF_WINDOW_SEC ahead of the server clock: its digest is kept
 * that much longer (and 1 s for rounding), so no stripped copy falls between memory and time window.
 */
const DIGEST_MEMORY_EXTRA_MS = (LOGIN_PROOF_WINDOW_SEC + 1) * MS_PER_SECOND;

/** Metric reasons of the refusals below (the login-failure counter's `reason` label). */
export const LoginProofFailure = {
  required: 'login_proof_required',
  malformed: 'login_proof_malformed',
  clockSkew: 'login_clock_skew',
  replayed: 'replayed_login',
  failed: 'login_proof_failed',
  otherIdentity: 'run_id_other_identity',
} as const;

/** Refusal texts a client shows its user. */
export const LoginProofRefusal = {
  required:
    'this server requires the burrow login proof (auth.loginProof = "require"): only burrow clients can log in; frp clients (frpc) cannot',
  malformed: 'malformed burrow login proof metas (burrow.proof / burrow.cnonce)',
  clockSkew: (skewSec: number) =>
    `login timestamp is ${skewSec} s away from the server's clock (more than ${LOGIN_PROOF_WINDOW_SEC} s allowed): fix the clock of the client or the server`,
  plainClockSkew: (skewSec: number, windowSec: number) =>
    `login timestamp is ${skewSec} s away from the server's clock (more than ${windowSec} s allowed for a login without the burrow proof): frpc always sends the current time, so this is an old login sent again or a wrong clock; fix the clock of the client or the server`,
  replayed: 'replayed login: this burrow login was already used',
  stripped: 'replayed login: it is a copy of a burrow login seen before, sent again without its proof meta',
  takeover: (runId: string) =>
    `run id [${runId}] belongs to a session that proved its login; a login without the proof cannot take it over`,
  otherIdentity: (runId: string) =>
    `run id [${runId}] belongs to a live session of another TLS client identity (client certificate); a login from a different certificate cannot replace it`,
  proofFailed:
    'burrow login proof failed: the server nonce was not answered with a valid proof (token mismatch or a replayed session)',
  proofMissing: 'burrow login proof missing: the first control message was not the proof Ping',
} as const;

/** A burrow Login waiting for its proof: settle() it once (proven or not). */
export interface LoginAttempt {
  /** Hex loginDigest of the Login: refuses its stripped copies. */
  readonly digest: string;
  /** privilege_key + client nonce: refuses it verbatim. */
  readonly loginKey: string;
}

/** What to do with a Login whose token already checked out. */
export type LoginProofVerdict =
  | { readonly kind: 'proof'; readonly clientNonce: string; readonly attempt: LoginAttempt }
  | { readonly kind: 'plain' }
  | { readonly kind: 'refuse'; readonly reason: string; readonly metric: string };

/** Options of LoginProofGuard.check. */
export interface LoginCheckOptions {
  readonly mode: LoginProofMode;
  readonly nowMs: number;
  /** The Login's run_id names a live session that proved its login. */
  readonly runIdProvenLive: boolean;
}

/**
 * Remembers what burrow Logins looked like, to refuse them when they come again: verbatim (same
 * privilege_key and client nonce), or stripped of the proof meta to pass as an frp client (same
 * identifying fields, see loginDigest; or the run_id of a proven session). In "auto" mode an frp
 * Login must also carry a timestamp within the memory period. One guard per server.
 *
 * Only proven Logins enter the bounded memories (nobody can flood them without the token); Logins
 * still waiting for their proof (at most one per open connection, for LOGIN_PROOF_TIMEOUT_MS) are
 * held apart until settled.
 */
export class LoginProofGuard {
  /** privilege_key + client nonce of every proven burrow Login. */
  private readonly logins: ExpiringSet;
  /** Hex digest of the identifying fields of every proven burrow Login. */
  private readonly digests: ExpiringSet;
  /** run_ids of sessions that proved their login. */
  private readonly provenRunIds: ExpiringSet;
  /** Burrow Logins waiting for their proof, and how many of them have each digest and login key. */
  private readonly pending = new Set<LoginAttempt>();
  private readonly pendingKeys = new Map<string, number>();
  /** How far an frp Login's timestamp may be from the server clock in "auto" mode (seconds). */
  readonly plainWindowSec: number;

  constructor(capacity = LOGIN_REPLAY_MEMORY_MAX, ttlMs = LOGIN_REPLAY_MEMORY_MS) {
    this.logins = new ExpiringSet(capacity, ttlMs);
    this.digests = new ExpiringSet(capacity, ttlMs + DIGEST_MEMORY_EXTRA_MS);
    this.provenRunIds = new ExpiringSet(capacity, ttlMs);
    this.plainWindowSec = Math.floor(ttlMs / MS_PER_SECOND);
  }

  /**
   * The verdict on a Login whose privilege_key already verified against the token. Remembers
   * nothing: a 'proof' verdict's attempt is admit()ted when its session starts, then settle()d.
   */
  check(login: Login, opts: LoginCheckOptions): LoginProofVerdict {
    const metas = readLoginProofMetas(login.metas);
    if (metas === 'malformed') return refuse(LoginProofRefusal.malformed, LoginProofFailure.malformed);
    // Not finite (no timestamp at all is 0): refused below, whatever the window.
    const skewSec = Math.abs(Math.round(opts.nowMs / MS_PER_SECOND) - (login.timestamp ?? 0));
    const digest = loginDigest(login).toString('hex');
    if (metas === 'none') {
      if (opts.mode === 'require') return refuse(LoginProofRefusal.required, LoginProofFailure.required);
      if (!(skewSec <= this.plainWindowSec)) {
        return refuse(LoginProofRefusal.plainClockSkew(skewSec, this.plainWindowSec), LoginProofFailure.clockSkew);
      }
      if (this.digests.has(digest, opts.nowMs) || this.pendingKeys.has(digestKey(digest))) {
        return refuse(LoginProofRefusal.stripped, LoginProofFailure.replayed);
      }
      const runId = login.run_id ?? '';
      if (runId !== '' && (opts.runIdProvenLive || this.provenRunIds.has(runId, opts.nowMs))) {
        return refuse(LoginProofRefusal.takeover(runId), LoginProofFailure.replayed);
      }
      return { kind: 'plain' };
    }
    if (!(skewSec <= LOGIN_PROOF_WINDOW_SEC))
      return refuse(LoginProofRefusal.clockSkew(skewSec), LoginProofFailure.clockSkew);
    const loginKey = `${login.privilege_key ?? ''}/${metas.clientNonce}`;
    if (this.logins.has(loginKey, opts.nowMs) || this.pendingKeys.has(loginKey)) {
      return refuse(LoginProofRefusal.replayed, LoginProofFailure.replayed);
    }
    return { kind: 'proof', clientNonce: metas.clientNonce, attempt: { digest, loginKey } };
  }

  /** A 'proof' Login's session started: its copies are refused while it waits for its proof. */
  admit(attempt: LoginAttempt): void {
    if (this.pending.has(attempt)) return;
    this.pending.add(attempt);
    for (const key of pendingKeysOf(attempt)) this.pendingKeys.set(key, (this.pendingKeys.get(key) ?? 0) + 1);
  }

  /** The Login proved itself (remembered from now on) or its session ended without (forgotten). Once per attempt. */
  settle(attempt: LoginAttempt, proven: boolean, nowMs: number): void {
    if (!this.pending.delete(attempt)) return;
    for (const key of pendingKeysOf(attempt)) {
      const count = (this.pendingKeys.get(key) ?? 0) - 1;
      if (count > 0) this.pendingKeys.set(key, count);
      else this.pendingKeys.delete(key);
    }
    if (!proven) return;
    this.logins.add(attempt.loginKey, nowMs);
    this.digests.add(attempt.digest, nowMs);
  }

  /** A session proved its login (call again when it ends, so its run_id is remembered from then on). */
  noteProven(runId: string, nowMs: number): void {
    this.provenRunIds.add(runId, nowMs);
  }

  /** How many burrow Logins wait for their proof (bounded by the connections open). */
  get pendingCount(): number {
    return this.pending.size;
  }
}

/**
 * True when a Login on a connection with client certificate `newFingerprint` may replace the live
 * session of its run_id, whose connection had `liveFingerprint`: the same certificate, or none on
 * either side (frp's reconnect). Fingerprints are public values: a plain comparison.
 */
export function mayReplaceSession(liveFingerprint: string | undefined, newFingerprint: string | undefined): boolean {
  return (liveFingerprint ?? '') === (newFingerprint ?? '');
}

/** A digest's key among the pending keys (prefixed: a login key contains '/', a hex digest does not). */
function digestKey(digest: string): string {
  return `digest:${digest}`;
}

function pendingKeysOf(attempt: LoginAttempt): string[] {
  return [digestKey(attempt.digest), attempt.loginKey];
}

function refuse(reason: string, metric: string): LoginProofVerdict {
  return { kind: 'refuse', reason, metric };
}
