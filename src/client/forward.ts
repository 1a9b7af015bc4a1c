// forward(): a proxy added to a running client from code: its options checked like a [[proxies]] entry, its public URL, and the wait for the server's answer.
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { ProxyConfig, ProxyType } from '../config/index.js';
import { BurrowError, ErrorCode } from '../errors.js';
import { formatAddress } from '../net/dial.js';
import { resolveConnectOptions, type DeepPartial } from './options.js';
import type { ProxyWorker } from './proxy-worker.js';

/** How long forward() waits for NewProxyResp before giving up (frpc resends an unanswered NewProxy after 20 s). */
export const FORWARD_RESPONSE_TIMEOUT_MS = 20_000;

/** Random bytes in a generated proxy name (hex), so two clients forwarding the same port do not clash on the server. */
const NAME_SUFFIX_BYTES = 3;

/** How forward options are named in error messages. */
const FORWARD_SOURCE_NAME = 'forward options';

/** What forward() takes: a [[proxies]] entry's keys in camelCase; `name` is generated when left out. */
export type ForwardOptions = DeepPartial<Omit<ProxyConfig, 'name' | 'type' | 'localPort'>> & {
  type: ProxyType;
  localPort: number;
  name?: string;
};

/** A proxy added by forward(). */
export interface Forward {
  name: string;
  /** Where users reach it: "tcp://host:port", "http://domain[:port]", …; "" for types with no public address (stcp, …). */
  url: string;
  /** What the server answered, e.g. ":6000" or "app.example.com:8080". */
  remoteAddr: string;
  /** Withdraws the proxy (CloseProxy): the server closes its port and its connections. */
  close(): Promise<void>;
}

/** The complete, validated config of a forwarded proxy; throws ConfigError naming the bad key. */
export function forwardProxyConfig(options: ForwardOptions): ProxyConfig {
  const name = options.name ?? `${options.type}-${options.localPort}-${randomBytes(NAME_SUFFIX_BYTES).toString('hex')}`;
  const { config } = resolveConnectOptions({ proxies: [{ ...options, name }] }, {}, FORWARD_SOURCE_NAME);
  return config.proxies[0]!;
}

/** An address users can dial: the unspecified addresses mean this host. */
function dialableHost(serverAddr: string): string {
  return serverAddr === '' || serverAddr === '0.0.0.0' || serverAddr === '::' ? '127.0.0.1' : serverAddr;
}

/** The public URL of a running proxy from its type, the server's address and NewProxyResp's remote_addr. */
export function forwardUrl(type: ProxyType, serverAddr: string, remoteAddr: string): string {
  if (type === 'tcp' || type === 'udp') {
    const port = Number(remoteAddr.slice(remoteAddr.lastIndexOf(':') + 1));
    return Number.isInteger(port) && port > 0 ? `${type}://${formatAddress(dialableHost(serverAddr), port)}` : '';
  }
  if (type === 'http' || type === 'https') {
    const first = remoteAddr.split(',')[0] ?? '';
    return first === '' ? '' : `${type}://${first}`;
  }
  return '';
}

/**
 * Resolves when the server answers the worker's NewProxy: with the worker once it runs; rejects
 * with PROXY_REFUSED and the server's reason, CLOSED when the session or client goes away first,
 * TIMEOUT after FORWARD_RESPONSE_TIMEOUT_MS. `events` is the client (its 'proxy', 'disconnected'
 * and 'close' events); `current` says whether the worker is still the client's.
 */
export function awaitRegistration(
  events: EventEmitter,
  worker: ProxyWorker,
  current: () => boolean,
): Promise<ProxyWorker> {
  return new Promise((resolve, reject) => {
    const name = worker.config.name;
    const done = (err?: Error): void => {
      clearTimeout(timer);
      events.off('proxy', onProxy);
      events.off('disconnected', onGone);
      events.off('close', onGone);
      if (err) reject(err);
      else resolve(worker);
    };
    const onProxy = (status: { name: string }): void => {
      if (status.name !== name || !current()) return;
      if (worker.phase === 'running') done();
      else if (worker.phase === 'error')
        done(new BurrowError(ErrorCode.PROXY_REFUSED, `proxy [${name}] refused by the server: ${worker.lastError}`));
    };
    const onGone = (): void =>
      done(new BurrowError(ErrorCode.CLOSED, `proxy [${name}]: the session to the server ended before it answered`));
    const timer = setTimeout(
      () =>
        done(
          new BurrowError(
            ErrorCode.TIMEOUT,
            `proxy [${name}]: no answer from the server within ${FORWARD_RESPONSE_TIMEOUT_MS} ms`,
          ),
        ),
      FORWARD_RESPONSE_TIMEOUT_MS,
    );
    events.on('proxy', onProxy);
    events.once('disconnected', onGone);
    events.once('close', onGone);
  });
}
