// The http2http plugin: HTTP from the user, forwarded as HTTP to localAddr (Host rewrite, requestHeaders.set; X-Forwarded-* dropped, as frp).
import { createHttpForwardPlugin } from './http-forward-plugin.js';
import type { PluginFactory } from './plugin.js';

export const createHttp2HttpPlugin: PluginFactory = (options, context) =>
  createHttpForwardPlugin('http2http', 'http', 'drop', options, context);
