// The JSON the server API answers: frp's field names where frp has the endpoint, plus burrow's extras.
import {
  redactConf,
  type ClientInfo,
  type ClientProxyStatus,
  type ProxyInfo,
  type ServerInfo,
} from '../observe/index.js';

/** GET /api/serverinfo: frp's ServerInfoResp, plus `tcpMux` and `startTime`. */
export function serverInfoJson(info: ServerInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    version: info.version,
    bindPort: info.bindPort,
    vhostHTTPPort: info.vhostHTTPPort,
    vhostHTTPSPort: info.vhostHTTPSPort,
    tcpmuxHTTPConnectPort: info.tcpmuxHTTPConnectPort ?? 0,
    kcpBindPort: 0,
    quicBindPort: 0,
    subdomainHost: info.subdomainHost ?? '',
    maxPoolCount: info.maxPoolCount ?? 0,
    maxPortsPerClient: info.maxPortsPerClient ?? 0,
    heartbeatTimeout: info.heartbeatTimeout ?? 0,
    totalTrafficIn: info.totalTrafficIn,
    totalTrafficOut: info.totalTrafficOut,
    curConns: info.curConns,
    clientCounts: info.clientCounts,
    proxyTypeCount: info.proxyTypeCount,
    tcpMux: info.tcpMux,
    startTime: info.startTime,
  };
  // frp omits these two when empty.
  if (info.allowPortsStr) out.allowPortsStr = info.allowPortsStr;
  if (info.tlsForce) out.tlsForce = true;
  return out;
}

/** One proxy: frp's ProxyStatsInfo, plus `type`, `runID` and `remoteAddr`. */
export function proxyJson(p: ProxyInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: p.name,
    type: p.type,
    conf: redactConf(p.conf),
    todayTrafficIn: p.todayTrafficIn,
    todayTrafficOut: p.todayTrafficOut,
    curConns: p.curConns,
    lastStartTime: p.lastStartTime,
    lastCloseTime: p.lastCloseTime,
    status: p.status,
    runID: p.runId,
    remoteAddr: p.remoteAddr,
  };
  // frp omits user and clientID when empty.
  if (p.user) out.user = p.user;
  const clientId = p.clientId || p.runId;
  if (clientId) out.clientID = clientId;
  return out;
}

/** The host part of "ip:port" or "[v6]:port" ("" when there is none). */
export function ipOf(address: string): string {
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    return end > 0 ? address.slice(1, end) : '';
  }
  const first = address.indexOf(':');
  if (first < 0) return address;
  // A bare IPv6 address has several colons and no port.
  if (address.lastIndexOf(':') !== first) return address;
  return address.slice(0, first);
}

/** frp's client key: "user.clientID", or whichever of the two is set. */
function clientKey(user: string, id: string): string {
  if (user === '') return id;
  if (id === '') return user;
  return `${user}.${id}`;
}

/** Seconds since the epoch of an ISO date (0 when unparsable), as frp's *ConnectedAt fields. */
function unixSeconds(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/** One client: frp's ClientInfoResp, plus os, arch, address, cipher, TLS state and connectedSince. */
export function clientJson(c: ClientInfo): Record<string, unknown> {
  const clientId = c.clientId || c.runId;
  const since = unixSeconds(c.connectedSince);
  return {
    key: clientKey(c.user, clientId),
    user: c.user,
    clientID: clientId,
    runID: c.runId,
    version: c.version,
    wireProtocol: c.wire,
    hostname: c.hostname,
    clientIP: ipOf(c.remoteAddress),
    firstConnectedAt: since,
    lastConnectedAt: since,
    online: true,
    os: c.os,
    arch: c.arch,
    remoteAddress: c.remoteAddress,
    controlCipher: c.controlCipher,
    tls: c.tls ?? null,
    connectedSince: c.connectedSince,
  };
}

/** GET /api/status of a client: frp's map from proxy type to its proxies, each sorted by name. */
export function statusJson(statuses: ClientProxyStatus[]): Record<string, unknown[]> {
  const byType: Record<string, ClientProxyStatus[]> = {};
  for (const s of statuses) (byType[s.type] ??= []).push(s);
  const out: Record<string, unknown[]> = {};
  for (const [type, list] of Object.entries(byType)) {
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out[type] = list.map((s) => ({
      name: s.name,
      type: s.type,
      status: s.status,
      err: s.err,
      local_addr: s.localAddr,
      plugin: s.plugin,
      remote_addr: s.remoteAddr,
      ...(s.source !== undefined ? { source: s.source } : {}),
    }));
  }
  return out;
}

/** Sorts by `name`, as frp's list endpoints do. */
export function byName<T extends { name: string }>(list: T[]): T[] {
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
