// Builds the server-side proxy a NewProxy asks for, by proxy_type.
import type { ServerConfig } from '../config/index.js';
import { BurrowError, ErrorCode } from '../errors.js';
import type { NewProxy } from '../wire/index.js';
import type { PortManager } from './port-manager.js';
import { HttpProxy } from './proxies/http.js';
import { HttpsProxy } from './proxies/https.js';
import type { ProxyOwner, ProxySpec, ServerProxy } from './proxies/proxy.js';
import { StcpProxy, type VisitorTargets } from './proxies/stcp.js';
import { TcpProxy } from './proxies/tcp.js';
import { TcpmuxProxy } from './proxies/tcpmux.js';
import type { TcpGroups } from './proxies/tcp-group.js';
import { UdpProxy } from './proxies/udp.js';
import type { HttpsVhost, HttpVhost } from './vhost/index.js';
import type { TcpmuxVhost } from './tcpmux/index.js';

/** The shared server parts proxies are built on. */
export interface ProxyDeps {
  readonly config: ServerConfig;
  readonly ports: PortManager;
  readonly udpPorts: PortManager;
  readonly groups: TcpGroups;
  readonly httpVhost: HttpVhost;
  readonly httpsVhost: HttpsVhost;
  readonly tcpmuxVhost: TcpmuxVhost;
  readonly visitorTargets: VisitorTargets;
}

/** A new (not yet started) proxy of `request.proxy_type`; BurrowError PROXY_REFUSED for a type the server does not serve. */
export function createProxy(
  deps: ProxyDeps,
  name: string,
  request: NewProxy,
  owner: ProxyOwner,
  user: string,
): ServerProxy {
  const { config } = deps;
  const spec: ProxySpec = { name, request, owner };
  switch (request.proxy_type) {
    case 'tcp':
      return new TcpProxy(spec, deps.ports, deps.groups);
    case 'udp':
      return new UdpProxy(spec, deps.udpPorts, config.udpPacketSize);
    case 'http':
      return new HttpProxy(spec, deps.httpVhost, config.vhostHTTPPort, config.subDomainHost);
    case 'https':
      return new HttpsProxy(spec, deps.httpsVhost, config.vhostHTTPSPort, config.subDomainHost);
    case 'tcpmux':
      return new TcpmuxProxy(spec, deps.tcpmuxVhost, config.tcpmuxHTTPConnectPort, config.subDomainHost);
    case 'stcp':
      return new StcpProxy(spec, deps.visitorTargets, user);
    default:
      throw new BurrowError(
        ErrorCode.PROXY_REFUSED,
        `proxy type [${request.proxy_type ?? ''}] is not supported by this burrow server yet`,
      );
  }
}
