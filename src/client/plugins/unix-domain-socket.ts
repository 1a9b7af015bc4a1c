// The unix_domain_socket plugin: each user connection goes to a local Unix socket (e.g. Docker's) instead of a TCP port.
import net from 'node:net';
import { errorMessage } from '../../errors.js';
import { relay } from '../../net/relay.js';
import { LOCAL_DIAL_TIMEOUT_MS } from '../constants.js';
import type { ClientPlugin, PluginConnection, PluginFactory } from './plugin.js';

/** Connects to `path`, or rejects after LOCAL_DIAL_TIMEOUT_MS. */
function dialUnix(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${LOCAL_DIAL_TIMEOUT_MS} ms`));
    }, LOCAL_DIAL_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export const createUnixDomainSocketPlugin: PluginFactory = (options, { proxyName, logger }) => {
  const path = options.unixPath;
  const open = new Set<PluginConnection['conn']>();
  const plugin: ClientPlugin = {
    type: 'unix_domain_socket',
    handle({ conn, proxyProtocolHeader }) {
      open.add(conn);
      conn.once('close', () => open.delete(conn));
      dialUnix(path).then(
        async (local) => {
          // frp writes the PROXY header to the socket before the user's bytes.
          if (proxyProtocolHeader) local.write(proxyProtocolHeader);
          await relay(conn, local);
        },
        (err: unknown) => {
          logger.warn({ proxy: proxyName, unixPath: path, err: errorMessage(err) }, 'dial to unix socket error');
          conn.destroy();
        },
      );
    },
    close() {
      for (const conn of open) conn.destroy();
      open.clear();
      return Promise.resolve();
    },
  };
  return plugin;
};
