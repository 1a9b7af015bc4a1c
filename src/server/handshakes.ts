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
import type { LoginAttempt } from '../wire/login-guard.js';
import { loginDigest } from '../wire/login-proof.js';
import { FIRST_MESSAGE_TIMEOUT_MS, RUN_ID_BYTES } from './constants.js';
import { ServerControl, type ControlHost, type PeerInfo } from './control.js';
import { handshakeReason, LoginFailure } from './failure-reasons.js';
import { refuseMuxedClient } from './mux-mismatch.js';
import type { IdentityPolicy } from './policy.js';
import type { PluginManager } from './plugins/index.js';
import type { SessionRegistry } from './session-registry.js';
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

/** What a handshake checks a first message against: the secrets, the policy, the shutdown state. */
export interface HandshakeAuth {
  readonly token: string;
  /** The control-stream key derived from the token. */
  readonly encryptionKey: Buffer;
  /** detailedErrorsToClient: refusals carry the reason instead of a generic text. */
  readonly detailedErrors: boolean;
  /** NewWorkConn carries a privilege key (auth.additionalScopes has "NewWorkConns"). */
  readonly workConnScope: boolean;
  /** auth.loginProof of the config in use. */
  loginProofMode(): LoginProofMode;
  /** The identity policy in force ([[auth.clients]] plus enrolled identities): binds a Login's `user` to its certificate. */
  policy(): IdentityPolicy;
  /** True once the server is shutting down: logins and visitors are refused. */
  draining(): boolean;
}

/** Where handshakes report: the log, the metrics, and the server's login and close events. */
export interface HandshakeReport {
  readonly logger: Logger;
  readonly metrics: BurrowMetrics;
  /** A client logged in (its control is already filed in the registry and started). */
  clientLoggedIn(control: ServerControl): void;
  /** A client's session ended (already removed from the registry). */
  clientClosed(control: ServerControl): void;
}

/** What admitted connections are handed to: the host of new controls and the stcp targets of visitors. */
export interface HandshakeTargets {
  readonly controlHost: ControlHost;
  readonly visitorTargets: VisitorTargets;
}

/** What the handshakes need from the server, in four parts. */
export interface HandshakeContext {
  /** The live sessions and their login-proof guard. */
  readonly sessions: SessionRegistry;
  readonly auth: HandshakeAuth;
  readonly report: HandshakeReport;
  readonly targets: HandshakeTargets;
  /** [[httpPlugins]] asked at Login and NewWorkConn; absent = none. */
  readonly plugins?: PluginManager;
}

/** The login-failure metric reason of a Login whose `user` is not its certificate's identity. */
const LOGIN_USER_NOT_IDENTITY = 'user_not_identity';

/** The login-failure metric reason of a Login a server plugin refused (or could not be asked about). */
const LOGIN_PLUGIN_REFUSED = 'plugin';

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
  conn.on('error', (err) =>
    ctx.report.logger.debug({ remote: peer.remoteAddress, err: err.message }, 'connection error'),
  );
  let accepted: AcceptedWire;
  try {
    accepted = await acceptWire(conn, { timeoutMs: FIRST_MESSAGE_TIMEOUT_MS });
  } catch (err) {
    // A yamux frame on a plain connection (a stream of a session would not start with one): tcpMux differs.
    if (err instanceof YamuxFrameSeenError && !(conn instanceof MuxStream)) {
      ctx.report.metrics.handshakeFailed(handshakeReason(err));
      refuseMuxedClient(ctx.report.logger, conn, peer.remoteAddress);
      return;
    }
    ctx.report.logger.warn(
      { remote: peer.remoteAddress, reason: errorMessage(err) },
      'bad first message; connection closed',
    );
    if (err instanceof MissingHelloError) {
      ctx.report.metrics.loginFailed(LoginFailure.missingHello, identityLabel(peer));
      refuseLogin(err.accepted, { version: FRP_COMPAT_VERSION, error: err.reason });
      destroySoon(conn);
    } else if (err instanceof HelloError) {
      ctx.report.metrics.handshakeFailed(LoginFailure.badHello);
      writeServerHelloError(conn, err.reason);
      destroySoon(conn);
    } else {
      ctx.report.metrics.handshakeFailed(handshakeReason(err));
      conn.destroy();
    }
    return;
  }
  const first = accepted.first;
  switch (first.type) {
    case 'Login':
      await acceptLogin(ctx, accepted, first.body, peer);
      return;
    case 'NewWorkConn':
      await acceptWorkConn(ctx, accepted.conn, first.body, peer);
      return;
    case 'NewVisitorConn':
      acceptVisitorConn(ctx, accepted.conn, first.body, peer);
      return;
    default:
      ctx.report.logger.warn(
        { remote: peer.remoteAddress, type: first.type },
        'unexpected first message; connection closed',
      );
      ctx.report.metrics.handshakeFailed('unexpected_message');
      conn.destroy();
  }
}

/**
 * A Login: token checked, then the login-proof policy (auth.loginProof), run_id ownership, client_id
 * uniqueness, then the encrypted control session starts. A burrow Login that asked for the proof gets
 * a server nonce in LoginResp and is registered (replacing a previous session of its run_id) only
 * once proven. A live session is never replaced from another client certificate.
 */
async function acceptLogin(ctx: HandshakeContext, accepted: AcceptedWire, sent: Login, peer: PeerInfo): Promise<void> {
  // The Login as the server uses it: as sent, or as the Login plugins changed it.
  let login = sent;
  const refuse = (reason: string, metricReason: string): void => {
    ctx.report.logger.warn({ remote: peer.remoteAddress, user: login.user ?? '', reason }, 'login refused');
    ctx.report.metrics.loginFailed(metricReason, identityLabel(peer));
    const error = ctx.auth.detailedErrors ? reason : 'register control error';
    refuseLogin(accepted, { version: FRP_COMPAT_VERSION, error });
    destroySoon(accepted.conn.stream);
  };
  if (ctx.auth.draining()) {
    refuse(ServerRefusal.shuttingDown, LoginFailure.shuttingDown);
    return;
  }
  // frps asks its Login plugins before checking the token: they may refuse, or change the Login.
  if (ctx.plugins?.has('Login')) {
    try {
      login = (await ctx.plugins.login({ login: sent, clientAddress: peer.remoteAddress })).login;
    } catch (err) {
      refuse(errorMessage(err), LOGIN_PLUGIN_REFUSED);
      return;
    }
    if (accepted.conn.stream.destroyed) return;
    // The server may have begun to shut down while the plugins were asked.
    if (ctx.auth.draining()) {
      refuse(ServerRefusal.shuttingDown, LoginFailure.shuttingDown);
      return;
    }
  }
  if (!verifyPrivilegeKey(ctx.auth.token, login.timestamp ?? 0, login.privilege_key)) {
    refuse(ServerRefusal.badToken, LoginFailure.badToken);
    return;
  }
  const userRefusal = ctx.auth.policy().userRefusal(peer.tls?.identity, login.user ?? '');
  if (userRefusal) {
    refuse(userRefusal, LOGIN_USER_NOT_IDENTITY);
    return;
  }
  const { sessions } = ctx;
  const guard = sessions.guard;
  const verdict = guard.check(login, {
    mode: ctx.auth.loginProofMode(),
    nowMs: Date.now(),
    runIdProvenLive: login.run_id ? sessions.provenLive(login.run_id) : false,
  });
  if (verdict.kind === 'refuse') {
    refuse(verdict.reason, verdict.metric);
    return;
  }
  const runId = login.run_id || randomBytes(RUN_ID_BYTES).toString('hex');
  if (sessions.heldByOtherIdentity(runId, peer)) {
    refuse(LoginProofRefusal.otherIdentity(runId), LoginProofFailure.otherIdentity);
    return;
  }
  if (login.client_id && sessions.clientIdInUse(runId, login.user ?? '', login.client_id)) {
    refuse(
      `client_id [${login.client_id}] for user [${login.user ?? ''}] is already online`,
      LoginFailure.clientIdInUse,
    );
    return;
  }
  const serverNonce = verdict.kind === 'proof' ? newServerNonce() : undefined;
  const resp = {
    version: FRP_COMPAT_VERSION,
    run_id: runId,
    ...(serverNonce ? { burrow_nonce: encodeServerNonce(serverNonce) } : {}),
  };
  const channel = startServerControl(accepted, resp, ctx.auth.encryptionKey, ctx.auth.token);
  // The proof covers the Login as the client sent it (its run_id before the server assigned one).
  const proof =
    serverNonce && verdict.kind === 'proof'
      ? { serverNonce, clientNonce: verdict.clientNonce, loginDigest: loginDigest(sent) }
      : undefined;
  const attempt: LoginAttempt | undefined = verdict.kind === 'proof' ? verdict.attempt : undefined;
  const control = new ServerControl(
    runId,
    { ...login, run_id: runId },
    peer,
    channel,
    ctx.auth.encryptionKey,
    ctx.targets.controlHost,
    ctx.report.logger,
    { proof },
  );
  if (attempt) guard.admit(attempt);
  const register = (): void => {
    // Checked again: another session of this run_id may have registered while the proof was on its way.
    if (sessions.heldByOtherIdentity(runId, peer)) {
      const reason = LoginProofRefusal.otherIdentity(runId);
      ctx.report.metrics.loginFailed(LoginProofFailure.otherIdentity, identityLabel(peer));
      ctx.report.logger.warn({ runId, remote: peer.remoteAddress, user: login.user ?? '', reason }, 'login refused');
      control.close(new BurrowError(ErrorCode.AUTH, reason));
      return;
    }
    sessions.register(control);
    logLogin(ctx, control, peer);
    ctx.report.clientLoggedIn(control);
  };
  control.once('close', (err?: Error) => {
    if (attempt) guard.settle(attempt, control.proven, Date.now());
    if (sessions.remove(control, Date.now())) {
      ctx.report.logger.info({ runId }, 'client session closed');
      ctx.report.clientClosed(control);
    } else if (proof && !control.proven) {
      ctx.report.metrics.loginFailed(LoginProofFailure.failed, identityLabel(peer));
      const reason = err ? errorMessage(err) : 'connection closed before the login proof';
      ctx.report.logger.warn({ runId, remote: peer.remoteAddress, user: login.user ?? '', reason }, 'login refused');
    }
  });
  if (proof) {
    control.once('proven', () => {
      if (attempt) guard.settle(attempt, true, Date.now());
      guard.noteProven(runId, Date.now());
      // The server may have begun to shut down while the proof was on its way.
      if (ctx.auth.draining()) control.close(new BurrowError(ErrorCode.CLOSED, ServerRefusal.shuttingDown));
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
  ctx.report.logger.info(
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
async function acceptWorkConn(ctx: HandshakeContext, conn: WireConn, sent: NewWorkConn, peer: PeerInfo): Promise<void> {
  // The NewWorkConn as checked: as sent, or as the NewWorkConn plugins changed it.
  let request = sent;
  const refuse = (reason: string): void => {
    ctx.report.logger.warn(
      { remote: peer.remoteAddress, runId: request.run_id ?? '', reason },
      'work connection refused',
    );
    conn.write({ type: 'StartWorkConn', body: { error: ctx.auth.detailedErrors ? reason : 'invalid NewWorkConn' } });
    endSoon(conn.stream);
  };
  const control = ctx.sessions.live(request.run_id ?? '');
  if (!control) {
    refuse(`no client control found for run id [${request.run_id ?? ''}]`);
    return;
  }
  // Whatever the login-proof mode: a work connection carries the session's users' traffic, so it must
  // come from the client certificate that session logged in with (or its renewal).
  if (!workConnMatchesControl(control.peer.tls?.identity, peer.tls?.identity)) {
    const reason = otherIdentityRefusal(control.runId);
    ctx.report.logger.warn(
      {
        remote: peer.remoteAddress,
        runId: control.runId,
        sessionIdentity: identityLogField(control.peer.tls?.identity),
        workConnIdentity: identityLogField(peer.tls?.identity),
        reason,
      },
      'work connection refused: client certificate differs from its session',
    );
    ctx.report.metrics.handshakeFailed(WORK_CONN_OTHER_IDENTITY);
    conn.write({ type: 'StartWorkConn', body: { error: ctx.auth.detailedErrors ? reason : 'invalid NewWorkConn' } });
    endSoon(conn.stream);
    return;
  }
  // frps asks its NewWorkConn plugins once the session is found, before checking the token.
  if (ctx.plugins?.has('NewWorkConn')) {
    try {
      request = (await ctx.plugins.newWorkConn({ user: control.pluginUser(), workConn: sent })).workConn;
    } catch (err) {
      refuse(errorMessage(err));
      return;
    }
    if (conn.stream.destroyed) return;
  }
  if (control.proven) {
    // A proven session's work connections carry an HMAC bound to its nonce (replaces the md5 check).
    if (!control.acceptWorkConnProof(request)) {
      refuse(ServerRefusal.badWorkConnProof);
      return;
    }
  } else if (
    ctx.auth.workConnScope &&
    !verifyPrivilegeKey(ctx.auth.token, request.timestamp ?? 0, request.privilege_key)
  ) {
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
    ctx.report.logger.warn({ remote: peer.remoteAddress, proxy: name, reason }, 'visitor connection refused');
    const error = ctx.auth.detailedErrors ? `register visitor conn error: ${reason}` : 'register visitor conn error';
    conn.write({ type: 'NewVisitorConnResp', body: { proxy_name: name, error } });
    endSoon(conn.stream);
  };
  if (ctx.auth.draining()) {
    refuse(ServerRefusal.shuttingDown);
    return;
  }
  let visitorUser = '';
  const runId = request.run_id ?? '';
  if (runId !== '') {
    const control = ctx.sessions.live(runId);
    if (!control) {
      refuse(VisitorRefusal.noControl(runId));
      return;
    }
    visitorUser = control.login.user ?? '';
  }
  const target = ctx.targets.visitorTargets.get(name);
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
  ctx.report.logger.debug(
    { remote: peer.remoteAddress, proxy: name, user: visitorUser },
    'visitor connection admitted',
  );
  target.serveVisitor(conn.stream, request, splitHostPort(peer.remoteAddress));
}
