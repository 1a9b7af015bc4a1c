// Public API of the wire layer: frp v1 messages, codec, stream I/O, token auth and burrow's login proof, control-stream cipher, wire v2 and the version-neutral WireConn.
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
export { nowSeconds, privilegeKey, secretEquals, verifyPrivilegeKey } from './auth.js';
export {
  decodeServerNonce,
  encodeServerNonce,
  LOGIN_CLIENT_NONCE_META,
  LOGIN_PROOF_LABEL,
  LOGIN_PROOF_META,
  LOGIN_PROOF_TIMEOUT_MS,
  LOGIN_PROOF_VERSION,
  LOGIN_PROOF_WINDOW_SEC,
  loginProof,
  loginProofMetas,
  newClientNonce,
  newServerNonce,
  readLoginProofMetas,
  verifyLoginProof,
  verifyWorkConnProof,
  WORK_CONN_PROOF_LABEL,
  WORK_CONN_REPLAY_WINDOW,
  workConnProof,
  type LoginProofInput,
} from './login-proof.js';
export {
  LOGIN_REPLAY_MEMORY_MAX,
  LOGIN_REPLAY_MEMORY_MS,
  LoginProofFailure,
  LoginProofGuard,
  LoginProofRefusal,
  type LoginCheckOptions,
  type LoginProofMode,
  type LoginProofVerdict,
} from './login-guard.js';
export { ExpiringSet, SequenceWindow } from './replay-guard.js';
export {
  CIPHER_ITERATIONS,
  CIPHER_IV_SIZE,
  CIPHER_KEY_SIZE,
  CIPHER_SALT,
  createEncryptedStream,
  deriveCipherKey,
} from './cipher.js';
export * from './v2/index.js';
export {
  acceptWire,
  clientLogin,
  MISSING_HELLO_REASON,
  MissingHelloError,
  openWire,
  refuseLogin,
  startServerControl,
  V1_CONTROL_ALGORITHM,
  wrapWire,
  writeServerHelloError,
  type AcceptedWire,
  type AcceptWireOptions,
  type ClientLoginOptions,
  type ClientLoginResult,
  type ControlChannel,
  type V2Handshake,
  type WireConn,
  type WireReadOptions,
  type WireVersion,
} from './wire-conn.js';
export * from './snappy/index.js';
export { wrapWorkConn, type WorkTransportOptions } from './work-transport.js';
export { YamuxFrameSeenError, YAMUX_VERSION_BYTE } from './errors.js';
