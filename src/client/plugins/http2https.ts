// The http2https plugin: HTTP from the user, forwarded as HTTPS to localAddr, whose certificate is not verified (as frp).
import { createHttpForwardPlugin } from './http-forward-plugin.js';
import type { PluginFactory } from './plugin.js';

export const createHttp2HttpsPlugin: PluginFactory = (options, context) =>
  createHttpForwardPlugin('http2https', 'https', 'pass', options, context);
