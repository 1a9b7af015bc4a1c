// The server's login-proof policy: which Logins must prove the token, and which are refused as replays (auth.loginProof).
import type { Login } from './messages.js';
import { LOGIN_PROOF_WINDOW_SEC, readLoginProofMetas } from './login-proof.js';
import { ExpiringSet } from './replay-guard.js';

/** auth.loginProof: "auto" = burrow clients prove, frp clients log in as with frps; "require" = only proven logins. */
export type LoginProofMode = 'auto' | 'require';

/** How long the server remembers a burrow Login's keys and a proven session's run_id. */
export const LOGIN_REPLAY_MEMORY_MS = 24 * 60 * 60 * 1000;
/** At most this many entries per memory (oldest forgotten first); a few MB at most. */
export const LOGIN_REPLAY_MEMORY_MAX = 16_384;
/** Milliseconds per second. */
const MS_PER_SECOND = 1000;

/** Metric reasons of the refusals below (the login-failure counter's `reason` label). */
export const LoginProofFailure = {
  required: 'login_proof_required',
  malformed: 'login_proof_malformed',
  clockSkew: 'login_clock_skew',
  replayed: 'replayed_login',
  failed: 'login_proof_failed',
} as const;

/** Refusal texts a client shows its user. */
export const LoginProofRefusal = {
  required:
    'this server requires the burrow login proof (auth.loginProof = "require"): only burrow clients can log in; frp clients (frpc) cannot',
  malformed: 'malformed burrow login proof metas (burrow.proof / burrow.cnonce)',
  clockSkew: (skewSec: number) =>
    `login timestamp is ${skewSec} s away from the server's clock (more than ${LOGIN_PROOF_WINDOW_SEC} s allowed): fix the clock of the client or the server`,
  replayed: 'replayed login: this burrow login was already used',
  stripped: 'replayed login: its privilege key belongs to a burrow login seen before, sent again without its proof meta',
  takeover: (runId: string) => `run id [${runId}] belongs to a session that proved its login; a login without the proof cannot take it over`,
  proofFailed: 'burrow login proof failed: the server nonce was not answered with a valid proof (token mismatch or a replayed session)',
  proofMissing: 'burrow login proof missing: the first control message was not the proof Ping',
} as const;

/** What to do with a Login whose token already checked out. */
export type LoginProofVerdict =
  | { readonly kind: 'proof'; readonly clientNonce: string }
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
 * privilege_key; or the run_id of a proven session). One guard per server.
 */
export class LoginProofGuard {
  /** privilege_key + client nonce of every burrow Login seen. */
  private readonly logins: ExpiringSet;
  /** privilege_key of every burrow Login seen. */
  private readonly keys: ExpiringSet;
  /** run_ids of sessions that proved their login. */
  private readonly provenRunIds: ExpiringSet;

  constructor(capacity = LOGIN_REPLAY_MEMORY_MAX, ttlMs = LOGIN_REPLAY_MEMORY_MS) {
    this.logins = new ExpiringSet(capacity, ttlMs);
    this.keys = new ExpiringSet(capacity, ttlMs);
    this.provenRunIds = new ExpiringSet(capacity, ttlMs);
  }

  /** The verdict on a Login whose privilege_key already verified against the token (so only genuine keys are remembered). */
  check(login: Login, opts: LoginCheckOptions): LoginProofVerdict {
    const key = login.privilege_key ?? '';
    const metas = readLoginProofMetas(login.metas);
    if (metas === 'malformed') return refuse(LoginProofRefusal.malformed, LoginProofFailure.malformed);
    if (metas === 'none') {
      if (opts.mode === 'require') return refuse(LoginProofRefusal.required, LoginProofFailure.required);
      if (this.keys.has(key, opts.nowMs)) return refuse(LoginProofRefusal.stripped, LoginProofFailure.replayed);
      const runId = login.run_id ?? '';
      if (runId !== '' && (opts.runIdProvenLive || this.provenRunIds.has(runId, opts.nowMs))) {
        return refuse(LoginProofRefusal.takeover(runId), LoginProofFailure.replayed);
      }
      return { kind: 'plain' };
    }
    const skewSec = Math.abs(Math.round(opts.nowMs / MS_PER_SECOND) - (login.timestamp ?? 0));
    if (skewSec > LOGIN_PROOF_WINDOW_SEC) return refuse(LoginProofRefusal.clockSkew(skewSec), LoginProofFailure.clockSkew);
    const loginKey = `${key}/${metas.clientNonce}`;
    if (this.logins.has(loginKey, opts.nowMs)) return refuse(LoginProofRefusal.replayed, LoginProofFailure.replayed);
    this.logins.add(loginKey, opts.nowMs);
    this.keys.add(key, opts.nowMs);
    return { kind: 'proof', clientNonce: metas.clientNonce };
  }

  /** A session proved its login (call again when it ends, so its run_id is remembered from then on). */
  noteProven(runId: string, nowMs: number): void {
    this.provenRunIds.add(runId, nowMs);
  }
}

function refuse(reason: string, metric: string): LoginProofVerdict {
  return { kind: 'refuse', reason, metric };
}
