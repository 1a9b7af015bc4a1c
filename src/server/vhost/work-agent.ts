// A keep-alive pool of work connections for one http proxy: an http.Agent whose sockets are work streams.
//
// frps does the same with Go's http.Transport (frp pkg/util/vhost/http.go): requests to one route
// reuse idle work connections, which stay open to the local service with HTTP keep-alive. So a
// work connection carries many requests, possibly of different users; the source address its
// StartWorkConn reported is the first user's (as in frp), while X-Forwarded-For is per request.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpPeer } from './http-vhost.js';

/** An idle work connection is closed after this (frp: the transport's IdleConnTimeout, 60 s). */
export const WORK_CONN_IDLE_MS = 60_000;
/**
 * Idle work connections kept per proxy (frp keeps 5 per route, Node's default is 256): enough for
 * a busy keep-alive site; the most recently used are reused first, so a surplus ages out.
 */
export const MAX_IDLE_WORK_CONNS = 64;
/** Closing this early before the idle timeout the local service announced (Keep-Alive: timeout=N), as Node's own agent does. */
const KEEP_ALIVE_HINT_MARGIN_MS = 1_000;
/** The Keep-Alive response header's timeout, in seconds. */
const KEEP_ALIVE_TIMEOUT_HINT = /^timeout=(\d+)/;

/** What an idle work connection is watched for while it waits in the pool. */
interface IdleWatch {
  timer: NodeJS.Timeout;
  /** Bytes or an end from an idle connection: the local service closed or misbehaved; drop it. */
  drop: () => void;
}

/** Request options the vhost passes to http.request: who is asking, for a new work connection's StartWorkConn. */
export interface WorkRequestOptions extends http.RequestOptions {
  peer: HttpPeer;
}

/**
 * The pool of one proxy. Sockets are work connections (yamux streams or TCP/TLS connections,
 * maybe wrapped for encryption and compression), opened with `open` when no idle one is left.
 * Plain Duplexes have no setKeepAlive/setTimeout/ref, so idle timing is done here, not by Node.
 */
export class WorkConnAgent extends http.Agent {
  private readonly idle = new WeakMap<Duplex, IdleWatch>();
  /** Work connections being opened (not yet known to http.Agent). */
  private opening = 0;

  /**
   * @param open a new work connection for a request from `peer`
   * @param onEmpty called when the pool holds nothing any more (no connection busy, idle or being opened)
   */
  constructor(
    private readonly open: (peer: HttpPeer) => Promise<Duplex>,
    private readonly onEmpty: (agent: WorkConnAgent) => void,
  ) {
    super({ keepAlive: true, maxFreeSockets: MAX_IDLE_WORK_CONNS, scheduling: 'lifo' });
  }

  /** True when no work connection is busy, idle or being opened. */
  get isEmpty(): boolean {
    return this.opening === 0 && Object.keys(this.sockets).length === 0 && Object.keys(this.freeSockets).length === 0;
  }

  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    const peer = (options as WorkRequestOptions).peer;
    this.opening += 1;
    this.open(peer).then(
      (stream) => {
        this.opening -= 1;
        stream.once('close', () => this.checkEmpty());
        callback?.(null, withRef(stream));
      },
      (err: Error) => {
        this.opening -= 1;
        // http.Agent's callback takes an error without a stream.
        (callback as ((err: Error) => void) | undefined)?.(err);
        this.checkEmpty();
      },
    );
    return undefined;
  }

  /** A request is done with `socket`: keep it when it is still usable, with an idle deadline. */
  override keepSocketAlive(socket: Duplex): boolean {
    if (socket.destroyed || socket.readableEnded || !socket.writable) return false;
    const idleMs = this.idleMsFor(socket);
    if (idleMs <= 0) return false;
    const drop = (): void => {
      this.unwatch(socket);
      socket.destroy();
    };
    const timer = setTimeout(drop, idleMs);
    timer.unref();
    this.idle.set(socket, { timer, drop });
    socket.on('data', drop);
    socket.on('end', drop);
    // Data that arrived while the response was consumed, or an end already queued, shows now.
    socket.resume();
    return true;
  }

  /** An idle `socket` is taken for a new request. */
  override reuseSocket(socket: Duplex, request: http.ClientRequest): void {
    this.unwatch(socket);
    super.reuseSocket(socket, request);
  }

  /** How long `socket` may stay idle: WORK_CONN_IDLE_MS, or less when the local service announced less. */
  private idleMsFor(socket: Duplex): number {
    const res = (socket as { _httpMessage?: { res?: http.IncomingMessage } })._httpMessage?.res;
    const hint = res?.headers['keep-alive'];
    const seconds = typeof hint === 'string' ? KEEP_ALIVE_TIMEOUT_HINT.exec(hint)?.[1] : undefined;
    if (seconds === undefined) return WORK_CONN_IDLE_MS;
    return Math.min(WORK_CONN_IDLE_MS, Number(seconds) * 1000 - KEEP_ALIVE_HINT_MARGIN_MS);
  }

  private unwatch(socket: Duplex): void {
    const watch = this.idle.get(socket);
    if (watch === undefined) return;
    this.idle.delete(socket);
    clearTimeout(watch.timer);
    socket.off('data', watch.drop);
    socket.off('end', watch.drop);
  }

  private checkEmpty(): void {
    // http.Agent forgets a closed socket in its own 'close' listener, which may run after ours.
    process.nextTick(() => {
      if (this.isEmpty) this.onEmpty(this);
    });
  }
}

/** http.Agent's reuseSocket calls socket.ref(), which only net.Socket has; give a plain Duplex a no-op one. */
function withRef(socket: Duplex): Duplex {
  const refable = socket as Duplex & { ref?: () => void };
  if (typeof refable.ref !== 'function') refable.ref = noop;
  return socket;
}

function noop(): void {
  // nothing to keep the event loop alive for: the work connection's transport does that
}
