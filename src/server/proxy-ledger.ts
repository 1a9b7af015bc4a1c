// What the server remembers of its proxies for the admin API and metrics: online ones, recently closed ones, totals.
import type { BurrowMetrics } from '../observe/index.js';
import type { ServerProxy } from './proxies/proxy.js';
import type { TrafficMeter } from './traffic.js';

/** Closed proxies kept (as "offline", with their last counters) for the admin API; older ones are forgotten. */
export const MAX_OFFLINE_PROXIES = 200;

/** Who runs a proxy, as the admin API and the metrics label it. */
export interface ProxyOwnerFacts {
  runId: string;
  user: string;
  clientId: string;
  /** The client certificate's CN ("" without one): the metrics' identity label. */
  identity: string;
}

/** One proxy the server knows, online or offline. */
export interface ProxyRecord {
  readonly name: string;
  readonly type: string;
  readonly owner: ProxyOwnerFacts;
  /** The NewProxy message as the client sent it (secrets are removed when served). */
  readonly conf: Record<string, unknown>;
  readonly meter: TrafficMeter;
  remoteAddr: string;
  status: 'starting' | 'online' | 'offline';
  startedAt: Date | undefined;
  closedAt: Date | undefined;
  /** Bytes already pushed into the metrics counters. */
  reportedIn: number;
  reportedOut: number;
}

/**
 * Tracks every proxy from registration to close and for a while after. Hooks each proxy's
 * TrafficMeter: connection events go to the metrics at once; bytes are added to the server's
 * totals per chunk (two additions) and pushed into the metrics when they are read, so the data
 * path does no label lookups.
 */
export class ProxyLedger {
  /** Bytes from users to local services since start, over every proxy (closed ones included). */
  totalIn = 0;
  /** Bytes from local services to users since start. */
  totalOut = 0;
  /** User connections open now over every proxy, closed proxies still winding down included. */
  liveConns = 0;
  private readonly live = new Map<ServerProxy, ProxyRecord>();
  /** Closed proxies by name, oldest first (Map keeps insertion order). */
  private readonly offline = new Map<string, ProxyRecord>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly metrics: BurrowMetrics,
    private readonly maxOffline = MAX_OFFLINE_PROXIES,
  ) {
    metrics.onCollect(() => this.flushBytes());
  }

  /** A proxy was accepted for registration: its meter is hooked from now on. */
  register(proxy: ServerProxy, owner: ProxyOwnerFacts): void {
    const record: ProxyRecord = {
      name: proxy.name,
      type: proxy.type,
      owner,
      conf: { ...proxy.request },
      meter: proxy.meter,
      remoteAddr: '',
      status: 'starting',
      startedAt: undefined,
      closedAt: undefined,
      reportedIn: 0,
      reportedOut: 0,
    };
    this.live.set(proxy, record);
    proxy.meter.onBytes = (direction, bytes) => {
      if (direction === 'in') this.totalIn += bytes;
      else this.totalOut += bytes;
    };
    proxy.meter.onConn = (delta) => {
      this.liveConns = Math.max(0, this.liveConns + delta);
      if (delta > 0) this.metrics.connectionOpened(record.name, owner.identity);
      else this.metrics.connectionClosed(record.name, 0, 0, owner.identity);
      if (this.liveConns === 0) this.wakeIdle();
    };
  }

  /** The proxy is open and answered: it shows as online, continuing the history of its previous run. */
  started(proxy: ServerProxy, remoteAddr: string): void {
    const record = this.live.get(proxy);
    if (!record || record.status !== 'starting') return;
    const previous = this.offline.get(record.name);
    if (previous) {
      this.offline.delete(record.name);
      this.flushRecord(previous);
      record.meter.carryHistory(previous.meter);
    }
    record.status = 'online';
    record.remoteAddr = remoteAddr;
    record.startedAt = new Date();
    this.metrics.proxyStarted(record.type);
  }

  /** The proxy closed: kept as offline (when it had come online), the oldest offline ones forgotten. */
  closed(proxy: ServerProxy): void {
    const record = this.live.get(proxy);
    if (!record) return;
    this.live.delete(proxy);
    if (record.status !== 'online') {
      this.flushRecord(record);
      return;
    }
    record.status = 'offline';
    record.closedAt = new Date();
    this.metrics.proxyStopped(record.type);
    this.offline.delete(record.name);
    this.offline.set(record.name, record);
    while (this.offline.size > this.maxOffline) {
      const oldest = this.offline.keys().next().value as string;
      const gone = this.offline.get(oldest);
      this.offline.delete(oldest);
      // Bytes its last connections carried after the latest scrape still reach the counters.
      if (gone) this.flushRecord(gone);
    }
  }

  /** Online and offline proxies (not those still starting). */
  records(): ProxyRecord[] {
    const out: ProxyRecord[] = [];
    for (const record of this.live.values()) if (record.status === 'online') out.push(record);
    out.push(...this.offline.values());
    return out;
  }

  /** The record of a proxy by name: the online one first, else the offline one. */
  byName(name: string): ProxyRecord | undefined {
    for (const record of this.live.values()) if (record.name === name && record.status === 'online') return record;
    return this.offline.get(name);
  }

  /** Resolves when no user connection is open, or after `timeoutMs`; true when idle was reached. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.liveConns === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  /** Pushes every record's new bytes into the metrics counters. */
  flushBytes(): void {
    for (const record of this.live.values()) this.flushRecord(record);
    for (const record of this.offline.values()) this.flushRecord(record);
  }

  private flushRecord(record: ProxyRecord): void {
    const inBytes = record.meter.totalIn - record.reportedIn;
    const outBytes = record.meter.totalOut - record.reportedOut;
    if (inBytes <= 0 && outBytes <= 0) return;
    record.reportedIn = record.meter.totalIn;
    record.reportedOut = record.meter.totalOut;
    this.metrics.bytesTransferred(record.name, inBytes, outBytes, record.owner.identity);
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
