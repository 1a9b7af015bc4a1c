// One logged-in client on the server: its encrypted control stream, work-connection pool and proxies.
import { EventEmitter } from 'node:events';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import {
  verifyPrivilegeKey,
  type ControlChannel,
  type Login,
  type Message,
  type NewProxy,
  type Ping,
  type WireConn,
  type WireVersion,
} from '../wire/index.js';
import { HEARTBEAT_CHECK_INTERVAL_MS, WORK_CONN_POOL_SPARE } from './constants.js';
import type { TlsFacts } from './accept.js';
import type { ProxyOwner, ServerProxy } from './proxies/proxy.js';
import { WorkConnPool } from './work-conn-pool.js';

/** What a control needs from the server that owns it. */
export interface ControlHost {
  readonly token: string;
  readonly heartbeatScope: boolean;
  readonly maxPoolCount: number;
  /** Seconds without a Ping before the session is dropped; <= 0 disables the check. */
  readonly heartbeatTimeoutSec: number;
  readonly userConnTimeoutMs: number;
  readonly detailedErrors: boolean;
  /** Registers a proxy for this control; resolves with remote_addr or rejects with the reason. */
  registerProxy(control: ServerControl, request: NewProxy): Promise<ServerProxy>;
  /** A registered proxy is open and its NewProxyResp went out with `remoteAddr`. */
  proxyStarted(proxy: ServerProxy, remoteAddr: string): void;
  /** Forgets a proxy that was closed. */
  unregisterProxy(proxy: ServerProxy): void;
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

  constructor(
    readonly runId: string,
    readonly login: Login,
    readonly peer: PeerInfo,
    private readonly channel: ControlChannel,
    readonly encryptionKey: Buffer,
    private readonly host: ControlHost,
    logger: Logger,
  ) {
    super();
    this.logger = logger.child({ runId });
    this.poolCount = Math.max(0, Math.min(login.pool_count ?? 0, host.maxPoolCount));
    this.pool = new WorkConnPool((login.pool_count ?? 0) + WORK_CONN_POOL_SPARE);
    channel.stream.on('error', (err) => this.close(err));
    channel.stream.on('close', () => this.close());
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

  /** Names of the proxies this client runs now. */
  proxyNames(): string[] {
    return [...this.proxies.keys()];
  }

  /** Starts serving: pre-fills the pool, reads control messages, watches heartbeats. */
  start(): void {
    for (let i = 0; i < this.poolCount; i += 1) this.send({ type: 'ReqWorkConn', body: {} });
    if (this.host.heartbeatTimeoutSec > 0) {
      this.heartbeatTimer = setInterval(() => {
        if (Date.now() - this.lastPing > this.host.heartbeatTimeoutSec * 1000) {
          this.logger.warn('heartbeat timeout');
          this.close(new BurrowError(ErrorCode.TIMEOUT, 'heartbeat timeout'));
        }
      }, HEARTBEAT_CHECK_INTERVAL_MS);
      this.heartbeatTimer.unref();
    }
    void this.readLoop();
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
      conn = await this.pool.wait(this.host.userConnTimeoutMs);
    }
    // Refill: one request per connection taken, as frps does.
    this.send({ type: 'ReqWorkConn', body: {} });
    return conn;
  }

  /** Ends the session: proxies closed, pool emptied, connection destroyed; emits 'close' once. */
  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const proxy of this.proxies.values()) {
      proxy.close();
      this.host.unregisterProxy(proxy);
    }
    this.proxies.clear();
    this.pool.close();
    this.channel.stream.destroy();
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
        this.onPing(message.body);
        return;
      default:
        this.logger.warn({ type: message.type }, 'unexpected message on control stream; ignored');
    }
  }

  private async onNewProxy(request: NewProxy): Promise<void> {
    const name = request.proxy_name ?? '';
    try {
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
      const error = this.host.detailedErrors ? errorMessage(err) : `new proxy [${name}] error`;
      this.send({ type: 'NewProxyResp', body: { proxy_name: name, error } });
    }
  }

  private onCloseProxy(name: string): void {
    const proxy = this.proxies.get(name);
    if (!proxy) return;
    this.proxies.delete(name);
    proxy.close();
    this.host.unregisterProxy(proxy);
    this.logger.info({ proxy: name }, 'close proxy success');
  }

  private onPing(ping: Ping): void {
    if (this.host.heartbeatScope && !verifyPrivilegeKey(this.host.token, ping.timestamp ?? 0, ping.privilege_key)) {
      this.logger.warn('received invalid ping: token in heartbeat doesn\'t match token from configuration');
      this.send({ type: 'Pong', body: { error: 'invalid ping: token in heartbeat doesn\'t match token from configuration' } });
      return;
    }
    this.lastPing = Date.now();
    this.send({ type: 'Pong', body: {} });
  }
}
