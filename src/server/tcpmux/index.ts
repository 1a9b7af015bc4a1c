// The tcpmux HTTP CONNECT multiplexer: head parser, Proxy-Authorization, answers and the multiplexer itself.
export { bodyRefusal, connectHost, headerValues, parseRequestHead, type RequestHead } from './connect-head.js';
export { credentialsMatch, parseBasicAuth, type BasicCredentials } from './proxy-auth.js';
export { CONNECT_ESTABLISHED, TcpmuxAnswer } from './responses.js';
export { TcpmuxVhost, type TcpmuxBackend, type TcpmuxVhostOptions } from './tcpmux-vhost.js';
