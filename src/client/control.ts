// One logged-in session of the client: login, the encrypted control stream, work connections, heartbeats.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import type { ClientConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage, isBurrowError } from '../errors.js';
import type { Logger } from '../log.js';
import { isMuxError } from '../mux/index.js';
import { FRP_COMPAT_VERSION } from '../version.js';
import {
  clientLogin,
  decodeServerNonce,
  loginProof,
  loginProofMetas,
  newClientNonce,
  nowSeconds,
  openWire,
  privilegeKey,
  workConnProof,
  type ControlChannel,
  type Login,
  type Message,
  type NewWorkConn,
  type StartWorkConn,
  type WireConn,
  type LoginProofInput,
} from '../wire/index.js';
// Not (yet) re-exported by the wire index.
import { loginDigest } from '../wire/login-proof.js';
import type { Connector } from './connector.js';
import { LOGIN_RESPONSE_TIMEOUT_MS, PROXY_RESEND_NO_ANSWER_MS, PROXY_RETRY_AFTER_ERROR_MS } from './constants.js';
import type { ProxyWorker } from './proxy-worker.js';
import { earlyCloseTcpMuxHint, explainMuxMismatch } from './mux-mismatch.js';

/** Go's names for Node's platform and arch, as frpc reports them in Login. */
const GO_OS: Record<string, string> = { win32: 'windows', darwin: 'darwin', linux: 'linux', freebsd: 'freebsd' };
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

/** Logs in on a fresh connection; resolves with the control or rejects with LOGIN_REFUSED/TIMEOUT. */
export async function login(
  connector: Connector,
  config: ClientConfig,
  previousRunId: string,
  proxies: Map<string, ProxyWorker>,
  encryptionKey: Buffer,
  logger: Logger,
): Promise<ClientControl> {
  const conn = await connector.connect();
  conn.on('error', (err) => logger.debug({ err: err.message }, 'control connection error'));
  const timestamp = nowSeconds();
  const clientNonce = newClientNonce();
  const message: Login = {
    version: FRP_COMPAT_VERSION,
    hostname: os.hostname(),
    os: GO_OS[process.platform] ?? process.platform,
    arch: GO_ARCH[process.arch] ?? process.arch,
    user: config.user,
    privilege_key: privilegeKey(config.auth.token, timestamp),
    timestamp,
    run_id: previousRunId,
    client_id: config.clientID,
    // Ask for the burrow login proof; frps ignores metas it does not use (it passes them to its plugins).
    metas: { ...config.metadatas, ...loginProofMetas(clientNonce) },
    client_spec: {},
    pool_count: config.transport.poolCount,
  };
  let result;
  try {
    result = await clientLogin(conn, config.transport.wireProtocol, message, {
      token: config.auth.token,
      encryptionKey,
      timeoutMs: LOGIN_RESPONSE_TIMEOUT_MS,
      bootstrap: {
        // kcp and quic fall back to tcp (see connector.ts); wss always runs TLS.
        transport:
          config.transport.protocol === 'kcp' || config.transport.protocol === 'quic'
            ? 'tcp'
            : config.transport.protocol,
        tls: config.transport.tls.enable || config.transport.protocol === 'wss',
        tcpMux: config.transport.tcpMux,
      },
    });
  } catch (err) {
    conn.destroy();
    connector.close();
    const mismatch = explainMuxMismatch(err, config.transport.tcpMux);
    throw mismatch !== err ? mismatch : explainEarlyClose(err, connector, config);
  }
  if (!result.channel) {
    conn.destroy();
    connector.close();
    throw new BurrowError(ErrorCode.LOGIN_REFUSED, `login refused: ${result.resp.error ?? ''}`);
  }
  const runId = result.resp.run_id ?? '';
  const nonceText = result.resp.burrow_nonce ?? '';
  if (nonceText === '') {
    // frps (or a burrow server before the proof): the session goes on exactly as with frp.
    return new ClientControl(runId, result.channel, connector, config, proxies, logger);
  }
  let serverNonce: Buffer;
  try {
    serverNonce = decodeServerNonce(nonceText);
    await proveLogin(result.channel, {
      token: config.auth.token,
      serverNonce,
      runId,
      privilegeKey: message.privilege_key ?? '',
      clientNonce,
      // The Login exactly as sent: a changed user, client_id or run_id on the way fails the proof.
      loginDigest: loginDigest(message),
      timestamp,
    });
  } catch (err) {
    result.channel.stream.destroy();
    connector.close();
    throw err;
  }
  logger.info({ runId }, 'login proven: answered the server nonce with the token HMAC');
  return new ClientControl(runId, result.channel, connector, config, proxies, logger, serverNonce);
}

/**
 * Answers a burrow server's nonce: the first control message is a Ping whose privilege_key is the
 * login proof; the server answers Pong (accepted) or Pong{error} and closes (refused: LOGIN_REFUSED).
 */
async function proveLogin(channel: ControlChannel, input: LoginProofInput & { timestamp: number }): Promise<void> {
  channel.write({ type: 'Ping', body: { privilege_key: loginProof(input), timestamp: input.timestamp } });
  let answer: Message;
  try {
    answer = await channel.read({ timeoutMs: LOGIN_RESPONSE_TIMEOUT_MS });
  } catch (err) {
    throw new BurrowError(
      ErrorCode.LOGIN_REFUSED,
      `login refused: the server closed the session after the login proof (${errorMessage(err)})`,
      { cause: err },
    );
  }
  if (answer.type !== 'Pong')
    throw new BurrowError(ErrorCode.PROTOCOL, `expected a Pong in answer to the login proof, got ${answer.type}`);
  if (answer.body.error) throw new BurrowError(ErrorCode.LOGIN_REFUSED, `login refused: ${answer.body.error}`);
}

/**
 * A server that rejects our client certificate under TLS 1.3 does so after our side of the
 * handshake has finished, by closing the connection: the login then fails with a bare EOF. frps
 * also just closes when its transport.tcpMux differs from ours. Say what most likely happened
 * instead of "connection ended".
 */
function explainEarlyClose(err: unknown, connector: Connector, config: ClientConfig): unknown {
  const closed =
    isBurrowError(err, ErrorCode.UNEXPECTED_EOF) || isMuxError(err) || isBurrowError(err, ErrorCode.CLOSED);
  if (!closed) return err;
  const tcpMuxHint = earlyCloseTcpMuxHint(config.transport.tcpMux);
  if (!connector.info.tls) {
    return new BurrowError(
      (err as BurrowError).code,
      `the server closed the connection before answering the login: ${tcpMuxHint} (${errorMessage(err)})`,
      { cause: err },
    );
  }
  const cert = config.transport.tls.certFile
    ? `the client certificate ${config.transport.tls.certFile}`
    : 'no client certificate was presented';
  return new BurrowError(
    ErrorCode.TLS,
    `the server closed the connection after the TLS handshake, before answering the login: it most likely refused our client certificate (${cert}: unknown CA, revoked or expired), the server log names the check; else ${tcpMuxHint} (${errorMessage(err)})`,
    { cause: err },
  );
}

/** The client's side of a session after a successful login. Emits 'close' (err?) once. */
export class ClientControl extends EventEmitter {
  private readonly logger: Logger;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Work connections waiting for StartWorkConn: closed with the session (without tcpMux nothing else would). */
  private readonly idleWork = new Set<Duplex>();
  private lastPong = Date.now();
  private closed = false;
  /** Sequence number of the last NewWorkConn of a proven session (its proof covers it). */
  private workConnSeq = 0;

  constructor(
    readonly runId: string,
    /** The encrypted control channel (wire v1 or v2). */
    readonly channel: ControlChannel,
    private readonly connector: Connector,
    private readonly config: ClientConfig,
    private readonly proxies: Map<string, ProxyWorker>,
    logger: Logger,
    /** The server nonce when this session proved its login (burrow server); undefined with frps. */
    private readonly serverNonce?: Buffer,
  ) {
    super();
    this.logger = logger.child({ runId });
    channel.stream.on('error', (err) => this.close(err));
    channel.stream.on('close', () => this.close(new BurrowError(ErrorCode.CLOSED, 'control connection closed')));
    connector.on('close', (err?: Error) => this.close(err ?? new BurrowError(ErrorCode.CLOSED, 'session closed')));
  }

  /** Sends every proxy, starts heartbeats (tcpMux off) and reads control messages. */
  start(): void {
    // A proxy whose healthCheck has not passed is announced by its first success instead.
    for (const proxy of this.proxies.values()) if (proxy.healthy) this.sendNewProxy(proxy);
    const { heartbeatInterval, heartbeatTimeout } = this.config.transport;
    if (heartbeatInterval > 0) {
      this.sendPing();
      this.every(heartbeatInterval * 1000, () => {
        if (heartbeatTimeout > 0 && Date.now() - this.lastPong > heartbeatTimeout * 1000) {
          this.logger.warn('heartbeat timeout');
          this.close(new BurrowError(ErrorCode.TIMEOUT, 'heartbeat timeout'));
          return;
        }
        this.sendPing();
      });
    }
    void this.readLoop();
  }

  /** Tells the server a proxy is gone (reload or stop). */
  closeProxy(proxy: ProxyWorker): void {
    this.send({ type: 'CloseProxy', body: { proxy_name: proxy.wireName } });
  }

  /** Announces a proxy (again). */
  sendNewProxy(proxy: ProxyWorker): void {
    proxy.phase = 'wait-start';
    this.send({ type: 'NewProxy', body: proxy.newProxyMessage() });
    this.after(PROXY_RESEND_NO_ANSWER_MS, () => {
      if (proxy.phase === 'wait-start' && this.proxies.get(proxy.config.name) === proxy) this.sendNewProxy(proxy);
    });
  }

  /** Ends the session; the client decides whether to reconnect. */
  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const conn of this.idleWork) conn.destroy();
    this.idleWork.clear();
    this.channel.stream.destroy();
    this.connector.close();
    this.emit('close', err);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether this session proved its login to a burrow server (server nonce + token HMAC). */
  get proven(): boolean {
    return this.serverNonce !== undefined;
  }

  private send(message: Message): void {
    if (!this.closed) this.channel.write(message);
  }

  private sendPing(): void {
    const scoped = this.config.auth.additionalScopes.includes('HeartBeats');
    const timestamp = nowSeconds();
    this.send({
      type: 'Ping',
      body: scoped ? { privilege_key: privilegeKey(this.config.auth.token, timestamp), timestamp } : {},
    });
  }

  private async readLoop(): Promise<void> {
    try {
      while (!this.closed) {
        const message = await this.channel.read({ timeoutMs: 0 });
        this.dispatch(message);
      }
    } catch (err) {
      this.close(err instanceof Error ? err : new BurrowError(ErrorCode.INTERNAL, errorMessage(err)));
    }
  }

  private dispatch(message: Message): void {
    switch (message.type) {
      case 'ReqWorkConn':
        void this.newWorkConn();
        return;
      case 'NewProxyResp': {
        const proxy = this.proxyByWireName(message.body.proxy_name ?? '');
        if (!proxy || !proxy.onResponse(message.body.remote_addr, message.body.error)) return;
        // Accepted by the server but failed here (its plugin could not start): withdraw it, then retry as after a refusal.
        if (!message.body.error && proxy.phase === 'error') this.closeProxy(proxy);
        this.emit('proxy', proxy);
        if (proxy.phase === 'error') {
          this.after(PROXY_RETRY_AFTER_ERROR_MS, () => {
            if (proxy.phase === 'error' && proxy.healthy && this.proxies.get(proxy.config.name) === proxy)
              this.sendNewProxy(proxy);
          });
        }
        return;
      }
      case 'Pong':
        if (message.body.error) {
          this.logger.warn({ err: message.body.error }, 'heartbeat refused by server');
          this.close(new BurrowError(ErrorCode.AUTH, message.body.error));
          return;
        }
        this.lastPong = Date.now();
        return;
      default:
        this.logger.warn({ type: message.type }, 'unexpected message on control stream; ignored');
    }
  }

  /** Answers a ReqWorkConn: a new logical connection, NewWorkConn, then wait for StartWorkConn. */
  private async newWorkConn(): Promise<void> {
    let conn: Duplex;
    try {
      conn = await this.connector.open();
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'open work connection error');
      return;
    }
    conn.on('error', (err) => this.logger.debug({ err: err.message }, 'work connection error'));
    if (this.closed) {
      conn.destroy();
      return;
    }
    this.idleWork.add(conn);
    conn.once('close', () => this.idleWork.delete(conn));
    const wire = openWire(conn, this.config.transport.wireProtocol);
    wire.write({ type: 'NewWorkConn', body: this.newWorkConnBody() });
    let start: StartWorkConn;
    try {
      // No deadline: a pooled work connection waits for its user as long as the session lives.
      const message = await wire.read({ timeoutMs: 0 });
      if (message.type !== 'StartWorkConn')
        throw new BurrowError(ErrorCode.PROTOCOL, `expected StartWorkConn, got ${message.type}`);
      start = message.body;
      this.idleWork.delete(conn);
    } catch (err) {
      if (!this.closed) this.logger.debug({ err: errorMessage(err) }, 'work connection ended before use');
      conn.destroy();
      return;
    }
    if (start.error) {
      this.logger.warn({ err: start.error }, 'work connection refused by server');
      conn.destroy();
      return;
    }
    const proxy = this.proxyByWireName(start.proxy_name ?? '');
    if (!proxy || proxy.phase !== 'running') {
      this.logger.warn({ proxy: start.proxy_name ?? '' }, 'work connection for a proxy that is not running; closed');
      conn.destroy();
      return;
    }
    await proxy.handleWorkConn(wire, start);
  }

  /**
   * NewWorkConn's body. Proven session: privilege_key = workConnProof(…, seq) with the sequence
   * number in `timestamp`, so a captured one cannot be used again. Otherwise frp's: the md5 key
   * with the NewWorkConns scope, else the run_id alone.
   */
  private newWorkConnBody(): NewWorkConn {
    if (this.serverNonce) {
      this.workConnSeq += 1;
      const seq = this.workConnSeq;
      return {
        run_id: this.runId,
        privilege_key: workConnProof(this.config.auth.token, this.serverNonce, this.runId, seq),
        timestamp: seq,
      };
    }
    if (!this.config.auth.additionalScopes.includes('NewWorkConns')) return { run_id: this.runId };
    const timestamp = nowSeconds();
    return { run_id: this.runId, privilege_key: privilegeKey(this.config.auth.token, timestamp), timestamp };
  }

  /** Opens a logical connection for a visitor: a work-like connection speaking this session's wire version. */
  async openConn(): Promise<WireConn> {
    if (this.closed) throw new BurrowError(ErrorCode.CLOSED, 'session is closed');
    const conn = await this.connector.open();
    conn.on('error', (err) => this.logger.debug({ err: err.message }, 'visitor connection error'));
    return openWire(conn, this.config.transport.wireProtocol);
  }

  private proxyByWireName(wireName: string): ProxyWorker | undefined {
    const prefix = this.config.user ? `${this.config.user}.` : '';
    const name = prefix && wireName.startsWith(prefix) ? wireName.slice(prefix.length) : wireName;
    const proxy = this.proxies.get(name);
    return proxy && proxy.wireName === wireName ? proxy : undefined;
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private every(ms: number, fn: () => void): void {
    const tick = (): void => {
      if (this.closed) return;
      fn();
      this.after(ms, tick);
    };
    this.after(ms, tick);
  }
}
