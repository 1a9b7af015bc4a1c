// The server's live client sessions by run id and their login-proof guard: the one owner of both.
import { BurrowError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { LoginProofGuard } from '../wire/index.js';
import { mayReplaceSession } from '../wire/login-guard.js';
import type { PeerInfo, ServerControl } from './control.js';

/** The fingerprint of a peer's client certificate ("sha256:…"), undefined without one. */
function clientFingerprint(peer: PeerInfo): string | undefined {
  return peer.tls?.identity?.fingerprint;
}

/**
 * One per server. Handshakes ask it whether a Login may take a run id and file the session once
 * it is admitted; everything else (admin view, revocation, shutdown) only reads it.
 */
export class SessionRegistry {
  private readonly controls = new Map<string, ServerControl>();
  /** Remembers burrow Logins and proven run ids across connections (replay and downgrade checks). */
  readonly guard = new LoginProofGuard();

  constructor(private readonly logger: Logger) {}

  /** The session of `runId`, closed or not, if it is still filed. */
  get(runId: string): ServerControl | undefined {
    return this.controls.get(runId);
  }

  /** The session of `runId` if it is live (filed and not closed). */
  live(runId: string): ServerControl | undefined {
    const control = this.controls.get(runId);
    return control && !control.isClosed ? control : undefined;
  }

  /** Every filed session. */
  values(): IterableIterator<ServerControl> {
    return this.controls.values();
  }

  /** Run ids of the filed sessions. */
  runIds(): string[] {
    return [...this.controls.keys()];
  }

  /** Whether the live session of `runId` proved its login (a later Login of it must prove too). */
  provenLive(runId: string): boolean {
    return this.controls.get(runId)?.proven === true;
  }

  /** True when a live session of `runId` exists that `peer` may not replace (another client certificate). */
  heldByOtherIdentity(runId: string, peer: PeerInfo): boolean {
    const live = this.live(runId);
    return live !== undefined && !mayReplaceSession(clientFingerprint(live.peer), clientFingerprint(peer));
  }

  /** True when another run id of the same user already uses `clientId` (frps refuses the second). */
  clientIdInUse(runId: string, user: string, clientId: string): boolean {
    for (const other of this.controls.values()) {
      if (other.runId !== runId && other.login.client_id === clientId && (other.login.user ?? '') === user) return true;
    }
    return false;
  }

  /** Files `control` under its run id; a previous session of that run id (a re-login) is closed first. */
  register(control: ServerControl): void {
    const previous = this.controls.get(control.runId);
    if (previous) {
      this.logger.info({ runId: control.runId }, 'client logged in again; replacing its previous session');
      previous.close(new BurrowError(ErrorCode.CLOSED, 'replaced by a new login'));
    }
    this.controls.set(control.runId, control);
  }

  /**
   * Forgets `control` if it is still the session of its run id (a replaced one is not); a proven
   * run id is remembered by the guard. Returns whether it was filed.
   */
  remove(control: ServerControl, nowMs: number): boolean {
    if (this.controls.get(control.runId) !== control) return false;
    this.controls.delete(control.runId);
    if (control.proven) this.guard.noteProven(control.runId, nowMs);
    return true;
  }
}
