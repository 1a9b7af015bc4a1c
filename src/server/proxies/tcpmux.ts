// tcpmux proxy: routes on the server's HTTP CONNECT multiplexer (by host, and by user with routeByHTTPUser); each tunnel travels on a work connection.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import type { TcpmuxBackend, TcpmuxVhost } from '../tcpmux/index.js';
import { DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT, proxyDomains } from './domains.js';
import type { ProxySpec } from './proxy.js';
import { ProxyBase } from './proxy-base.js';
import type { UserAddress } from './work-conn.js';

/** frp's only tcpmux multiplexer. */
export const HTTP_CONNECT_MULTIPLEXER = 'httpconnect';

/** "domain" or "domain:port" as frp's util.CanonicalAddr writes a tcpmux remote_addr (it drops :80 and :443). */
function tcpmuxAddr(domain: string, port: number): string {
  return port === DEFAULT_HTTP_PORT || port === DEFAULT_HTTPS_PORT ? domain : `${domain}:${port}`;
}

/** A tcpmux proxy registered on the server's tcpmux multiplexer. */
export class TcpmuxProxy extends ProxyBase implements TcpmuxBackend {
  readonly type = 'tcpmux';
  readonly httpUser: string;
  readonly httpPassword: string;
  private readonly routes: { domain: string; httpUser: string }[] = [];

  constructor(
    spec: ProxySpec,
    private readonly vhost: TcpmuxVhost,
    /** tcpmuxHTTPConnectPort (0 = the server has no multiplexer). */
    private readonly vhostPort: number,
    private readonly subDomainHost: string,
  ) {
    super(spec);
    this.httpUser = spec.request.http_user ?? '';
    this.httpPassword = spec.request.http_pwd ?? '';
  }

  get idleTimeoutMs(): number {
    return this.owner.userConnIdleTimeoutMs;
  }

  /** frps's checks in its order: the port is on, the domains are valid, the multiplexer is known. */
  async start(): Promise<string> {
    const multiplexer = this.request.multiplexer ?? '';
    if (multiplexer === HTTP_CONNECT_MULTIPLEXER && this.vhostPort <= 0)
      throw new BurrowError(
        ErrorCode.PROXY_REFUSED,
        'tcpmux with multiplexer httpconnect not supported because this feature is not enabled in server',
      );
    const domains = proxyDomains(this.request, this.subDomainHost);
    if (multiplexer !== HTTP_CONNECT_MULTIPLEXER)
      throw new BurrowError(ErrorCode.PROXY_REFUSED, `unknown multiplexer [${multiplexer}]`);
    const routeUser = this.request.route_by_http_user ?? '';
    try {
      for (const domain of domains) {
        this.vhost.addRoute(domain, routeUser, this);
        this.routes.push({ domain, httpUser: routeUser });
      }
    } catch (err) {
      this.close();
      throw err;
    }
    this.owner.logger.info({ proxy: this.name, domains, routeByHTTPUser: routeUser }, 'tcpmux proxy routes registered');
    return domains.map((d) => tcpmuxAddr(d, this.vhostPort)).join(',');
  }

  /** Removes the routes: new CONNECTs for these hosts get the 404; live tunnels go on. */
  protected closePublicSide(): void {
    for (const r of this.routes.splice(0)) this.vhost.removeRoute(r.domain, r.httpUser);
  }

  openConn(address: UserAddress): Promise<Duplex> {
    return this.openUserStream(address);
  }
}
