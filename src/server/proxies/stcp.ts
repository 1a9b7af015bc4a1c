// stcp proxy: no public port; visitors reach it through the server with NewVisitorConn and the proxy's secret key.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { RateLimiter } from '../../net/bandwidth.js';
import { relayWithIdleTimeout } from '../../net/idle-timeout.js';
import {
  deriveCipherKey,
  verifyPrivilegeKey,
  wrapWorkConn,
  type NewProxy,
  type NewVisitorConn,
} from '../../wire/index.js';
import type { ProxyOwner, ServerProxy } from './proxy.js';
import { serverLimiter, takeWorkConn, wrapProxyStream } from './work-conn.js';
import { TrafficMeter } from '../traffic.js';

/** allowUsers entry that admits every visitor. */
const ALLOW_ALL_USERS = '*';

/** frps's texts for visitor refusals (server/visitor/visitor.go, server/service.go). */
export const VisitorRefusal = {
  noProxy: (name: string) => `custom listener for [${name}] doesn't exist`,
  authFailed: (name: string) => `visitor connection of [${name}] auth failed`,
  userNotAllowed: (name: string, user: string) => `visitor connection of [${name}] user [${user}] not allowed`,
  noControl: (runId: string) => `no client control found for run id [${runId}]`,
} as const;

/** The stcp proxies visitors can reach, by wire name. */
export class VisitorTargets {
  private readonly targets = new Map<string, StcpProxy>();

  /** Registers a proxy; refuses a second one of the same name. */
  add(proxy: StcpProxy): void {
    if (this.targets.has(proxy.name))
      throw new BurrowError(ErrorCode.PROXY_REFUSED, `custom listener for [${proxy.name}] is repeated`);
    this.targets.set(proxy.name, proxy);
  }

  remove(proxy: StcpProxy): void {
    if (this.targets.get(proxy.name) === proxy) this.targets.delete(proxy.name);
  }

  get(name: string): StcpProxy | undefined {
    return this.targets.get(name);
  }
}

/** An stcp proxy: served to visitors that know its secret key. */
export class StcpProxy implements ServerProxy {
  readonly type = 'stcp';
  private readonly secretKey: string;
  private readonly allowUsers: string[];
  private visitorKey: Buffer | undefined;
  private readonly limiter: RateLimiter | undefined;
  private readonly live = new Set<Duplex>();
  private closed = false;

  constructor(
    readonly name: string,
    readonly request: NewProxy,
    readonly owner: ProxyOwner,
    private readonly targets: VisitorTargets,
    ownerUser: string,
  ) {
    this.secretKey = request.sk ?? '';
    // frps: no allowUsers = only the proxy owner's own user.
    this.allowUsers = (request.allow_users ?? []).length > 0 ? request.allow_users! : [ownerUser];
    this.limiter = serverLimiter(request);
  }

  readonly meter = new TrafficMeter();

  get portsUsed(): number {
    return 0;
  }

  async start(): Promise<string> {
    this.targets.add(this);
    this.owner.logger.info({ proxy: this.name }, 'stcp proxy ready for visitors');
    return '';
  }

  /** No new visitors reach this proxy; connected ones go on. */
  stopAccepting(): void {
    this.targets.remove(this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopAccepting();
    for (const conn of this.live) conn.destroy();
    this.live.clear();
  }

  /**
   * Why a visitor may not connect (frps's texts), or undefined when it may: the sign key
   * (md5(secretKey + timestamp), compared in constant time) and the visitor's user.
   */
  refusal(request: NewVisitorConn, visitorUser: string): string | undefined {
    if (!verifyPrivilegeKey(this.secretKey, request.timestamp ?? 0, request.sign_key))
      return VisitorRefusal.authFailed(this.name);
    if (!this.allowUsers.includes(visitorUser) && !this.allowUsers.includes(ALLOW_ALL_USERS)) {
      return VisitorRefusal.userNotAllowed(this.name, visitorUser);
    }
    return undefined;
  }

  /**
   * Serves an admitted visitor connection (NewVisitorConnResp already written): the visitor leg is
   * wrapped per the visitor's flags with the secret key, the work connection per the proxy's
   * flags with the token key, and the two are joined.
   */
  serveVisitor(stream: Duplex, request: NewVisitorConn, peer: { address: string; port: number }): void {
    this.visitorKey ??= deriveCipherKey(this.secretKey);
    const visitor = wrapWorkConn(
      stream,
      { useEncryption: request.use_encryption, useCompression: request.use_compression },
      this.visitorKey,
    );
    this.live.add(visitor);
    visitor.once('close', () => this.live.delete(visitor));
    visitor.on('error', () => visitor.destroy());
    takeWorkConn(this.owner, this.name, { srcAddr: peer.address, srcPort: peer.port }).then(
      (work) => {
        if (this.closed || visitor.destroyed) {
          work.stream.destroy();
          visitor.destroy();
          return;
        }
        // A user connection silent both ways for userConnIdleTimeout is closed (half-open peers, forgotten sessions).
        void relayWithIdleTimeout(
          visitor,
          wrapProxyStream(work.stream, this.request, this.owner.encryptionKey, this.limiter),
          this.owner.userConnIdleTimeoutMs,
          this.meter.userRelay(),
        );
      },
      (err: unknown) => {
        this.owner.logger.warn(
          { proxy: this.name, err: errorMessage(err) },
          'no work connection for visitor connection',
        );
        visitor.destroy();
      },
    );
  }
}
