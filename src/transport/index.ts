// Public surface of the tunnel transports: the one Transport interface (tcp, tls, websocket, wss), its chooser, the WebSocket pieces.
export * from './constants.js';
export { acceptWebSocket, type WebSocketAcceptOptions } from './websocket-accept.js';
export { dialWebSocket, type WebSocketDialOptions } from './websocket-dial.js';
export { WebSocketDuplex, frameChunks } from './websocket-duplex.js';
export { answerOnSocket, HttpEngine, type HttpVisit } from './http-engine.js';
export type {
  DialedTransport,
  SecuredConn,
  TlsFacts,
  Transport,
  TransportAcceptOptions,
  TransportDialOptions,
  TransportInfo,
  TransportName,
} from './transport.js';
export { tcpTransport } from './tcp.js';
export { acceptTls, dialTls, tlsFacts, tlsTransport } from './tls.js';
export { websocketTransport } from './websocket.js';
export { upgradeSecured, wssTransport } from './wss.js';
export { acceptSecure, chooseTransport } from './choose.js';
