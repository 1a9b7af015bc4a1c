// Public API of the wire layer: frp v1 messages, codec, stream I/O, token auth and control-stream cipher.
export * from './constants.js';
export type {
  ClientSpec,
  CloseProxy,
  Login,
  LoginResp,
  Message,
  MessageBodies,
  MessageName,
  NatHoleClient,
  NatHoleReport,
  NatHoleResp,
  NatHoleSid,
  NatHoleVisitor,
  NewProxy,
  NewProxyResp,
  NewVisitorConn,
  NewVisitorConnResp,
  NewWorkConn,
  Ping,
  Pong,
  ReqWorkConn,
  StartWorkConn,
  UDPAddr,
  UDPPacket,
} from './messages.js';
export { makeMessage, messageNameOf, TYPE_BYTE } from './messages.js';
export {
  checkTypeByte,
  decodeHeader,
  decodeMessage,
  decodeMessageBody,
  encodeMessage,
  MessageDecoder,
  type MessageHeader,
} from './codec.js';
export { readExactly, readMessage, writeMessage, type ReadMessageOptions } from './message-io.js';
export { nowSeconds, privilegeKey, verifyPrivilegeKey } from './auth.js';
export {
  CIPHER_ITERATIONS,
  CIPHER_IV_SIZE,
  CIPHER_KEY_SIZE,
  CIPHER_SALT,
  createEncryptedStream,
  deriveCipherKey,
} from './cipher.js';
