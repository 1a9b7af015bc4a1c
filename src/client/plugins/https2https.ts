// The https2https plugin: TLS terminated here, requests forwarded as HTTPS to localAddr, whose certificate is not verified (as frp).
import { createHttpsForwardPlugin } from './https-forward-plugin.js';
import type { PluginFactory } from './plugin.js';

export const createHttps2HttpsPlugin: PluginFactory = (options, context) =>
  createHttpsForwardPlugin('https2https', 'https', options, context);
