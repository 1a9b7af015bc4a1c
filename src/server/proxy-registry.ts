// The server's registered proxies by name: admission (name, policy, port caps), creation, and the ledger.
import type { ServerConfig } from '../config/index.js';
import { BurrowError, ErrorCode } from '../errors.js';
import type { NewProxy } from '../wire/index.js';
import type { ServerControl } from './control.js';
import { identityLabel, ServerRefusal } from './handshakes.js';
import type { IdentityPolicy } from './policy.js';
import { PortManager } from './port-manager.js';
import { createProxy } from './proxy-factory.js';
import type { ProxyLedger } from './proxy-ledger.js';
import type { ServerProxy } from './proxies/proxy.js';
import type { VisitorTargets } from './proxies/stcp.js';
import { TcpGroups } from './proxies/tcp-group.js';
import type { HttpsVhost, HttpVhost } from './vhost/index.js';
import type { TcpmuxVhost } from './tcpmux/index.js';

/** What the registry reads from its server. */
export interface ProxyRegistryHost {
  /** The config in use (a reload may replace it). */
  config(): ServerConfig;
  /** The identity policy in force. */
  policy(): IdentityPolicy;
  /** True once the server is shutting down: new proxies are refused. */
  closing(): boolean;
  readonly ledger: ProxyLedger;
  readonly httpVhost: HttpVhost;
  readonly httpsVhost: HttpsVhost;
  readonly tcpmuxVhost: TcpmuxVhost;
  readonly visitorTargets: VisitorTargets;
}

/** One per server: every proxy name is registered once, server-wide (frps's rule). */
export class ProxyRegistry {
  private readonly proxies = new Map<string, ServerProxy>();
  private readonly ports: PortManager;
  private readonly udpPorts: PortManager;
  private readonly groups: TcpGroups;

  constructor(
    private readonly host: ProxyRegistryHost,
    proxyBindAddr: string,
    allowPorts: ServerConfig['allowPorts'],
  ) {
    this.ports = new PortManager(proxyBindAddr, allowPorts);
    this.udpPorts = new PortManager(proxyBindAddr, allowPorts);
    this.groups = new TcpGroups(this.ports);
  }

  /** Checks and creates the proxy `control` asks for; rejects with PROXY_REFUSED and frps's reason. */
  register(control: ServerControl, request: NewProxy): ServerProxy {
    const name = request.proxy_name ?? '';
    const config = this.host.config();
    if (this.host.closing()) throw new BurrowError(ErrorCode.PROXY_REFUSED, ServerRefusal.shuttingDown);
    if (name === '') throw new BurrowError(ErrorCode.PROXY_REFUSED, 'proxy name is empty');
    if (this.proxies.has(name)) throw new BurrowError(ErrorCode.PROXY_REFUSED, `proxy [${name}] already exists`);
    const user = control.login.user ?? '';
    const shortName = user && name.startsWith(`${user}.`) ? name.slice(user.length + 1) : name;
    const identity = control.peer.tls?.identity;
    const policyRefusal = this.host.policy().refusal(identity, shortName, request, config.subDomainHost);
    if (policyRefusal) throw new BurrowError(ErrorCode.PROXY_REFUSED, policyRefusal);
    const { httpVhost, httpsVhost, tcpmuxVhost, visitorTargets } = this.host;
    const deps = { config, ports: this.ports, udpPorts: this.udpPorts, groups: this.groups };
    const proxy = createProxy(
      { ...deps, httpVhost, httpsVhost, tcpmuxVhost, visitorTargets },
      name,
      request,
      control,
      user,
    );
    if (config.maxPortsPerClient > 0) {
      const used = control.proxyNames().reduce((sum, n) => sum + (this.proxies.get(n)?.portsUsed ?? 0), 0);
      if (used + proxy.portsUsed > config.maxPortsPerClient)
        throw new BurrowError(ErrorCode.PROXY_REFUSED, ServerRefusal.maxPorts);
    }
    this.proxies.set(name, proxy);
    this.host.ledger.register(proxy, {
      runId: control.runId,
      user,
      clientId: control.login.client_id ?? '',
      identity: identityLabel(control.peer),
    });
    return proxy;
  }

  /** Forgets a closed proxy (unless its name was registered again since). */
  unregister(proxy: ServerProxy): void {
    if (this.proxies.get(proxy.name) === proxy) this.proxies.delete(proxy.name);
    this.host.ledger.closed(proxy);
  }

  /** Drain: every proxy stops accepting new user connections (live ones go on). */
  stopAccepting(): void {
    for (const proxy of this.proxies.values()) proxy.stopAccepting?.();
  }
}
