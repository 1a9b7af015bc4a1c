// The tls2raw plugin: the user's TLS terminated here and the plain bytes relayed to localAddr over TCP.
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../errors.js';
import { dialTcp } from '../../net/dial.js';
import { relay } from '../../net/relay.js';
import { LOCAL_DIAL_TIMEOUT_MS } from '../constants.js';
import type { ClientPlugin, PluginFactory } from './plugin.js';
import { PluginTls } from './plugin-tls.js';
import { parseLocalAddr } from './reverse-proxy.js';

export const createTls2RawPlugin: PluginFactory = (options, { proxyName, logger }) => {
  const { host, port } = parseLocalAddr(options.localAddr);
  // frp's tls.Config for tls2raw sets no NextProtos: no ALPN.
  const tls = new PluginTls({ crtPath: options.crtPath, keyPath: options.keyPath, alpn: [] }, logger, proxyName);
  const open = new Set<Duplex>();
  const serve = async (conn: Duplex, header: Buffer | undefined): Promise<void> => {
    let socket;
    try {
      socket = await tls.accept(conn);
    } catch (err) {
      logger.warn({ proxy: proxyName, err: errorMessage(err) }, 'tls handshake error');
      return;
    }
    let local;
    try {
      local = await dialTcp({ host, port, timeoutMs: LOCAL_DIAL_TIMEOUT_MS, allowHalfOpen: true });
    } catch (err) {
      logger.warn(
        { proxy: proxyName, localAddr: options.localAddr, err: errorMessage(err) },
        'dial to local addr error',
      );
      socket.destroy();
      return;
    }
    // frp writes the PROXY header to the local connection before the decrypted bytes.
    if (header) local.write(header);
    await relay(socket, local);
  };
  const plugin: ClientPlugin = {
    type: 'tls2raw',
    handle({ conn, proxyProtocolHeader }) {
      open.add(conn);
      conn.once('close', () => open.delete(conn));
      void serve(conn, proxyProtocolHeader);
    },
    close() {
      for (const conn of open) conn.destroy();
      open.clear();
      return Promise.resolve();
    },
  };
  return plugin;
};
