// One logged-in client on the server: its encrypted control stream, work-connection pool and proxies.
import { EventEmitter } from 'node:events';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServerConfig } from '../config/index.js';
import { endSoon } from '../net/linger.js';
import {
  LOGIN_PROOF_TIMEOUT_MS,
  LoginProofRefusal,
  SequenceWindow,
  verifyLoginProof,
  verifyPrivilegeKey,
  verifyWorkConnProof,
  WORK_CONN_REPLAY_WINDOW,
  type ControlChannel,
  type Login,
  type Message,
  type NewProxy,
  type NewWorkConn,
  type Ping,
  type WireConn,
  type WireVersion,
} from '../wire/index.js';
import { HEARTBEAT_CHECK_INTERVAL_MS, WORK_CONN_POOL_SPARE } from './constants.js';
import type { TlsFacts } from './accept.js';
import type { ProxyOwner, ServerProxy } from './proxies/proxy.js';
import { WorkConnPool } from './work-conn-pool.js';
import type { PluginManager, PluginUser } from './plugins/index.js';

/** What a control needs from the server that owns it. */
export interface ControlHost {
  /** The server's config in use: token, scopes, pool cap, timeouts and per-client limits are read from it. */
  readonly config: ServerConfig;
  /** Registers a proxy for this control; resolves with remote_addr or rejects with the reason. */
  registerProxy(control: ServerControl, request: NewProxy): Promise<ServerProxy>;
  /** A registered proxy is open and its NewProxyResp went out with `remoteAddr`. */
  proxyStarted(proxy: ServerProxy, remoteAddr: string): void;
  /** Forgets a proxy that was closed. */
  unregisterProxy(proxy: ServerProxy): void;
  /** [[httpPlugins]] asked at NewProxy, CloseProxy, Ping and NewUserConn; absent = none. */
  readonly plugins?: PluginManager;
}

/** A session that must prove its login: the nonce the server sent in LoginResp and the Login's client nonce. */
export interface LoginProofChallenge {
  readonly serverNonce: Buffer;
  readonly clientNonce: string;
  /** loginDigest() of the Login as the client sent it: the proof covers it, so its fields cannot be swapped. */
  readonly loginDigest: Buffer;
}

/** Options of a ServerControl. */
export interface ServerControlOptions {
  /** Set for a burrow Login that asked for the proof: nothing is served before the proof Ping. */
  proof?: LoginProofChallenge;
}

/** Connection facts shown in logs and the admin API. */
export interface PeerInfo {
  remoteAddress: string;
  /** TLS version, cipher and client identity; undefined on plain connections. */
  tls?: TlsFacts;
  /** The client certificate (DER), when one was presented: checked against a reloaded CRL. */
  clientCert?: Buffer;
}

/**
 * The server's side of one client session. Created after a successful Login and LoginResp; from
 * then on both directions are encrypted (`channel`: AES-128-CFB for wire v1, an AEAD for v2).
 */
export class ServerControl extends EventEmitter implements ProxyOwner {
  readonly poolCount: number;
  readonly logger: Logger;
  /** When this session logged in. */
  readonly connectedAt = new Date();
  private readonly pool: WorkConnPool;
  private readonly proxies = new Map<string, ServerProxy>();
  private lastPing = Date.now();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly challenge: LoginProofChallenge | undefined;
  /** Work-connection sequence numbers already used (proven sessions only). */
  private readonly workConnSeqs: SequenceWindow | undefined;
  private proofState: 'none' | 'pending' | 'proven';

  constructor(
    readonly runId: string,
    readonly login: Login,
    readonly peer: PeerInfo,
    private readonly channel: ControlChannel,
    readonly encryptionKey: Buffer,
    private readonly host: ControlHost,
    logger: Logger,
    options: ServerControlOptions = {},
  ) {
    super();
    this.logger = logger.child({ runId });
    this.challenge = options.proof;
    this.proofState = options.proof ? 'pending' : 'none';
    this.workConnSeqs = options.proof ? new SequenceWindow(WORK_CONN_REPLAY_WINDOW) : undefined;
    this.poolCount = Math.max(0, Math.min(login.pool_count ?? 0, host.config.transport.maxPoolCount));
    this.pool = new WorkConnPool((login.pool_count ?? 0) + WORK_CONN_POOL_SPARE);
    channel.stream.on('error', (err) => this.close(err));
    channel.stream.on('close', () => this.close());
  }

  /** The server's userConnIdleTimeout in ms. */
  get userConnIdleTimeoutMs(): number {
    return this.host.config.userConnIdleTimeout * 1000;
  }

  /** The server's auth.token (not reloadable: read from the config in use). */
  private get token(): string {
    return this.host.config.auth.token;
  }

  /** detailedErrorsToClient: refusals carry the reason instead of a generic text. */
  private get detailedErrors(): boolean {
    return this.host.config.detailedErrorsToClient;
  }

  /** Whether the session has ended. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The frp wire protocol of this session. */
  get wire(): WireVersion {
    return this.channel.version;
  }

  /** The control stream's cipher, e.g. "aes-128-cfb" (v1) or "aes-256-gcm" (v2). */
  get controlCipher(): string {
    return this.channel.algorithm;
  }

  /** Whether this session proved its login (burrow↔burrow); false for frp clients and before the proof. */
  get proven(): boolean {
    return this.proofState === 'proven';
  }

  /** frp's plugin UserInfo of this session: its Login's user and metas, and its run id. */
  pluginUser(): PluginUser {
    return { user: this.login.user ?? '', metas: this.login.metas, runId: this.runId };
  }

  /** The NewUserConn plugins' verdict on a user connection to one of this client's proxies; rejects when refused. */
  async admitUserConn(proxyName: string, proxyType: string, remoteAddr: string): Promise<void> {
    const plugins = this.host.plugins;
    if (!plugins?.has('NewUserConn')) return;
    await plugins.newUserConn({ user: this.pluginUser(), proxyName, proxyType, remoteAddr });
  }

  /** Tells the CloseProxy plugins (a notification: its answer is not waited for, as in frps). */
  private notifyProxyClosed(proxy: ServerProxy): void {
    const plugins = this.host.plugins;
    if (plugins?.has('CloseProxy')) void plugins.closeProxy({ user: this.pluginUser(), proxyName: proxy.name });
  }

  /** Names of the proxies this client runs now. */
  proxyNames(): string[] {
    return [...this.proxies.keys()];
  }

  /**
   * Starts serving: pre-fills the pool, reads control messages, watches heartbeats. A session that
   * owes the login proof first waits for it (LOGIN_PROOF_TIMEOUT_MS), emits 'proven', answers Pong
   * and only then serves; a missing or wrong proof ends it (Pong with the reason, then close).
   */
  start(): void {
    if (this.proofState === 'pending') {
      void this.awaitProof();
      return;
    }
    this.serve();
  }

  private serve(): void {
    for (let i = 0; i < this.poolCount; i += 1) this.send({ type: 'ReqWorkConn', body: {} });
    if (this.host.config.transport.heartbeatTimeout > 0) {
      this.heartbeatTimer = setInterval(() => {
        if (Date.now() - this.lastPing > this.host.config.transport.heartbeatTimeout * 1000) {
          this.logger.warn('heartbeat timeout');
          this.close(new BurrowError(ErrorCode.TIMEOUT, 'heartbeat timeout'));
        }
      }, HEARTBEAT_CHECK_INTERVAL_MS);
      this.heartbeatTimer.unref();
    }
    void this.readLoop();
  }

  /** Reads the first control message, which must be the proof Ping. */
  private async awaitProof(): Promise<void> {
    const challenge = this.challenge;
    if (!challenge) return;
    let message: Message;
    try {
      message = await this.channel.read({ timeoutMs: LOGIN_PROOF_TIMEOUT_MS });
    } catch (err) {
      if (this.closed) return;
      this.close(
        new BurrowError(ErrorCode.AUTH, `${LoginProofRefusal.proofMissing} (${errorMessage(err)})`, { cause: err }),
      );
      return;
    }
    if (this.closed) return;
    if (message.type !== 'Ping') {
      this.refuseProof(`${LoginProofRefusal.proofMissing} (got ${message.type})`);
      return;
    }
    const input = {
      token: this.token,
      serverNonce: challenge.serverNonce,
      runId: this.runId,
      privilegeKey: this.login.privilege_key ?? '',
      clientNonce: challenge.clientNonce,
      loginDigest: challenge.loginDigest,
    };
    if (!verifyLoginProof(input, message.body.privilege_key)) {
      this.refuseProof(LoginProofRefusal.proofFailed);
      return;
    }
    this.proofState = 'proven';
    this.lastPing = Date.now();
    this.emit('proven');
    if (this.closed) return;
    this.send({ type: 'Pong', body: {} });
    this.serve();
  }

  /** Ends a session whose proof failed: the reason in a Pong (a burrow client shows it), then end the stream. The server logs the 'close' reason. */
  private refuseProof(reason: string): void {
    this.send({ type: 'Pong', body: { error: this.detailedErrors ? reason : 'login proof failed' } });
    this.close(new BurrowError(ErrorCode.AUTH, reason), { flush: true });
  }

  /**
   * The proof of a NewWorkConn on a proven session: privilege_key = workConnProof(token, server
   * nonce, run_id, seq) with seq in `timestamp`, each seq accepted once. Always true for a session
   * without the proof (frp rules apply there); false before the proof.
   */
  acceptWorkConnProof(request: NewWorkConn): boolean {
    if (this.proofState === 'none') return true;
    if (this.proofState !== 'proven' || !this.challenge || !this.workConnSeqs) return false;
    const seq = request.timestamp ?? 0;
    if (!verifyWorkConnProof(this.token, this.challenge.serverNonce, this.runId, seq, request.privilege_key))
      return false;
    return this.workConnSeqs.accept(seq);
  }

  /** Sends one control message (encrypted). */
  send(message: Message): void {
    if (this.closed) return;
    this.channel.write(message);
  }

  /** Files a new work connection from this client; false when the pool refuses it. */
  offerWorkConn(conn: WireConn): boolean {
    return this.pool.put(conn);
  }

  /** A work connection for a user connection: pooled, or requested and awaited (userConnTimeout). */
  async getWorkConn(): Promise<WireConn> {
    if (this.closed) throw new BurrowError(ErrorCode.CLOSED, 'control is closed');
    let conn = this.pool.take();
    if (!conn) {
      this.send({ type: 'ReqWorkConn', body: {} });
      conn = await this.pool.wait(this.host.config.userConnTimeout * 1000);
    }
    // Refill: one request per connection taken, as frps does.
    this.send({ type: 'ReqWorkConn', body: {} });
    return conn;
  }

  /**
   * Ends the session: proxies closed, pool emptied, connection destroyed (or, with `flush`, ended
   * after what was written goes out); emits 'close' once.
   */
  close(err?: Error, opts: { flush?: boolean } = {}): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const proxy of this.proxies.values()) {
      proxy.close();
      this.host.unregisterProxy(proxy);
      this.notifyProxyClosed(proxy);
    }
    this.proxies.clear();
    this.pool.close();
    if (opts.flush === true) endSoon(this.channel.stream);
    else this.channel.stream.destroy();
    this.emit('close', err);
  }

  private async readLoop(): Promise<void> {
    try {
      while (!this.closed) {
        const message = await this.channel.read({ timeoutMs: 0 });
        await this.dispatch(message);
      }
    } catch (err) {
      if (!this.closed) this.logger.info({ reason: errorMessage(err) }, 'control connection ended');
      this.close(err instanceof Error ? err : undefined);
    }
  }

  private async dispatch(message: Message): Promise<void> {
    switch (message.type) {
      case 'NewProxy':
        await this.onNewProxy(message.body);
        return;
      case 'CloseProxy':
        this.onCloseProxy(message.body.proxy_name ?? '');
        return;
      case 'Ping':
        await this.onPing(message.body);
        return;
      default:
        this.logger.warn({ type: message.type }, 'unexpected message on control stream; ignored');
    }
  }

  /** The server's maxProxiesPerClient; 0 = no limit. */
  get maxProxies(): number {
    return this.host.config.maxProxiesPerClient;
  }

  private async onNewProxy(sent: NewProxy): Promise<void> {
    // The NewProxy as registered: as sent, or as the NewProxy plugins changed it (frps answers with its name).
    let request = sent;
    let name = request.proxy_name ?? '';
    try {
      const plugins = this.host.plugins;
      if (plugins?.has('NewProxy')) {
        request = (await plugins.newProxy({ user: this.pluginUser(), proxy: sent })).proxy;
        name = request.proxy_name ?? '';
        if (this.closed) return;
      }
      // NewProxy messages are handled one at a time (readLoop awaits each), so the count cannot race.
      const cap = this.maxProxies;
      if (cap > 0 && this.proxies.size >= cap) {
        throw new BurrowError(
          ErrorCode.PROXY_REFUSED,
          `exceed the max proxies per client (maxProxiesPerClient = ${cap})`,
        );
      }
      const proxy = await this.host.registerProxy(this, request);
      if (this.closed) {
        proxy.close();
        this.host.unregisterProxy(proxy);
        return;
      }
      this.proxies.set(name, proxy);
      const remoteAddr = await proxy.start().catch((err: unknown) => {
        this.host.unregisterProxy(proxy);
        this.proxies.delete(name);
        proxy.close();
        throw err;
      });
      if (this.closed) {
        proxy.close();
        return;
      }
      this.logger.info({ proxy: name, type: request.proxy_type, remoteAddr }, 'new proxy success');
      this.send({ type: 'NewProxyResp', body: { proxy_name: name, remote_addr: remoteAddr } });
      this.host.proxyStarted(proxy, remoteAddr);
      proxy.afterStart?.();
    } catch (err) {
      this.logger.warn({ proxy: name, type: request.proxy_type, err: errorMessage(err) }, 'new proxy error');
      const error = this.detailedErrors ? errorMessage(err) : `new proxy [${name}] error`;
      this.send({ type: 'NewProxyResp', body: { proxy_name: name, error } });
    }
  }

  private onCloseProxy(name: string): void {
    const proxy = this.proxies.get(name);
    if (!proxy) return;
    this.proxies.delete(name);
    proxy.close();
    this.host.unregisterProxy(proxy);
    this.notifyProxyClosed(proxy);
    this.logger.info({ proxy: name }, 'close proxy success');
  }

  private async onPing(sent: Ping): Promise<void> {
    // frps asks its Ping plugins before checking the heartbeat's token; a refusal answers Pong with the reason.
    let ping = sent;
    const plugins = this.host.plugins;
    if (plugins?.has('Ping')) {
      try {
        ping = (await plugins.ping({ user: this.pluginUser(), ping: sent })).ping;
      } catch (err) {
        const reason = errorMessage(err);
        this.logger.warn({ reason }, 'received invalid ping');
        this.send({ type: 'Pong', body: { error: this.detailedErrors ? reason : 'invalid ping' } });
        return;
      }
    }
    if (
      this.host.config.auth.additionalScopes.includes('HeartBeats') &&
      !verifyPrivilegeKey(this.token, ping.timestamp ?? 0, ping.privilege_key)
    ) {
      this.logger.warn("received invalid ping: token in heartbeat doesn't match token from configuration");
      this.send({
        type: 'Pong',
        body: { error: "invalid ping: token in heartbeat doesn't match token from configuration" },
      });
      return;
    }
    this.lastPing = Date.now();
    this.send({ type: 'Pong', body: {} });
  }
}
