// Public surface of the tunnel transports: frp's WebSocket transport (server upgrade, client dial, the byte-stream adapter).
export * from './constants.js';
export { acceptWebSocket, type WebSocketAcceptOptions } from './websocket-accept.js';
export { dialWebSocket, type WebSocketDialOptions } from './websocket-dial.js';
export { WebSocketDuplex, frameChunks } from './websocket-duplex.js';
export { answerOnSocket, HttpEngine, type HttpVisit } from './http-engine.js';
export { readAhead, type ReadAheadOptions } from './read-ahead.js';
