// The first message of each logical connection: a client's Login, a NewWorkConn, or a visitor's NewVisitorConn.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { BurrowMetrics } from '../observe/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { MuxStream } from '../mux/index.js';
import { splitHostPort } from '../net/dial.js';
import { destroySoon, endSoon } from '../net/linger.js';
import { describeIdentity } from '../tls/index.js';
import { FRP_COMPAT_VERSION } from '../version.js';
import {
  acceptWire,
  encodeServerNonce,
  HelloError,
  LoginProofGuard,
  MissingHelloError,
  newServerNonce,
  refuseLogin,
  startServerControl,
  verifyPrivilegeKey,
  writeServerHelloError,
  type AcceptedWire,
  type Login,
  LoginProofFailure,
  LoginProofRefusal,
  type LoginProofMode,
  type NewVisitorConn,
  type NewWorkConn,
  type WireConn,
  YamuxFrameSeenError,
} from '../wire/index.js';
// Not (yet) re-exported by the wire index.
import { mayReplaceSession, type LoginAttempt } from '../wire/login-guard.js';
import { loginDigest } from '../wire/login-proof.js';
import { FIRST_MESSAGE_TIMEOUT_MS, RUN_ID_BYTES } from './constants.js';
import { ServerControl, type ControlHost, type PeerInfo } from './control.js';
import { handshakeReason, LoginFailure } from './failure-reasons.js';
import { refuseMuxedClient } from './mux-mismatch.js';
import { IdentityPolicy } from './policy.js';
import { identityLogField, otherIdentityRefusal, workConnMatchesControl } from './work-conn-identity.js';
import { VisitorRefusal, type VisitorTargets } from './proxies/stcp.js';

/** frps's texts for refusals a client shows to its user. */
export const ServerRefusal = {
  badToken: "token in login doesn't match token from configuration",
  badWorkConnToken: "token in NewWorkConn doesn't match token from configuration",
  badWorkConnProof: 'work connection proof of this burrow session is missing, wrong or already used',
  poolFull: 'work connection pool is full, discarding',
  // frps's text, then the burrow key that sets the cap (default DEFAULT_MAX_PORTS_PER_CLIENT).
  maxPorts: 'exceed the max_ports_per_client (maxPortsPerClient)',
  shuttingDown: 'server is shutting down',
} as const;

/** What the handshakes need from the server. */
export interface HandshakeContext {
  readonly token: string;
  readonly detailedErrors: boolean;
  readonly encryptionKey: Buffer;
  /** NewWorkConn carries a privilege key (auth.additionalScopes has "NewWorkConns"). */
  readonly workConnScope: boolean;
  readonly logger: Logger;
  readonly metrics: BurrowMetrics;
  /** Logged-in clients by run_id. */
  readonly controls: Map<string, ServerControl>;
  readonly visitorTargets: VisitorTargets;
  readonly controlHost: ControlHost;
  /**
   * The identity policy in force ([[auth.clients]] plus enrolled identities): a Login's `user` is
   * bound to the certificate by it. Absent: the config's [[auth.clients]] alone.
   */
  identityPolicy?(): IdentityPolicy;
  /** True once the server is shutting down: logins and visitors are refused. */
  draining(): boolean;
  /** A client logged in (its control is already in `controls` and started). */
  clientLoggedIn(control: ServerControl): void;
  /** A client's session ended (already removed from `controls`). */
  clientClosed(control: ServerControl): void;
}

/** auth.loginProof when the host has no config (library and tests): burrow clients prove, frp clients log in. */
const DEFAULT_LOGIN_PROOF_MODE: LoginProofMode = 'auto';

/** The login-failure metric reason of a Login whose `user` is not its certificate's identity. */
const LOGIN_USER_NOT_IDENTITY = 'user_not_identity';

/**
 * One login-proof guard per server: it remembers burrow Logins and proven run_ids across
 * connections. Keyed by the context the server built once (server.ts does not hold it itself).
 */
const guards = new WeakMap<HandshakeContext, LoginProofGuard>();

function loginGuard(ctx: HandshakeContext): LoginProofGuard {
  let guard = guards.get(ctx);
  if (!guard) {
    guard = new LoginProofGuard();
    guards.set(ctx, guard);
  }
  return guard;
}

/** The fingerprint of a peer's client certificate ("sha256:…"), undefined without one. */
function clientFingerprint(peer: PeerInfo): string | undefined {
  return peer.tls?.identity?.fingerprint;
}

/** The identity label of a peer for metrics: its certificate CN, "" without one. */
export function identityLabel(peer: PeerInfo): string {
  return peer.tls?.identity?.cn ?? '';
}

/**
 * Reads the first message of a control, work or visitor connection (wire v1 or v2) and serves it.
 * A connection whose first message is bad, late or unexpected is closed (and counted as a
 * handshake failure).
 */
export async function serveLogicalConn(ctx: HandshakeContext, conn: Duplex, peer: PeerInfo): Promise<void> {
  conn.on('error', (err) => ctx.logger.debug({ remote: peer.remoteAddress, err: err.message }, 'connection error'));
  let accepted: AcceptedWire;
  try {
    accepted = await acceptWire(conn, { timeoutMs: FIRST_MESSAGE_TIMEOUT_MS });
  } catch (err) {
    // A yamux frame on a plain connection (a stream of a session would not start with one): tcpMux differs.
    if (err instanceof YamuxFrameSeenError && !(conn instanceof MuxStream)) {
      ctx.metrics.handshakeFailed(handshakeReason(err));
      refuseMuxedClient(ctx.logger, conn, peer.remoteAddress);
      return;
    }
    ctx.logger.warn({ remote: peer.remoteAddress, reason: errorMessage(err) }, 'bad first message; connection closed');
    if (err instanceof MissingHelloError) {
      ctx.metrics.loginFailed(LoginFailure.missingHello, identityLabel(peer));
      refuseLogin(err.accepted, { version: FRP_COMPAT_VERSION, error: err.reason });
      destroySoon(conn);
    } else if (err instanceof HelloError) {
      ctx.metrics.handshakeFailed(LoginFailure.badHello);
      writeServerHelloError(conn, err.reason);
      destroySoon(conn);
    } else {
      ctx.metrics.handshakeFailed(handshakeReason(err));
      conn.destroy();
    }
    return;
  }
  const first = accepted.first;
  switch (first.type) {
    case 'Login':
      acceptLogin(ctx, accepted, first.body, peer);
      return;
    case 'NewWorkConn':
      acceptWorkConn(ctx, accepted.conn, first.body, peer);
      return;
    case 'NewVisitorConn':
      acceptVisitorConn(ctx, accepted.conn, first.body, peer);
      return;
    default:
      ctx.logger.warn({ remote: peer.remoteAddress, type: first.type }, 'unexpected first message; connection closed');
      ctx.metrics.handshakeFailed('unexpected_message');
      conn.destroy();
  }
}

/**
 * A Login: token checked, then the login-proof policy (auth.loginProof), run_id ownership, client_id
 * uniqueness, then the encrypted control session starts. A burrow Login that asked for the proof gets
 * a server nonce in LoginResp and is registered (replacing a previous session of its run_id) only
 * once proven. A live session is never replaced from another client certificate.
 */
function acceptLogin(ctx: HandshakeContext, accepted: AcceptedWire, login: Login, peer: PeerInfo): void {
  const refuse = (reason: string, metricReason: string): void => {
    ctx.logger.warn({ remote: peer.remoteAddress, user: login.user ?? '', reason }, 'login refused');
    ctx.metrics.loginFailed(metricReason, identityLabel(peer));
    const error = ctx.detailedErrors ? reason : 'register control error';
    refuseLogin(accepted, { version: FRP_COMPAT_VERSION, error });
    destroySoon(accepted.conn.stream);
  };
  if (ctx.draining()) {
    refuse(ServerRefusal.shuttingDown, LoginFailure.shuttingDown);
    return;
  }
  if (!verifyPrivilegeKey(ctx.token, login.timestamp ?? 0, login.privilege_key)) {
    refuse(ServerRefusal.badToken, LoginFailure.badToken);
    return;
  }
  const policy = ctx.identityPolicy?.() ?? new IdentityPolicy(ctx.controlHost.config?.auth.clients ?? []);
  const userRefusal = policy.userRefusal(peer.tls?.identity, login.user ?? '');
  if (userRefusal) {
    refuse(userRefusal, LOGIN_USER_NOT_IDENTITY);
    return;
  }
  const guard = loginGuard(ctx);
  const verdict = guard.check(login, {
    mode: ctx.controlHost.config?.auth.loginProof ?? DEFAULT_LOGIN_PROOF_MODE,
    nowMs: Date.now(),
    runIdProvenLive: login.run_id ? ctx.controls.get(login.run_id)?.proven === true : false,
  });
  if (verdict.kind === 'refuse') {
    refuse(verdict.reason, verdict.metric);
    return;
  }
  const runId = login.run_id || randomBytes(RUN_ID_BYTES).toString('hex');
  const live = ctx.controls.get(runId);
  if (live && !live.isClosed && !mayReplaceSession(clientFingerprint(live.peer), clientFingerprint(peer))) {
    refuse(LoginProofRefusal.otherIdentity(runId), LoginProofFailure.otherIdentity);
    return;
  }
  if (login.client_id) {
    for (const other of ctx.controls.values()) {
      if (
        other.runId !== runId &&
        other.login.client_id === login.client_id &&
        (other.login.user ?? '') === (login.user ?? '')
      ) {
        refuse(
          `client_id [${login.client_id}] for user [${login.user ?? ''}] is already online`,
          LoginFailure.clientIdInUse,
        );
        return;
      }
    }
  }
  const serverNonce = verdict.kind === 'proof' ? newServerNonce() : undefined;
  const resp = {
    version: FRP_COMPAT_VERSION,
    run_id: runId,
    ...(serverNonce ? { burrow_nonce: encodeServerNonce(serverNonce) } : {}),
  };
  const channel = startServerControl(accepted, resp, ctx.encryptionKey, ctx.token);
  // The proof covers the Login as the client sent it (its run_id before the server assigned one).
  const proof =
    serverNonce && verdict.kind === 'proof'
      ? { serverNonce, clientNonce: verdict.clientNonce, loginDigest: loginDigest(login) }
      : undefined;
  const attempt: LoginAttempt | undefined = verdict.kind === 'proof' ? verdict.attempt : undefined;
  const control = new ServerControl(
    runId,
    { ...login, run_id: runId },
    peer,
    channel,
    ctx.encryptionKey,
    ctx.controlHost,
    ctx.logger,
    { proof },
  );
  if (attempt) guard.admit(attempt);
  const register = (): void => {
    const previous = ctx.controls.get(runId);
    // Checked again: another session of this run_id may have registered while the proof was on its way.
    if (
      previous &&
      !previous.isClosed &&
      !mayReplaceSession(clientFingerprint(previous.peer), clientFingerprint(peer))
    ) {
      const reason = LoginProofRefusal.otherIdentity(runId);
      ctx.metrics.loginFailed(LoginProofFailure.otherIdentity, identityLabel(peer));
      ctx.logger.warn({ runId, remote: peer.remoteAddress, user: login.user ?? '', reason }, 'login refused');
      control.close(new BurrowError(ErrorCode.AUTH, reason));
      return;
    }
    if (previous) {
      ctx.logger.info({ runId }, 'client logged in again; replacing its previous session');
      previous.close(new BurrowError(ErrorCode.CLOSED, 'replaced by a new login'));
    }
    ctx.controls.set(runId, control);
    logLogin(ctx, control, peer);
    ctx.clientLoggedIn(control);
  };
  control.once('close', (err?: Error) => {
    if (attempt) guard.settle(attempt, control.proven, Date.now());
    if (ctx.controls.get(runId) === control) {
      ctx.controls.delete(runId);
      if (control.proven) guard.noteProven(runId, Date.now());
      ctx.logger.info({ runId }, 'client session closed');
      ctx.clientClosed(control);
    } else if (proof && !control.proven) {
      ctx.metrics.loginFailed(LoginProofFailure.failed, identityLabel(peer));
      const reason = err ? errorMessage(err) : 'connection closed before the login proof';
      ctx.logger.warn({ runId, remote: peer.remoteAddress, user: login.user ?? '', reason }, 'login refused');
    }
  });
  if (proof) {
    control.once('proven', () => {
      if (attempt) guard.settle(attempt, true, Date.now());
      guard.noteProven(runId, Date.now());
      // The server may have begun to shut down while the proof was on its way.
      if (ctx.draining()) control.close(new BurrowError(ErrorCode.CLOSED, ServerRefusal.shuttingDown));
      else register();
    });
  } else {
    register();
  }
  control.start();
}

/** The 'client login' line: session, transport and client facts, and whether the login was proven. */
function logLogin(ctx: HandshakeContext, control: ServerControl, peer: PeerInfo): void {
  const { login } = control;
  ctx.logger.info(
    {
      runId: control.runId,
      remote: peer.remoteAddress,
      wire: control.wire,
      controlCipher: control.controlCipher,
      loginProof: control.proven ? 'proven' : 'none',
      tls: Boolean(peer.tls),
      tlsVersion: peer.tls?.version,
      tlsCipher: peer.tls?.cipher,
      clientIdentity: peer.tls ? describeIdentity(peer.tls.identity) : undefined,
      clientFingerprint: peer.tls?.identity?.fingerprint,
      version: login.version,
      hostname: login.hostname,
      os: login.os,
      arch: login.arch,
      user: login.user,
    },
    control.proven ? 'client login (login proven: server nonce answered with the token HMAC)' : 'client login',
  );
}

/** The handshake-failure metric reason of a work connection from another certificate than its session's. */
const WORK_CONN_OTHER_IDENTITY = 'work_conn_other_identity';

/** A NewWorkConn: filed into the pool of the control its run_id names, if it comes from the session's certificate. */
function acceptWorkConn(ctx: HandshakeContext, conn: WireConn, request: NewWorkConn, peer: PeerInfo): void {
  const refuse = (reason: string): void => {
    ctx.logger.warn({ remote: peer.remoteAddress, runId: request.run_id ?? '', reason }, 'work connection refused');
    conn.write({ type: 'StartWorkConn', body: { error: ctx.detailedErrors ? reason : 'invalid NewWorkConn' } });
    endSoon(conn.stream);
  };
  const control = ctx.controls.get(request.run_id ?? '');
  if (!control || control.isClosed) {
    refuse(`no client control found for run id [${request.run_id ?? ''}]`);
    return;
  }
  // Whatever the login-proof mode: a work connection carries the session's users' traffic, so it must
  // come from the client certificate that session logged in with (or its renewal).
  if (!workConnMatchesControl(control.peer.tls?.identity, peer.tls?.identity)) {
    const reason = otherIdentityRefusal(control.runId);
    ctx.logger.warn(
      {
        remote: peer.remoteAddress,
        runId: control.runId,
        sessionIdentity: identityLogField(control.peer.tls?.identity),
        workConnIdentity: identityLogField(peer.tls?.identity),
        reason,
      },
      'work connection refused: client certificate differs from its session',
    );
    ctx.metrics.handshakeFailed(WORK_CONN_OTHER_IDENTITY);
    conn.write({ type: 'StartWorkConn', body: { error: ctx.detailedErrors ? reason : 'invalid NewWorkConn' } });
    endSoon(conn.stream);
    return;
  }
  if (control.proven) {
    // A proven session's work connections carry an HMAC bound to its nonce (replaces the md5 check).
    if (!control.acceptWorkConnProof(request)) {
      refuse(ServerRefusal.badWorkConnProof);
      return;
    }
  } else if (ctx.workConnScope && !verifyPrivilegeKey(ctx.token, request.timestamp ?? 0, request.privilege_key)) {
    refuse(ServerRefusal.badWorkConnToken);
    return;
  }
  if (!control.offerWorkConn(conn)) refuse(ServerRefusal.poolFull);
}

/**
 * A visitor connection: the target stcp proxy must exist, the sign key match its secret key and
 * the visitor's user (from the Login of its run_id) be allowed. Answered with
 * NewVisitorConnResp in clear (frps's texts on refusal), then joined to a work connection.
 */
function acceptVisitorConn(ctx: HandshakeContext, conn: WireConn, request: NewVisitorConn, peer: PeerInfo): void {
  const name = request.proxy_name ?? '';
  const refuse = (reason: string): void => {
    ctx.logger.warn({ remote: peer.remoteAddress, proxy: name, reason }, 'visitor connection refused');
    const error = ctx.detailedErrors ? `register visitor conn error: ${reason}` : 'register visitor conn error';
    conn.write({ type: 'NewVisitorConnResp', body: { proxy_name: name, error } });
    endSoon(conn.stream);
  };
  if (ctx.draining()) {
    refuse(ServerRefusal.shuttingDown);
    return;
  }
  let visitorUser = '';
  const runId = request.run_id ?? '';
  if (runId !== '') {
    const control = ctx.controls.get(runId);
    if (!control || control.isClosed) {
      refuse(VisitorRefusal.noControl(runId));
      return;
    }
    visitorUser = control.login.user ?? '';
  }
  const target = ctx.visitorTargets.get(name);
  if (!target) {
    refuse(VisitorRefusal.noProxy(name));
    return;
  }
  const reason = target.refusal(request, visitorUser);
  if (reason) {
    refuse(reason);
    return;
  }
  conn.write({ type: 'NewVisitorConnResp', body: { proxy_name: name } });
  ctx.logger.debug({ remote: peer.remoteAddress, proxy: name, user: visitorUser }, 'visitor connection admitted');
  target.serveVisitor(conn.stream, request, splitHostPort(peer.remoteAddress));
}
