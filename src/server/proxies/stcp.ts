// stcp proxy: no public port; visitors reach it through the server with NewVisitorConn and the proxy's secret key.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import { deriveCipherKey, verifyPrivilegeKey, wrapWorkConn, type NewVisitorConn } from '../../wire/index.js';
import type { ProxySpec } from './proxy.js';
import { ProxyBase } from './proxy-base.js';

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
export class StcpProxy extends ProxyBase {
  readonly type = 'stcp';
  private readonly secretKey: string;
  private readonly allowUsers: string[];
  private visitorKey: Buffer | undefined;

  constructor(
    spec: ProxySpec,
    private readonly targets: VisitorTargets,
    ownerUser: string,
  ) {
    super(spec);
    this.secretKey = spec.request.sk ?? '';
    // frps: no allowUsers = only the proxy owner's own user.
    const allowUsers = spec.request.allow_users ?? [];
    this.allowUsers = allowUsers.length > 0 ? allowUsers : [ownerUser];
  }

  async start(): Promise<string> {
    this.targets.add(this);
    this.owner.logger.info({ proxy: this.name }, 'stcp proxy ready for visitors');
    return '';
  }

  /** No new visitors reach this proxy; connected ones go on. */
  protected closePublicSide(): void {
    this.targets.remove(this);
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
    void this.carryUser(visitor, { srcAddr: peer.address, srcPort: peer.port }, 'visitor connection');
  }
}
