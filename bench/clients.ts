// clients-1k: logged-in clients held against one server, each with one tcp proxy, to read the server's RSS per client.
import tls from 'node:tls';
import { BurrowError, ErrorCode, errorMessage } from '../src/errors.js';
import { Session } from '../src/mux/index.js';
import { clientLogin, deriveCipherKey, nowSeconds, privilegeKey, type ControlChannel } from '../src/wire/index.js';
import { totalRss } from './conns.js';
import { LOOPBACK } from './protocol.js';

/** Deadline for one client's login and its proxy's NewProxyResp. */
const CLIENT_SETUP_TIMEOUT_MS = 15_000;
/** Clients logging in at once while the fleet is built. */
const SETUP_CONCURRENCY = 16;
/** After the last client is up, how long the server gets to settle before the RSS reading. */
const CLIENTS_SETTLE_MS = 2_000;
const BYTES_PER_KB = 1024;

/** One held client: its TLS socket and yamux session. */
interface HeldClient {
  session: Session;
  socket: tls.TLSSocket;
}

/** Logs one client in (TLS, yamux, Login) and registers one tcp proxy on a port the server picks. */
async function holdOne(port: number, token: string, key: Buffer, index: number): Promise<HeldClient> {
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ host: LOOPBACK, port, rejectUnauthorized: false }, () => resolve(s));
    s.once('error', reject);
  });
  const session = new Session(socket, { client: true, keepaliveIntervalMs: 0 });
  const timestamp = nowSeconds();
  const { resp, channel } = await clientLogin(
    session.open(),
    'v1',
    { version: '0.70.0', privilege_key: privilegeKey(token, timestamp), timestamp, client_spec: {}, pool_count: 0 },
    { token, encryptionKey: key, timeoutMs: CLIENT_SETUP_TIMEOUT_MS },
  );
  if (resp.error || !channel) throw new BurrowError(ErrorCode.LOGIN_REFUSED, `client ${index}: ${resp.error}`);
  await registerProxy(channel, `bench-client-${index}`);
  return { session, socket };
}

/** Sends NewProxy (tcp, remote port chosen by the server) and waits for its NewProxyResp. */
async function registerProxy(channel: ControlChannel, name: string): Promise<void> {
  channel.write({
    type: 'NewProxy',
    body: { proxy_name: name, proxy_type: 'tcp', remote_port: 0, use_encryption: false, use_compression: false },
  });
  const deadline = Date.now() + CLIENT_SETUP_TIMEOUT_MS;
  for (;;) {
    const msg = await channel.read({ timeoutMs: Math.max(1, deadline - Date.now()) });
    if (msg.type !== 'NewProxyResp') continue; // e.g. ReqWorkConn: this client serves no user
    if (msg.body.error) throw new BurrowError(ErrorCode.PROXY_REFUSED, `${name}: ${msg.body.error}`);
    return;
  }
}

/**
 * KB of the server's RSS per client: the RSS of `serverPid` before and while `count` clients are
 * logged in with one tcp proxy each; every client is closed again before it returns.
 */
export async function kbPerClient(
  port: number,
  token: string,
  serverPid: number,
  count: number,
): Promise<{ kb: number; beforeBytes: number; afterBytes: number }> {
  const key = deriveCipherKey(token);
  const held: HeldClient[] = [];
  const beforeBytes = await totalRss([serverPid]);
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: SETUP_CONCURRENCY }, async () => {
        while (next < count) {
          const index = next++;
          held.push(await holdOne(port, token, key, index));
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, CLIENTS_SETTLE_MS));
    const afterBytes = await totalRss([serverPid]);
    return { kb: (afterBytes - beforeBytes) / BYTES_PER_KB / count, beforeBytes, afterBytes };
  } catch (err) {
    throw new BurrowError(ErrorCode.INTERNAL, `clients-1k: ${errorMessage(err)}`, { cause: err });
  } finally {
    for (const client of held) {
      client.session.close();
      client.socket.destroy();
    }
  }
}
