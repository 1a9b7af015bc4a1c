// The server as the admin API sees it: snapshots of facts, clients, proxies, traffic and certificates.
import {
  redactConf,
  type CertificateInfo,
  type ClientInfo,
  type ProxyInfo,
  type ProxyTraffic,
  type ServerInfo,
  type ServerView,
} from '../observe/index.js';
import type { PortRange, ServerConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { inspectCert, splitPemCertificates } from '../pki/index.js';
import { MS_PER_DAY } from '../pki/dates.js';
import type { ServerTls } from '../tls/index.js';
import { BURROW_VERSION } from '../version.js';
import type { ServerControl } from './control.js';
import type { ProxyLedger, ProxyRecord } from './proxy-ledger.js';

/** What the view reads from the running server. */
export interface AdminViewSource {
  /** The config in use (a reload may replace parts of it). */
  config(): ServerConfig;
  readonly startedAt: Date;
  readonly ledger: ProxyLedger;
  readonly logger: Logger;
  /** The port bindPort actually listens on (0 before start). */
  boundPort(): number;
  /** The client sessions logged in now. */
  controls(): Iterable<ServerControl>;
  /** The TLS material in use, undefined before start. */
  currentTls(): ServerTls | undefined;
}

/** A certificate's facts that do not change with time (daysLeft is computed per read). */
interface CertFacts {
  role: string;
  subject: string;
  notAfter: Date;
  fingerprint: string;
}

/** frp's allowPortsStr: "1000-1002,2000". */
export function allowPortsString(ranges: readonly PortRange[]): string {
  return ranges.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(',');
}

/** Whole days from `now` until `notAfter` (negative once expired). */
export function daysLeft(notAfter: Date, now = Date.now()): number {
  return Math.floor((notAfter.getTime() - now) / MS_PER_DAY);
}

/** A Date as ISO 8601, or "" when absent. */
function iso(date: Date | undefined): string {
  return date ? date.toISOString() : '';
}

/** One proxy record as the admin API serves it; secrets are stripped from `conf` here already. */
export function proxyInfoOf(record: ProxyRecord): ProxyInfo {
  const today = record.meter.today();
  const info: ProxyInfo = {
    name: record.name,
    type: record.type,
    status: record.status === 'online' ? 'online' : 'offline',
    runId: record.owner.runId,
    remoteAddr: record.remoteAddr,
    curConns: record.status === 'online' ? record.meter.curConns : 0,
    todayTrafficIn: today.in,
    todayTrafficOut: today.out,
    lastStartTime: iso(record.startedAt),
    lastCloseTime: iso(record.closedAt),
    conf: redactConf(record.conf),
  };
  if (record.owner.user) info.user = record.owner.user;
  if (record.owner.clientId) info.clientId = record.owner.clientId;
  return info;
}

/** One logged-in client as the admin API serves it. */
export function clientInfoOf(control: ServerControl): ClientInfo {
  const { login, peer } = control;
  const info: ClientInfo = {
    runId: control.runId,
    user: login.user ?? '',
    hostname: login.hostname ?? '',
    os: login.os ?? '',
    arch: login.arch ?? '',
    version: login.version ?? '',
    remoteAddress: peer.remoteAddress,
    wire: control.wire,
    controlCipher: control.controlCipher,
    connectedSince: control.connectedAt.toISOString(),
  };
  if (login.client_id) info.clientId = login.client_id;
  if (peer.tls) {
    const { version, cipher, identity } = peer.tls;
    info.tls = { version, cipher };
    if (identity) {
      info.tls.identity = {
        cn: identity.cn,
        dns: [...identity.dns],
        uris: [...identity.uris],
        fingerprint: identity.fingerprint,
        validTo: identity.validTo,
      };
    }
  }
  return info;
}

/** The server's ServerView: every read is a fresh snapshot of live state. */
export class ServerAdminView implements ServerView {
  /** Parsed certificates of the TLS material in use, computed once per (re)load. */
  private certCache: { tls: ServerTls; certs: CertFacts[] } | undefined;

  constructor(private readonly source: AdminViewSource) {}

  info(): ServerInfo {
    const { ledger } = this.source;
    const config = this.source.config();
    const proxyTypeCount: Record<string, number> = {};
    for (const record of ledger.records()) {
      if (record.status === 'online') proxyTypeCount[record.type] = (proxyTypeCount[record.type] ?? 0) + 1;
    }
    let clientCounts = 0;
    for (const control of this.source.controls()) if (!control.isClosed) clientCounts += 1;
    const info: ServerInfo = {
      version: BURROW_VERSION,
      bindPort: this.source.boundPort() || config.bindPort,
      vhostHTTPPort: config.vhostHTTPPort,
      vhostHTTPSPort: config.vhostHTTPSPort,
      tcpmuxHTTPConnectPort: config.tcpmuxHTTPConnectPort,
      tcpMux: config.transport.tcpMux,
      subdomainHost: config.subDomainHost,
      startTime: this.source.startedAt.toISOString(),
      clientCounts,
      curConns: ledger.liveConns,
      totalTrafficIn: ledger.totalIn,
      totalTrafficOut: ledger.totalOut,
      proxyTypeCount,
      maxPoolCount: config.transport.maxPoolCount,
      maxPortsPerClient: config.maxPortsPerClient,
      heartbeatTimeout: config.transport.heartbeatTimeout,
      allowPortsStr: allowPortsString(config.allowPorts),
      tlsForce: this.source.currentTls()?.force ?? config.transport.tls.force,
    };
    return info;
  }

  clients(): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const control of this.source.controls()) if (!control.isClosed) out.push(clientInfoOf(control));
    return out;
  }

  proxies(): ProxyInfo[] {
    return this.source.ledger.records().map(proxyInfoOf);
  }

  traffic(name: string): ProxyTraffic | undefined {
    return this.source.ledger.byName(name)?.meter.history();
  }

  /** The server certificate, the trusted client CAs, and the certificates of connected clients. */
  certificates(): CertificateInfo[] {
    const now = Date.now();
    const facts = [...this.tlsCertificates(), ...this.clientCertificates()];
    return facts.map((c) => ({
      role: c.role,
      subject: c.subject,
      notAfter: c.notAfter.toISOString(),
      daysLeft: daysLeft(c.notAfter, now),
      fingerprint: c.fingerprint,
    }));
  }

  private tlsCertificates(): CertFacts[] {
    const tls = this.source.currentTls();
    if (!tls) return [];
    if (this.certCache?.tls === tls) return this.certCache.certs;
    const certs: CertFacts[] = [];
    const { cert, ca } = tls.secureContextOptions;
    this.collect(certs, 'server', pemText(cert));
    for (const pem of splitPemCertificates(pemText(ca))) this.collect(certs, 'client CA', pem);
    this.certCache = { tls, certs };
    return certs;
  }

  /** Adds the first certificate of `pem`; one that does not parse is logged and left out. */
  private collect(into: CertFacts[], role: string, pem: string): void {
    if (pem === '') return;
    try {
      const info = inspectCert(pem);
      into.push({ role, subject: info.subject, notAfter: info.notAfter, fingerprint: info.fingerprint });
    } catch (err) {
      this.source.logger.warn(
        { role, err: errorMessage(err) },
        'admin API: a certificate in use does not parse; not listed',
      );
    }
  }

  private clientCertificates(): CertFacts[] {
    const seen = new Set<string>();
    const out: CertFacts[] = [];
    for (const control of this.source.controls()) {
      const identity = control.peer.tls?.identity;
      if (!identity || control.isClosed || seen.has(identity.fingerprint)) continue;
      seen.add(identity.fingerprint);
      out.push({
        role: 'client',
        subject: identity.subject,
        notAfter: new Date(identity.validTo),
        fingerprint: identity.fingerprint,
      });
    }
    return out;
  }
}

/** The PEM text of a SecureContextOptions cert/ca value (string, Buffer, or a list of them). */
function pemText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(pemText).join('\n');
  return '';
}
