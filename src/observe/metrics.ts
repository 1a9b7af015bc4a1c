// Observe layer (below server, client and admin): a server's Prometheus metrics on their own prom-client registry, bounded labels.
import { createRequire } from 'node:module';
import type { Counter, Gauge, Registry } from 'prom-client';
import {
  MAX_IDENTITY_LABELS,
  MAX_LABEL_LENGTH,
  MAX_PROXY_LABELS,
  MAX_REASON_LABELS,
  METRIC_PREFIX,
  NO_IDENTITY,
  OVERFLOW_LABEL,
} from './constants.js';

/** Loads CommonJS packages synchronously, on first use. */
const loadCjs = createRequire(import.meta.url);

let promClient: typeof import('prom-client') | undefined;

/** prom-client, loaded when the first BurrowMetrics is made: `import 'burrow'` and clients skip it. */
function prom(): typeof import('prom-client') {
  promClient ??= loadCjs('prom-client') as typeof import('prom-client');
  return promClient;
}

/** The metric names, for docs and tests. */
export const MetricName = {
  clients: `${METRIC_PREFIX}clients`,
  proxies: `${METRIC_PREFIX}proxies`,
  connectionsTotal: `${METRIC_PREFIX}proxy_connections_total`,
  connections: `${METRIC_PREFIX}proxy_connections`,
  bytesIn: `${METRIC_PREFIX}proxy_bytes_in_total`,
  bytesOut: `${METRIC_PREFIX}proxy_bytes_out_total`,
  handshakeFailures: `${METRIC_PREFIX}handshake_failures_total`,
  loginFailures: `${METRIC_PREFIX}login_failures_total`,
} as const;

/**
 * Keeps a label's distinct values under a cap: the first `max` values are kept as they are, later
 * new ones become "other". Clients choose proxy names, so without a cap they choose our memory.
 */
class LabelCap {
  private readonly seen = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly normalise: (raw: string) => string,
  ) {}

  /** The label value to use for `raw`. */
  value(raw: string): string {
    const v = this.normalise(raw);
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max) return OVERFLOW_LABEL;
    this.seen.add(v);
    return v;
  }
}

/** A name as a label value: cut to MAX_LABEL_LENGTH. */
function cut(raw: string): string {
  return raw.length > MAX_LABEL_LENGTH ? raw.slice(0, MAX_LABEL_LENGTH) : raw;
}

/** An identity as a label value: its CN, or "none" when empty. */
function identityLabel(raw: string): string {
  return raw === '' ? NO_IDENTITY : cut(raw);
}

/** A failure reason as a short code: lower case, [a-z0-9_] only, e.g. "Bad Token!" → "bad_token". */
export function reasonCode(raw: string): string {
  const code = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_LABEL_LENGTH);
  return code === '' ? 'unknown' : code;
}

/** A byte count fit for Counter.inc: finite and not negative, else 0. */
function bytes(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * burrow's Prometheus metrics. Owns its registry (never prom-client's global one), so two servers
 * in one process keep separate numbers. The server calls the event methods; /metrics serves
 * `metricsText()`. `identity` is the client certificate's CN, or "none" without one.
 */
export class BurrowMetrics {
  /** The registry holding only these metrics. */
  readonly registry: Registry;
  private readonly clients: Gauge<'identity'>;
  private readonly proxies: Gauge<'type'>;
  private readonly connectionsTotal: Counter<'proxy' | 'identity'>;
  private readonly connections: Gauge<'proxy' | 'identity'>;
  private readonly bytesIn: Counter<'proxy' | 'identity'>;
  private readonly bytesOut: Counter<'proxy' | 'identity'>;
  private readonly handshakeFailures: Counter<'reason'>;
  private readonly loginFailures: Counter<'reason' | 'identity'>;
  private readonly proxyLabels = new LabelCap(MAX_PROXY_LABELS, cut);
  private readonly identityLabels = new LabelCap(MAX_IDENTITY_LABELS, identityLabel);
  private readonly reasonLabels = new LabelCap(MAX_REASON_LABELS, reasonCode);
  private readonly typeLabels = new LabelCap(MAX_REASON_LABELS, reasonCode);
  /** Live counts behind the gauges, so a stray "stopped" never drives one below zero. */
  private readonly clientCounts = new Map<string, number>();
  private readonly proxyCounts = new Map<string, number>();
  private readonly connectionCounts = new Map<string, number>();
  /** Called before every exposition, so batched counts (bytes) are pushed in first. */
  private readonly collectors: (() => void)[] = [];

  constructor() {
    const { Counter, Gauge, Registry } = prom();
    this.registry = new Registry();
    const registers = [this.registry];
    this.clients = new Gauge({
      name: MetricName.clients,
      help: 'Clients logged in now, by certificate identity.',
      labelNames: ['identity'],
      registers,
    });
    this.proxies = new Gauge({
      name: MetricName.proxies,
      help: 'Proxies online now, by type.',
      labelNames: ['type'],
      registers,
    });
    this.connectionsTotal = new Counter({
      name: MetricName.connectionsTotal,
      help: 'User connections accepted, by proxy.',
      labelNames: ['proxy', 'identity'],
      registers,
    });
    this.connections = new Gauge({
      name: MetricName.connections,
      help: 'User connections open now, by proxy.',
      labelNames: ['proxy', 'identity'],
      registers,
    });
    this.bytesIn = new Counter({
      name: MetricName.bytesIn,
      help: 'Bytes from users to the local service, by proxy.',
      labelNames: ['proxy', 'identity'],
      registers,
    });
    this.bytesOut = new Counter({
      name: MetricName.bytesOut,
      help: 'Bytes from the local service to users, by proxy.',
      labelNames: ['proxy', 'identity'],
      registers,
    });
    this.handshakeFailures = new Counter({
      name: MetricName.handshakeFailures,
      help: 'Tunnel connections that failed before login (TLS, wire hello), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.loginFailures = new Counter({
      name: MetricName.loginFailures,
      help: 'Logins refused, by reason.',
      labelNames: ['reason', 'identity'],
      registers,
    });
  }

  /** A client logged in. */
  clientConnected(identity: string = NO_IDENTITY): void {
    const id = this.identityLabels.value(identity);
    this.step(this.clientCounts, id, +1);
    this.clients.set({ identity: id }, this.clientCounts.get(id) ?? 0);
  }

  /** A client's session ended. Its series disappears when no client of that identity remains. */
  clientDisconnected(identity: string = NO_IDENTITY): void {
    const id = this.identityLabels.value(identity);
    const n = this.step(this.clientCounts, id, -1);
    if (n === 0) this.clients.remove({ identity: id });
    else this.clients.set({ identity: id }, n);
  }

  /** A proxy of this type came online. */
  proxyStarted(type: string): void {
    const t = this.typeLabels.value(type);
    this.proxies.set({ type: t }, this.step(this.proxyCounts, t, +1));
  }

  /** A proxy of this type went offline. */
  proxyStopped(type: string): void {
    const t = this.typeLabels.value(type);
    this.proxies.set({ type: t }, this.step(this.proxyCounts, t, -1));
  }

  /** A user connection to `proxy` was accepted. */
  connectionOpened(proxy: string, identity: string = NO_IDENTITY): void {
    const labels = this.proxyLabelsOf(proxy, identity);
    this.connectionsTotal.inc(labels);
    this.connections.set(labels, this.step(this.connectionCounts, `${labels.proxy}\n${labels.identity}`, +1));
  }

  /**
   * A user connection to `proxy` ended, having carried these bytes (in = user → service). Pass
   * zeros when its bytes were already reported through `bytesTransferred`.
   */
  connectionClosed(proxy: string, bytesIn: number, bytesOut: number, identity: string = NO_IDENTITY): void {
    const labels = this.proxyLabelsOf(proxy, identity);
    this.connections.set(labels, this.step(this.connectionCounts, `${labels.proxy}\n${labels.identity}`, -1));
    this.addBytes(labels, bytesIn, bytesOut);
  }

  /** Bytes carried by a still-open connection, for long transfers to show before they end. */
  bytesTransferred(proxy: string, bytesIn: number, bytesOut: number, identity: string = NO_IDENTITY): void {
    this.addBytes(this.proxyLabelsOf(proxy, identity), bytesIn, bytesOut);
  }

  /** A tunnel connection failed before login; `reason` is a short code such as "tls_handshake". */
  handshakeFailed(reason: string): void {
    this.handshakeFailures.inc({ reason: this.reasonLabels.value(reason) });
  }

  /** A login was refused; `reason` is a short code such as "bad_token" or "identity_denied". */
  loginFailed(reason: string, identity: string = NO_IDENTITY): void {
    this.loginFailures.inc({ reason: this.reasonLabels.value(reason), identity: this.identityLabels.value(identity) });
  }

  /**
   * Registers `flush`, called before every exposition: a server counts bytes in its own meters
   * (cheap, per chunk) and pushes them here only when someone reads the metrics.
   */
  onCollect(flush: () => void): void {
    this.collectors.push(flush);
  }

  /** The Prometheus text exposition of every metric. */
  metricsText(): Promise<string> {
    for (const flush of this.collectors) flush();
    return this.registry.metrics();
  }

  /** The Content-Type of `metricsText()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private proxyLabelsOf(proxy: string, identity: string): { proxy: string; identity: string } {
    return { proxy: this.proxyLabels.value(proxy), identity: this.identityLabels.value(identity) };
  }

  private addBytes(labels: { proxy: string; identity: string }, bytesIn: number, bytesOut: number): void {
    const i = bytes(bytesIn);
    const o = bytes(bytesOut);
    if (i > 0) this.bytesIn.inc(labels, i);
    if (o > 0) this.bytesOut.inc(labels, o);
  }

  /** Adds `delta` to a live count, never below zero; returns the new count (0 entries are dropped). */
  private step(counts: Map<string, number>, key: string, delta: number): number {
    const n = Math.max(0, (counts.get(key) ?? 0) + delta);
    if (n === 0) counts.delete(key);
    else counts.set(key, n);
    return n;
  }
}
