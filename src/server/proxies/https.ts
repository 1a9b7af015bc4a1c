// https proxy: SNI routes on the shared HTTPS vhost; each TLS connection travels untouched on a work connection.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import type { RateLimiter } from '../../net/bandwidth.js';
import type { NewProxy } from '../../wire/index.js';
import type { HttpsBackend, HttpsVhost } from '../vhost/index.js';
import { canonicalAddr, DEFAULT_HTTPS_PORT, proxyDomains } from './domains.js';
import type { ProxyOwner, ServerProxy } from './proxy.js';
import { serverLimiter, takeWorkConn, wrapProxyStream } from './work-conn.js';
import { TrafficMeter } from '../traffic.js';

/** An https proxy registered on the server's HTTPS vhost. */
export class HttpsProxy implements ServerProxy, HttpsBackend {
  readonly type = 'https';
  private readonly limiter: RateLimiter | undefined;
  private readonly domains: string[] = [];
  private readonly live = new Set<Duplex>();
  private closed = false;

  constructor(
    readonly name: string,
    readonly request: NewProxy,
    readonly owner: ProxyOwner,
    private readonly vhost: HttpsVhost,
    /** vhostHTTPSPort (0 = the server has no HTTPS vhost). */
    private readonly vhostPort: number,
    private readonly subDomainHost: string,
  ) {
    this.limiter = serverLimiter(request);
  }

  get proxyName(): string {
    return this.name;
  }

  readonly meter = new TrafficMeter();

  get portsUsed(): number {
    return 0;
  }

  async start(): Promise<string> {
    if (this.vhostPort <= 0)
      throw new BurrowError(ErrorCode.PROXY_REFUSED, 'type [https] not supported when vhost https port is not set');
    const domains = proxyDomains(this.request, this.subDomainHost);
    try {
      for (const domain of domains) {
        this.vhost.router.add({ domain, location: '', payload: this });
        this.domains.push(domain);
      }
    } catch (err) {
      this.close();
      throw err;
    }
    this.owner.logger.info({ proxy: this.name, domains }, 'https proxy routes registered');
    return domains.map((d) => canonicalAddr(d, this.vhostPort, DEFAULT_HTTPS_PORT)).join(',');
  }

  /** Removes the routes: new TLS connections for these names are refused; live ones go on. */
  stopAccepting(): void {
    for (const domain of this.domains.splice(0)) this.vhost.router.remove(domain, '');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopAccepting();
    for (const conn of this.live) conn.destroy();
    this.live.clear();
  }

  async openConn(peer: { address: string; port: number }): Promise<Duplex> {
    if (this.closed) throw new BurrowError(ErrorCode.CLOSED, `proxy [${this.name}] is closed`);
    const work = await takeWorkConn(this.owner, this.name, { srcAddr: peer.address, srcPort: peer.port });
    const stream = wrapProxyStream(work.stream, this.request, this.owner.encryptionKey, this.limiter);
    this.live.add(stream);
    stream.once('close', () => this.live.delete(stream));
    return stream;
  }
}
