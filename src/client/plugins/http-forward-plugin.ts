// A plugin that serves HTTP to the user and forwards every request to localAddr (the http2http and http2https plugins).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { PluginConfig, PluginType } from '../../config/plugin-schema.js';
import type { ForwardedMode } from './forward-headers.js';
import { PluginHttpServer } from './http-bridge.js';
import type { ClientPlugin, PluginContext } from './plugin.js';
import { HttpForwarder, tagSource } from './reverse-proxy.js';

/** Builds a plugin that reads plain HTTP/1.1 from the user and forwards it over `scheme`. */
export function createHttpForwardPlugin(
  type: PluginType,
  scheme: 'http' | 'https',
  mode: ForwardedMode,
  options: PluginConfig,
  { proxyName, logger }: PluginContext,
): ClientPlugin {
  const forwarder = new HttpForwarder({
    localAddr: options.localAddr,
    scheme,
    rules: { mode, hostHeaderRewrite: options.hostHeaderRewrite, setHeaders: options.requestHeaders.set },
    proxyName,
    logger,
  });
  const bridge = new PluginHttpServer((req, res) => forwarder.handle(req, res));
  bridge.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
    forwarder.upgrade(req, socket, head),
  );
  return {
    type,
    handle({ conn, srcAddr }) {
      tagSource(conn, srcAddr);
      bridge.handle(conn);
    },
    async close() {
      await bridge.close();
      forwarder.close();
    },
  };
}
