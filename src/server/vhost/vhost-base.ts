// VhostBase: what the HTTP and HTTPS vhosts share: admission of each socket, the open-socket set and the own-port listener.
import net from 'node:net';
import type { Logger } from '../../log.js';
import { listenOn } from '../../net/listen.js';
import { VhostAdmission, type VhostAdmissionOptions } from './admission.js';

/** How a vhost kind names itself in logs and how its own listener is made. */
export interface VhostKind {
  /** Log prefix, e.g. "http vhost". */
  readonly label: string;
  /** The config key of its own port, e.g. "vhostHTTPPort" (named in bind errors). */
  readonly portKey: string;
  readonly listenerOptions: net.ServerOpts;
}

/** A vhost: sockets come from its own listener or from the shared-port sniffer, through admission. */
export abstract class VhostBase {
  private listener: net.Server | undefined;
  private readonly open = new Set<net.Socket>();
  private readonly admission: VhostAdmission;

  constructor(
    protected readonly logger: Logger,
    options: VhostAdmissionOptions,
    private readonly kind: VhostKind,
  ) {
    this.admission = new VhostAdmission(options);
  }

  /**
   * Serves one accepted TCP connection. `charged`: its per-IP rate token was spent already (the
   * shared bindPort); the per-IP cap applies either way.
   */
  abstract handleSocket(socket: net.Socket, charged?: boolean): void;

  /** Listens on its own port (when it differs from bindPort). */
  async listen(host: string, port: number): Promise<net.AddressInfo> {
    const listener = net.createServer(this.kind.listenerOptions, (socket) => this.handleSocket(socket, false));
    const address = await listenOn(listener, host, port, `${this.kind.portKey} ${host}:${port}`, this.logger);
    this.listener = listener;
    return address;
  }

  /** Connections open now (admitted and not closed). */
  get openConnections(): number {
    return this.open.size;
  }

  /** Stops accepting new connections on the vhost's own port (a drain); open ones go on. */
  stopListening(): void {
    this.listener?.close();
  }

  /** Stops listening and closes every connection. */
  close(): void {
    this.stopListening();
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  /** Per-IP rate (unless `charged`) and cap; a refused socket is destroyed. */
  protected admit(socket: net.Socket, charged: boolean): boolean {
    if (this.admission.admit(socket, charged)) return true;
    this.logger.debug(
      { remote: socket.remoteAddress, refused: this.admission.refused },
      `${this.kind.label}: connection rate or per-address cap; connection closed`,
    );
    socket.destroy();
    return false;
  }

  /** Counts an admitted socket until it closes (then `onClose` runs); false when it was counted already. */
  protected track(socket: net.Socket, onClose?: () => void): boolean {
    if (this.open.has(socket)) return false;
    this.open.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      onClose?.();
    });
    return true;
  }

  /** Whether `socket` is open and counted. */
  protected tracks(socket: net.Socket): boolean {
    return this.open.has(socket);
  }
}
