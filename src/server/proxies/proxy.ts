// What every server-side proxy is, and the pieces of a client session a proxy draws on.
import type { Logger } from '../../log.js';
import type { NewProxy, WireConn } from '../../wire/index.js';
import type { TrafficMeter } from '../traffic.js';

/** The client session behind a proxy, as the proxy sees it. */
export interface ProxyOwner {
  readonly runId: string;
  readonly poolCount: number;
  /** The control/work cipher key (derived from the token). */
  readonly encryptionKey: Buffer;
  readonly logger: Logger;
  /** userConnIdleTimeout in ms: a user connection silent both ways this long is closed; 0 = never. */
  readonly userConnIdleTimeoutMs: number;
  /** A work connection from the pool, or a fresh one requested from the client. */
  getWorkConn(): Promise<WireConn>;
  /** The NewUserConn server plugins' verdict on a user connection; rejects when refused. Absent = always admitted. */
  admitUserConn?(proxyName: string, proxyType: string, remoteAddr: string): Promise<void>;
}

/** What every server proxy is built from: its wire name, the NewProxy asking for it, the session behind it. */
export interface ProxySpec {
  /** Wire name (with the user prefix when the client has a user). */
  readonly name: string;
  readonly request: NewProxy;
  readonly owner: ProxyOwner;
}

/** A running proxy on the server. */
export interface ServerProxy {
  /** Wire name (with the user prefix when the client has a user). */
  readonly name: string;
  readonly type: string;
  readonly owner: ProxyOwner;
  readonly request: NewProxy;
  /** Number of public ports the proxy holds (for maxPortsPerClient). */
  readonly portsUsed: number;
  /** User connections and bytes carried (the admin API and metrics read it). */
  readonly meter: TrafficMeter;
  /** Opens the public side; resolves with NewProxyResp's remote_addr. */
  start(): Promise<string>;
  /** Called once NewProxyResp has gone out (a udp proxy then asks for its work connection). */
  afterStart?(): void;
  /**
   * Graceful shutdown: stops taking new user connections while the live ones go on (close() ends
   * them later). Optional: a proxy without it keeps serving until close().
   */
  stopAccepting?(): void;
  /** Closes the public side and every live user connection. */
  close(): void;
}
