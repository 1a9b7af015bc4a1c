// Client side of an stcp visitor: a local port whose every connection reaches the named stcp proxy through the server.
import net from 'node:net';
import type { VisitorConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { formatAddress } from '../net/dial.js';
import { relay } from '../net/relay.js';
import { deriveCipherKey, nowSeconds, privilegeKey, wrapWorkConn, type WireConn } from '../wire/index.js';
import { VISITOR_RESPONSE_TIMEOUT_MS } from './constants.js';

/** What a visitor needs from the running client: a logical connection to the server and the session's run id. */
export interface VisitorSession {
  readonly runId: string;
  openConn(): Promise<WireConn>;
}

/** The wire name of the proxy a visitor targets: (serverUser, else own user) + "." + serverName, as frp's BuildTargetServerProxyName. */
export function visitorTargetName(ownUser: string, serverUser: string, serverName: string): string {
  const user = serverUser !== '' ? serverUser : ownUser;
  return user !== '' ? `${user}.${serverName}` : serverName;
}

/** One [[visitors]] entry of type stcp. */
export class StcpVisitor {
  private listener: net.Server | undefined;
  private readonly live = new Set<net.Socket>();
  private readonly key: Buffer;
  private closed = false;

  constructor(
    readonly config: VisitorConfig,
    private readonly ownUser: string,
    /** The current session, or undefined while the client is reconnecting. */
    private readonly session: () => VisitorSession | undefined,
    private readonly logger: Logger,
  ) {
    this.key = deriveCipherKey(config.secretKey);
  }

  /** The wire name of the target proxy. */
  get targetName(): string {
    return visitorTargetName(this.ownUser, this.config.serverUser, this.config.serverName);
  }

  /** Listens on bindAddr:bindPort (a negative bindPort means no listener, as frp). */
  async start(): Promise<void> {
    if (this.config.bindPort < 0) return;
    const listener = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => void this.handle(socket));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', (err) =>
        reject(
          new BurrowError(
            ErrorCode.NETWORK,
            `visitor [${this.config.name}]: listen on ${formatAddress(this.config.bindAddr, this.config.bindPort)}: ${err.message}`,
            { cause: err },
          ),
        ),
      );
      listener.listen({ host: this.config.bindAddr, port: this.config.bindPort }, resolve);
    });
    listener.on('error', (err) =>
      this.logger.error({ visitor: this.config.name, err: err.message }, 'visitor listener error'),
    );
    this.listener = listener;
    this.logger.info(
      {
        visitor: this.config.name,
        server: this.targetName,
        bind: formatAddress(this.config.bindAddr, this.config.bindPort),
      },
      'visitor listening',
    );
  }

  /** Stops listening and closes every live connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener?.close();
    for (const socket of this.live) socket.destroy();
    this.live.clear();
  }

  private async handle(user: net.Socket): Promise<void> {
    this.live.add(user);
    user.once('close', () => this.live.delete(user));
    user.on('error', () => user.destroy());
    let wire: WireConn;
    try {
      wire = await this.connect();
    } catch (err) {
      this.logger.warn(
        { visitor: this.config.name, server: this.targetName, err: errorMessage(err) },
        'visitor connection failed',
      );
      user.destroy();
      return;
    }
    if (user.destroyed || this.closed) {
      wire.stream.destroy();
      return;
    }
    const stream = wrapWorkConn(wire.stream, this.config.transport, this.key);
    void relay(user, stream);
  }

  /** NewVisitorConn (sign_key = md5(secretKey + timestamp)), then NewVisitorConnResp within the deadline. */
  private async connect(): Promise<WireConn> {
    const session = this.session();
    if (!session) throw new BurrowError(ErrorCode.CLOSED, 'not connected to the server');
    const wire = await session.openConn();
    const timestamp = nowSeconds();
    wire.write({
      type: 'NewVisitorConn',
      body: {
        run_id: session.runId,
        proxy_name: this.targetName,
        sign_key: privilegeKey(this.config.secretKey, timestamp),
        timestamp,
        use_encryption: this.config.transport.useEncryption,
        use_compression: this.config.transport.useCompression,
      },
    });
    try {
      const reply = await wire.read({ timeoutMs: VISITOR_RESPONSE_TIMEOUT_MS });
      if (reply.type !== 'NewVisitorConnResp')
        throw new BurrowError(ErrorCode.PROTOCOL, `expected NewVisitorConnResp, got ${reply.type}`);
      if (reply.body.error)
        throw new BurrowError(ErrorCode.AUTH, `start new visitor connection error: ${reply.body.error}`);
    } catch (err) {
      wire.stream.destroy();
      throw err;
    }
    return wire;
  }
}
