// The socks5 plugin: an RFC 1928 CONNECT proxy (no auth, or RFC 1929 username/password) on each user connection.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import { dialTcp } from '../../net/dial.js';
import { relay } from '../../net/relay.js';
import { readExactly } from '../../wire/message-io.js';
import { LOCAL_DIAL_TIMEOUT_MS } from '../constants.js';
import type { ClientPlugin, PluginFactory } from './plugin.js';
import {
  ATYP_DOMAIN,
  ATYP_IPV4,
  ATYP_IPV6,
  CMD_CONNECT,
  encodeReply,
  ipv6Text,
  METHOD_NO_AUTH,
  METHOD_NONE_ACCEPTABLE,
  METHOD_USERPASS,
  Reply,
  replyForDialError,
  SOCKS_VERSION,
  USERPASS_FAILED,
  USERPASS_OK,
  USERPASS_VERSION,
} from './socks5-codec.js';

/** The whole handshake (greeting, auth, request) must arrive within this; a silent peer is dropped. */
export const SOCKS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Where a CONNECT goes. */
interface Target {
  host: string;
  port: number;
}

/** Equal-length digests for a constant-time compare that does not leak lengths. */
function digest(bytes: Buffer | string): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** One connection's handshake; every read is bounded by its size byte and the shared deadline. */
class Handshake {
  private readonly deadline = Date.now() + SOCKS_HANDSHAKE_TIMEOUT_MS;

  constructor(
    private readonly conn: Duplex,
    private readonly creds: { username: string; password: string } | undefined,
  ) {}

  private read(n: number): Promise<Buffer> {
    const left = this.deadline - Date.now();
    if (left <= 0) {
      return Promise.reject(
        new BurrowError(ErrorCode.TIMEOUT, `socks5 handshake not done within ${SOCKS_HANDSHAKE_TIMEOUT_MS} ms`),
      );
    }
    return readExactly(this.conn, n, left);
  }

  /** Runs greeting, auth and request; resolves with the target, or undefined once a refusal was sent. */
  async run(): Promise<Target | undefined> {
    const [version, count] = await this.read(2);
    if (version !== SOCKS_VERSION) throw new BurrowError(ErrorCode.PROTOCOL, `not SOCKS5 (version byte ${version})`);
    const methods = await this.read(count!);
    const wanted = this.creds ? METHOD_USERPASS : METHOD_NO_AUTH;
    if (!methods.includes(wanted)) {
      this.conn.end(Buffer.from([SOCKS_VERSION, METHOD_NONE_ACCEPTABLE]));
      return undefined;
    }
    this.conn.write(Buffer.from([SOCKS_VERSION, wanted]));
    if (this.creds && !(await this.authenticate(this.creds))) return undefined;
    return this.request();
  }

  /** RFC 1929: VER ULEN UNAME PLEN PASSWD, both parts compared in constant time. */
  private async authenticate(creds: { username: string; password: string }): Promise<boolean> {
    const [version, userLength] = await this.read(2);
    if (version !== USERPASS_VERSION) {
      throw new BurrowError(ErrorCode.PROTOCOL, `unsupported auth version ${version}`);
    }
    const user = await this.read(userLength!);
    const [passwordLength] = await this.read(1);
    const password = await this.read(passwordLength!);
    const userOk = timingSafeEqual(digest(user), digest(creds.username));
    const passwordOk = timingSafeEqual(digest(password), digest(creds.password));
    if (userOk && passwordOk) {
      this.conn.write(Buffer.from([USERPASS_VERSION, USERPASS_OK]));
      return true;
    }
    this.conn.end(Buffer.from([USERPASS_VERSION, USERPASS_FAILED]));
    return false;
  }

  /** VER CMD RSV ATYP DST.ADDR DST.PORT; only CONNECT is served (frp's library refuses BIND and UDP ASSOCIATE too). */
  private async request(): Promise<Target | undefined> {
    const [version, command, , addressType] = await this.read(4);
    if (version !== SOCKS_VERSION) throw new BurrowError(ErrorCode.PROTOCOL, `request version byte ${version}`);
    let host: string;
    if (addressType === ATYP_IPV4) host = [...(await this.read(4))].join('.');
    else if (addressType === ATYP_IPV6) host = ipv6Text(await this.read(16));
    else if (addressType === ATYP_DOMAIN) {
      const [length] = await this.read(1);
      host = (await this.read(length!)).toString('latin1');
    } else {
      this.conn.end(encodeReply(Reply.ADDRESS_TYPE_NOT_SUPPORTED));
      return undefined;
    }
    const port = (await this.read(2)).readUInt16BE(0);
    if (command !== CMD_CONNECT) {
      this.conn.end(encodeReply(Reply.COMMAND_NOT_SUPPORTED));
      return undefined;
    }
    return { host, port };
  }
}

export const createSocks5Plugin: PluginFactory = (options, { proxyName, logger }) => {
  const creds =
    options.username !== '' || options.password !== ''
      ? { username: options.username, password: options.password }
      : undefined;
  const open = new Set<Duplex>();

  const serve = async (conn: Duplex): Promise<void> => {
    const target = await new Handshake(conn, creds).run();
    if (!target) return;
    let remote: net.Socket;
    try {
      remote = await dialTcp({ ...target, timeoutMs: LOCAL_DIAL_TIMEOUT_MS, allowHalfOpen: true });
    } catch (err) {
      logger.debug(
        { proxy: proxyName, target: `${target.host}:${target.port}`, err: errorMessage(err) },
        'socks5: dial error',
      );
      conn.end(encodeReply(replyForDialError(err)));
      return;
    }
    if (conn.destroyed) {
      remote.destroy();
      return;
    }
    conn.write(
      encodeReply(Reply.SUCCEEDED, { address: remote.localAddress ?? '0.0.0.0', port: remote.localPort ?? 0 }),
    );
    await relay(conn, remote);
  };

  const plugin: ClientPlugin = {
    type: 'socks5',
    handle({ conn }) {
      open.add(conn);
      conn.once('close', () => open.delete(conn));
      conn.on('error', () => conn.destroy());
      serve(conn).catch((err: unknown) => {
        logger.debug({ proxy: proxyName, err: errorMessage(err) }, 'socks5: handshake error');
        conn.destroy();
      });
    },
    close() {
      for (const conn of open) conn.destroy();
      open.clear();
      return Promise.resolve();
    },
  };
  return plugin;
};
