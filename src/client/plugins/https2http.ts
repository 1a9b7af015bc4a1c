// The https2http plugin: TLS terminated here (crtPath/keyPath or a generated certificate), requests forwarded as HTTP to localAddr.
import { createHttpsForwardPlugin } from './https-forward-plugin.js';
import type { PluginFactory } from './plugin.js';

export const createHttps2HttpPlugin: PluginFactory = (options, context) =>
  createHttpsForwardPlugin('https2http', 'http', options, context);
